'use strict';
// Interop tests 1-6: workflows and activities through the official TypeScript SDK against one
// server ($STEAD_BIN server start-dev) shared by every test in this file. Each test has its own
// task queue, worker and activity implementations.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } = require('@temporalio/client');
const common = require('@temporalio/common');
const { Context } = require('@temporalio/activity');

const h = require('../lib/harness');

const TEST_TIMEOUT_MS = 30_000;

describe('TypeScript SDK against a shared dev server', () => {
  let server;
  let connection;
  let client;
  let nativeConnection;

  before(async () => {
    server = await h.startServer();
    ({ connection, client } = await h.connectClient(server));
    nativeConnection = await h.connectNative(server);
    await h.workflowBundle();
  });

  after(async () => {
    await nativeConnection?.close().catch(() => {});
    await connection?.close().catch(() => {});
    await server?.stopCleanly();
  });

  /** A test whose failure message carries the server's output. */
  function serverTest(name, fn) {
    it(name, { timeout: TEST_TIMEOUT_MS }, () => h.withServerOutput(server, fn));
  }

  serverTest('1. a workflow calling one activity returns its result', async () => {
    const taskQueue = h.uniqueTaskQueue('greet');
    const workflowId = h.uniqueWorkflowId('greet');
    const calls = [];
    const activities = {
      async greet(name) {
        calls.push(name);
        return `Hello, ${name}!`;
      },
    };
    const { result, names } = await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
      const handle = await client.workflow.start('greetWorkflow', { taskQueue, workflowId, args: ['Stead'] });
      const result = await handle.result();
      return { result, names: await h.historyEventNames(handle) };
    });
    assert.equal(result, 'Hello, Stead!');
    assert.deepEqual(calls, ['Stead']);
    assert.deepEqual(names, [
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });

  serverTest('2. a failing activity is retried by the server until it succeeds', async () => {
    const taskQueue = h.uniqueTaskQueue('flaky');
    const workflowId = h.uniqueWorkflowId('flaky');
    const attempts = [];
    const activities = {
      async flaky(failures) {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        if (attempt <= failures) throw new Error(`deliberate failure on attempt ${attempt}`);
        return `succeeded on attempt ${attempt}`;
      },
    };
    const { result, history } = await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
      const handle = await client.workflow.start('flakyWorkflow', { taskQueue, workflowId, args: [2] });
      const result = await handle.result();
      return { result, history: await handle.fetchHistory() };
    });
    assert.equal(result, 'workflow got: succeeded on attempt 3');
    assert.deepEqual(attempts, [1, 2, 3]);

    // Retries are invisible in history except through the started event of the last attempt.
    const names = history.events.map(h.eventName);
    assert.equal(names.filter((n) => n === 'ActivityTaskScheduled').length, 1);
    assert.equal(names.filter((n) => n === 'ActivityTaskFailed').length, 0);
    const started = history.events.filter((e) => h.eventName(e) === 'ActivityTaskStarted');
    assert.equal(started.length, 1);
    const startedAttrs = started[0].activityTaskStartedEventAttributes;
    assert.equal(startedAttrs.attempt, 3);
    assert.equal(startedAttrs.lastFailure?.message, 'deliberate failure on attempt 2');
    assert.ok(startedAttrs.lastFailure?.applicationFailureInfo, 'lastFailure should be an application failure');
  });

  serverTest('3. an activity exceeding its start-to-close timeout is retried', async () => {
    const taskQueue = h.uniqueTaskQueue('timeout');
    const workflowId = h.uniqueWorkflowId('timeout');
    const attempts = [];
    const testDone = h.createGate();
    const activities = {
      async slowThenFast() {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        if (attempt === 1) {
          // 3 s without heartbeating against a 1 s start-to-close timeout. The test cuts the sleep
          // short once the workflow has completed, only so that worker shutdown is quick.
          await Promise.race([h.sleep(3000), testDone.promise]);
          return `slow result from attempt ${attempt}`;
        }
        return `fast result from attempt ${attempt}`;
      },
    };
    let result;
    let history;
    try {
      ({ result, history } = await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
        const handle = await client.workflow.start('timeoutWorkflow', { taskQueue, workflowId });
        const result = await handle.result();
        testDone.release();
        return { result, history: await handle.fetchHistory() };
      }));
    } finally {
      testDone.release();
    }
    assert.equal(result, 'fast result from attempt 2');
    assert.deepEqual(attempts, [1, 2]);

    const started = history.events.filter((e) => h.eventName(e) === 'ActivityTaskStarted');
    assert.equal(started.length, 1);
    const startedAttrs = started[0].activityTaskStartedEventAttributes;
    assert.equal(startedAttrs.attempt, 2);
    const timeoutInfo = startedAttrs.lastFailure?.timeoutFailureInfo;
    assert.ok(timeoutInfo, `lastFailure should be a timeout failure, got ${JSON.stringify(startedAttrs.lastFailure)}`);
    assert.equal(timeoutInfo.timeoutType, common.encodeTimeoutType(common.TimeoutType.START_TO_CLOSE)); // 1
    // The real server's wording and source for a server-side timeout.
    assert.equal(startedAttrs.lastFailure.message, 'activity StartToClose timeout');
    assert.equal(startedAttrs.lastFailure.source, 'Server');
  });

  serverTest('4. starting a workflow ID that is running raises WorkflowExecutionAlreadyStartedError', async () => {
    const taskQueue = h.uniqueTaskQueue('dup');
    const workflowId = h.uniqueWorkflowId('dup');
    const gate = h.createGate();
    const labels = [];
    const activities = {
      async waitForRelease(label) {
        labels.push(label);
        return `${label} ${await gate.promise}`;
      },
    };
    try {
      await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
        const first = await client.workflow.start('blockingWorkflow', { taskQueue, workflowId, args: ['first'] });
        const desc = await first.describe();
        assert.equal(desc.status.name, 'RUNNING');

        let caught;
        try {
          await client.workflow.start('blockingWorkflow', { taskQueue, workflowId, args: ['second'] });
        } catch (err) {
          caught = err;
        }
        assert.ok(caught, 'the second start should have failed');
        assert.ok(
          caught instanceof WorkflowExecutionAlreadyStartedError,
          `expected WorkflowExecutionAlreadyStartedError, got ${caught?.name}: ${caught?.message}`
        );
        assert.ok(caught instanceof common.WorkflowExecutionAlreadyStartedError);
        assert.equal(caught.workflowId, workflowId);
        assert.equal(caught.workflowType, 'blockingWorkflow');

        // The first run is untouched and completes normally.
        gate.release('released');
        assert.equal(await first.result(), 'done: first released');
        const latest = await client.workflow.getHandle(workflowId).describe();
        assert.equal(latest.runId, first.firstExecutionRunId);

        // Once closed, the default reuse policy (ALLOW_DUPLICATE) lets the same ID start a new run.
        const again = await client.workflow.start('blockingWorkflow', { taskQueue, workflowId, args: ['again'] });
        assert.notEqual(again.firstExecutionRunId, first.firstExecutionRunId);
        assert.equal(await again.result(), 'done: again released');
      });
    } finally {
      gate.release('released');
    }
    assert.deepEqual(labels, ['first', 'again']);
  });

  serverTest('5. the result of an unknown workflow raises WorkflowNotFoundError', async () => {
    const handle = client.workflow.getHandle('no-such-id');
    let caught;
    try {
      await handle.result();
    } catch (err) {
      caught = err;
    }
    assert.ok(caught, 'result() should have failed');
    assert.ok(caught instanceof WorkflowNotFoundError, `expected WorkflowNotFoundError, got ${caught?.name}: ${caught?.message}`);
    assert.ok(caught instanceof common.WorkflowNotFoundError);
    assert.equal(caught.workflowId, 'no-such-id');
    // The SDK uses the gRPC status message (NOT_FOUND) as the error message.
    assert.equal(caught.message, 'workflow not found for ID: no-such-id');

    let caughtDescribe;
    try {
      await handle.describe();
    } catch (err) {
      caughtDescribe = err;
    }
    assert.ok(
      caughtDescribe instanceof WorkflowNotFoundError,
      `describe(): expected WorkflowNotFoundError, got ${caughtDescribe?.name}: ${caughtDescribe?.message}`
    );
    assert.equal(caughtDescribe.message, 'workflow not found for ID: no-such-id');
  });

  serverTest('6. describe() shows RUNNING while waiting and COMPLETED after', async () => {
    const taskQueue = h.uniqueTaskQueue('describe');
    const workflowId = h.uniqueWorkflowId('describe');
    const gate = h.createGate();
    const activityStarted = h.createGate();
    const activities = {
      async waitForRelease(label) {
        activityStarted.release();
        return `${label} ${await gate.promise}`;
      },
    };
    const slackMs = 60_000; // clocks are the same machine's; this only rejects absurd values
    const before = Date.now();
    try {
      await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
        const handle = await client.workflow.start('blockingWorkflow', { taskQueue, workflowId, args: ['x'] });
        await activityStarted.promise;

        const running = await handle.describe();
        assert.equal(running.status.name, 'RUNNING');
        assert.equal(running.type, 'blockingWorkflow');
        assert.equal(running.workflowId, workflowId);
        assert.equal(running.runId, handle.firstExecutionRunId);
        assert.equal(running.taskQueue, taskQueue);
        assert.ok(running.startTime instanceof Date);
        assert.ok(Math.abs(running.startTime.getTime() - before) < slackMs, `startTime ${running.startTime.toISOString()}`);
        assert.equal(running.closeTime, undefined);
        assert.ok(running.historyLength >= 5, `historyLength ${running.historyLength}`);
        const pending = running.raw.pendingActivities ?? [];
        assert.equal(pending.length, 1);
        assert.equal(pending[0].activityType?.name, 'waitForRelease');
        assert.equal(pending[0].attempt, 1);

        gate.release('released');
        assert.equal(await handle.result(), 'done: x released');

        const done = await handle.describe();
        assert.equal(done.status.name, 'COMPLETED');
        assert.equal(done.type, 'blockingWorkflow');
        assert.equal(done.workflowId, workflowId);
        assert.equal(done.runId, handle.firstExecutionRunId);
        assert.equal(done.taskQueue, taskQueue);
        assert.equal(done.startTime.getTime(), running.startTime.getTime());
        assert.ok(done.closeTime instanceof Date, 'closeTime should be set after completion');
        assert.ok(done.closeTime.getTime() >= done.startTime.getTime());
        assert.ok(done.closeTime.getTime() - Date.now() < slackMs);
        assert.equal((done.raw.pendingActivities ?? []).length, 0);
        const history = await handle.fetchHistory();
        assert.equal(done.historyLength, history.events.length);
        assert.equal(h.eventName(history.events[history.events.length - 1]), 'WorkflowExecutionCompleted');
      });
    } finally {
      gate.release('released');
    }
  });
});
