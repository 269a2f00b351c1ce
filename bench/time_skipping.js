// Time skipping through the official TypeScript SDK's test environment:
// TestWorkflowEnvironment.createTimeSkipping() launching `<test server> <port>` (as it launches
// Temporal's Java test server), then RUNS times the month-long workflow of
// tests/interop/ts/lib/workflows.js (30-day sleep, an activity failing twice with 2 h and 4 h of
// backoff, a one-year wait for a signal that never comes), each on a fresh task queue.
// Prints one JSON line: environment start-up and per-workflow wall times (ms).
//   node bench/time_skipping.js TEST_SERVER_PATH [runs=10]
'use strict';
const path = require('path');

const h = require(path.join(__dirname, '../tests/interop/ts/lib/harness'));
const sdk = (name) => require(path.join(__dirname, '../tests/interop/ts/node_modules/@temporalio', name));

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1] };
}

async function main() {
  const [serverPath, runsArg] = process.argv.slice(2);
  if (!serverPath) throw new Error('usage: node bench/time_skipping.js TEST_SERVER_PATH [runs=10]');
  const runs = Number(runsArg ?? 10);
  h.installRuntime();
  const { TestWorkflowEnvironment } = sdk('testing');
  const { Context } = sdk('activity');
  await h.workflowBundle();

  const t0 = process.hrtime.bigint();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: serverPath } },
  });
  const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const wallMs = [];
  try {
    const activities = {
      async tsFlaky() {
        const { attempt } = Context.current().info;
        if (attempt < 3) throw new Error(`attempt ${attempt} fails on purpose`);
        return `succeeded on attempt ${attempt}`;
      },
    };
    for (let i = 0; i < runs; ++i) {
      const taskQueue = h.uniqueTaskQueue('bench-month');
      await h.runWorker({ connection: env.nativeConnection, taskQueue, activities }, async () => {
        const started = process.hrtime.bigint();
        const result = await env.client.workflow.execute('monthLongWorkflow', {
          taskQueue,
          workflowId: h.uniqueWorkflowId('bench-month'),
        });
        wallMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        const days = result.elapsedMs / 86_400_000;
        if (days < 395 || result.signalled !== false) throw new Error(`unexpected result ${JSON.stringify(result)}`);
      });
    }
  } finally {
    await env.teardown();
  }
  const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  console.log(JSON.stringify({
    harness: 'typescript',
    server: serverPath,
    startup_ms: Math.round(startupMs * 10) / 10,
    runs,
    workflow_wall_ms: round(stats(wallMs)),
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
