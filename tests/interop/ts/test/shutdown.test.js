'use strict';
// The server stops cleanly on SIGTERM and SIGINT: it answers the long polls it holds, exits with
// status 0 within a few seconds, and a file database reopens with everything acknowledged.

const { it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const h = require('../lib/harness');

for (const signal of ['SIGTERM', 'SIGINT']) {
  it(`S1. ${signal} stops the server with exit status 0 while a poll is waiting`, { timeout: 60_000 }, async () => {
    const { dir, cleanup } = h.tempDir('stead-shutdown-');
    const dbFilename = path.join(dir, 'stead.db');
    const server = await h.startServer({ dbFilename });
    const { connection, client } = await h.connectClient(server);
    const workflowId = h.uniqueWorkflowId('shutdown');
    await client.workflow.start('greetWorkflow', { taskQueue: h.uniqueTaskQueue('shutdown'), workflowId, args: ['x'] });
    // A long poll the server holds at the moment it is told to stop.
    const poll = connection.workflowService
      .pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: h.uniqueTaskQueue('idle') }, identity: 't' })
      .then(() => 'answered', (err) => `failed: ${err.code}`);
    await h.sleep(200);
    const exit = await server.stop({ signal, timeoutMs: 5_000 });
    assert.deepEqual(exit, { code: 0, signal: null }, server.describeFailure(`exit after ${signal}`));
    assert.equal(await poll, 'answered');
    await connection.close();

    // Everything acknowledged before the signal is still there.
    const again = await h.startServer({ dbFilename });
    try {
      const { connection: c2, client: client2 } = await h.connectClient(again);
      const description = await client2.workflow.getHandle(workflowId).describe();
      assert.equal(description.status.name, 'RUNNING');
      await c2.close();
    } finally {
      await again.stop();
      cleanup();
    }
  });
}
