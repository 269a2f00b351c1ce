'use strict';
// Interop test 8: the SDK's own test harness. TestWorkflowEnvironment.createLocal() launches the
// executable itself (`PATH server start-dev --port P --namespace default --ip 127.0.0.1
// --log-format pretty --log-level warn --dynamic-config-value ... --headless`) and waits for it to
// answer GetSystemInfo; a workflow then runs through env.client and a worker on
// env.nativeConnection.

const { it } = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib/harness');

it('8. TestWorkflowEnvironment.createLocal runs the server and a workflow', { timeout: 60_000 }, async () => {
  const bin = h.steadBin();
  h.installRuntime();
  const { TestWorkflowEnvironment } = require('@temporalio/testing');
  const bundlePromise = h.workflowBundle();

  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: bin } },
  });
  try {
    assert.equal(env.supportsTimeSkipping, false);
    await bundlePromise;
    const taskQueue = h.uniqueTaskQueue('testenv');
    const workflowId = h.uniqueWorkflowId('testenv');
    const calls = [];
    const activities = {
      async greet(name) {
        calls.push(name);
        return `Hello, ${name}!`;
      },
    };
    const { result, description } = await h.runWorker(
      { connection: env.nativeConnection, taskQueue, activities },
      async () => {
        const handle = await env.client.workflow.start('greetWorkflow', { taskQueue, workflowId, args: ['Stead'] });
        const result = await handle.result();
        return { result, description: await handle.describe() };
      }
    );
    assert.equal(result, 'Hello, Stead!');
    assert.deepEqual(calls, ['Stead']);
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.workflowId, workflowId);
    assert.equal(description.taskQueue, taskQueue);
  } finally {
    await env.teardown();
  }
});
