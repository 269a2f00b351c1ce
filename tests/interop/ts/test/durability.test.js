'use strict';
// Interop test 7: durability across a crash. The server runs with --db-filename; after activity A
// has completed and while activity B is running in this process, the server is SIGKILLed and
// restarted on the same port with the same database. The same worker keeps running (the Rust
// core retries its polls), B's completion goes to the restarted server, and the workflow
// completes exactly once.

const { it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const { WorkflowNotFoundError } = require('@temporalio/client');

const h = require('../lib/harness');

it('7. a workflow survives SIGKILL and restart of a server with --db-filename', { timeout: 90_000 }, async () => {
  const { dir, cleanup } = h.tempDir('stead-durability-');
  const dbFilename = path.join(dir, 'stead.db');
  const servers = [];
  let connection;
  let nativeConnection;
  let worker;
  let runPromise;
  const gate = h.createGate();
  try {
    await h.withServerOutput(servers, async () => {
      const first = await h.startServer({ dbFilename });
      servers.push(first);
      const c = await h.connectClient(first);
      connection = c.connection;
      const client = c.client;
      nativeConnection = await h.connectNative(first);

      const taskQueue = h.uniqueTaskQueue('durable');
      const workflowId = h.uniqueWorkflowId('durable');
      const calls = { stepA: 0, stepB: 0 };
      const bStarted = h.createGate();
      const activities = {
        async stepA(input) {
          calls.stepA++;
          return `A(${input})`;
        },
        async stepB(a) {
          calls.stepB++;
          bStarted.release();
          const v = await gate.promise;
          return `B(${a},${v})`;
        },
      };
      worker = await h.createWorker({ connection: nativeConnection, taskQueue, activities });
      let workerError;
      runPromise = worker.run().catch((err) => {
        workerError = err;
      });

      const handle = await client.workflow.start('twoStepWorkflow', { taskQueue, workflowId, args: ['x'] });
      await h.waitFor('ActivityTaskCompleted in history', async () =>
        (await h.historyEventNames(handle)).includes('ActivityTaskCompleted')
      );
      // B is now running in this process: its state on the server must outlive the crash.
      await h.waitFor('activity B to start', () => calls.stepB > 0);
      const before = await h.historyEventNames(handle);
      assert.equal(before.filter((n) => n === 'ActivityTaskCompleted').length, 1);

      const exit = await first.kill();
      assert.equal(exit.signal, 'SIGKILL');

      const second = await h.startServer({ port: first.port, dbFilename });
      servers.push(second);

      // The run survived: same run, still running, A's completion still in history.
      // (Retry only while the restarted server is not answering yet; NotFound means the run was lost.)
      const described = await h.waitFor('describe() after restart', async () => await handle.describe(), {
        timeoutMs: 15_000,
        fatal: (err) => err instanceof WorkflowNotFoundError,
      });
      assert.equal(described.runId, handle.firstExecutionRunId);
      assert.equal(described.status.name, 'RUNNING');
      const afterRestart = await h.historyEventNames(handle);
      assert.deepEqual(afterRestart.slice(0, before.length), before, 'history before the crash must be kept as is');

      gate.release('released');
      const result = await handle.result();
      assert.equal(result, 'A(x) -> B(A(x),released)');
      assert.equal(workerError, undefined, `the worker failed: ${workerError?.stack}`);

      const history = await handle.fetchHistory();
      const names = history.events.map(h.eventName);
      assert.equal(names.filter((n) => n === 'WorkflowExecutionCompleted').length, 1);
      assert.equal(names[names.length - 1], 'WorkflowExecutionCompleted');
      assert.deepEqual(
        names.filter((n) => n.startsWith('ActivityTask')),
        [
          'ActivityTaskScheduled',
          'ActivityTaskStarted',
          'ActivityTaskCompleted',
          'ActivityTaskScheduled',
          'ActivityTaskStarted',
          'ActivityTaskCompleted',
        ]
      );
      const scheduledTypes = history.events
        .filter((e) => h.eventName(e) === 'ActivityTaskScheduled')
        .map((e) => e.activityTaskScheduledEventAttributes.activityType.name);
      assert.deepEqual(scheduledTypes, ['stepA', 'stepB']);
      // Event IDs are 1..n without gaps.
      assert.deepEqual(
        history.events.map((e) => Number(e.eventId)),
        history.events.map((_, i) => i + 1)
      );
      // Neither activity ran again after the restart.
      assert.deepEqual(calls, { stepA: 1, stepB: 1 });

      const done = await handle.describe();
      assert.equal(done.status.name, 'COMPLETED');
      assert.equal(done.historyLength, history.events.length);

      worker.shutdown();
      await runPromise;
      assert.equal(workerError, undefined, `the worker failed: ${workerError?.stack}`);
      worker = undefined;
    });
  } finally {
    gate.release('released');
    if (worker) {
      try {
        worker.shutdown();
      } catch {
        /* not running */
      }
      await runPromise;
    }
    await nativeConnection?.close().catch(() => {});
    await connection?.close().catch(() => {});
    for (const s of servers) await s.stop();
    cleanup();
  }
});
