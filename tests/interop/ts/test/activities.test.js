'use strict';
// Interop tests A8-A12: activity timeouts, retries, cancellation and asynchronous completion through
// the official TypeScript SDK. One server is shared by every test in this file; each test has its
// own task queue, worker and activity implementations.

const { describe } = require('node:test');
const assert = require('node:assert/strict');

const { WorkflowFailedError } = require('@temporalio/client');
const common = require('@temporalio/common');
const { CompleteAsyncError, Context } = require('@temporalio/activity');

const h = require('../lib/harness');

/** The ActivityFailure that failed a workflow: result() -> WorkflowFailedError -> ActivityFailure. */
async function activityFailureOf(handle) {
  const err = await h.captureError(`result() of ${handle.workflowId}`, handle.result());
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got\n${h.describeErrorChain(err)}`);
  assert.ok(err.cause instanceof common.ActivityFailure, `expected an ActivityFailure cause:\n${h.describeErrorChain(err)}`);
  return err.cause;
}

describe('activities through the TypeScript SDK', () => {
  const ctx = h.useSharedServer();

  ctx.test('A8. a heartbeat timeout is retried and the retry sees the last heartbeat details', async () => {
    const taskQueue = h.uniqueTaskQueue('heartbeat');
    const workflowId = h.uniqueWorkflowId('heartbeat');
    const seen = [];
    const testDone = h.createGate();
    const activities = {
      async heartbeatThenHang() {
        const { attempt, heartbeatDetails } = Context.current().info;
        seen.push({ attempt, heartbeatDetails });
        if (attempt === 1) {
          Context.current().heartbeat(3);
          // No more heartbeats: the server times the attempt out 1 s after the last one. The test
          // cuts this short once the workflow has completed, only so that worker shutdown is quick.
          await Promise.race([testDone.promise, h.sleepUnref(20_000)]);
          return 'attempt 1 should have timed out';
        }
        return `attempt ${attempt} got details ${JSON.stringify(heartbeatDetails)}`;
      },
    };
    let result;
    let history;
    try {
      ({ result, history } = await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
        const handle = await ctx.client.workflow.start('heartbeatTimeoutWorkflow', { taskQueue, workflowId });
        const result = await handle.result();
        testDone.release();
        return { result, history: await handle.fetchHistory() };
      }));
    } finally {
      testDone.release();
    }
    assert.equal(result, 'attempt 2 got details 3');
    assert.deepEqual(seen, [
      { attempt: 1, heartbeatDetails: undefined },
      { attempt: 2, heartbeatDetails: 3 },
    ]);

    const started = history.events.filter((e) => h.eventName(e) === 'ActivityTaskStarted');
    assert.equal(started.length, 1);
    const attrs = started[0].activityTaskStartedEventAttributes;
    assert.equal(attrs.attempt, 2);
    const lastFailure = attrs.lastFailure;
    assert.ok(lastFailure?.timeoutFailureInfo, `lastFailure should be a timeout: ${JSON.stringify(lastFailure)}`);
    assert.equal(lastFailure.timeoutFailureInfo.timeoutType, common.encodeTimeoutType(common.TimeoutType.HEARTBEAT)); // 4
    assert.equal(lastFailure.message, 'activity Heartbeat timeout');
    assert.equal(lastFailure.source, 'Server');
    // (The real server does not copy the heartbeat details into this lastFailure.)
  });

  ctx.test('A9. a schedule-to-close timeout ends the retries of an always-failing activity', async () => {
    const taskQueue = h.uniqueTaskQueue('s2c');
    const workflowId = h.uniqueWorkflowId('s2c');
    const attempts = [];
    const failed = [];
    const testDone = h.createGate();
    const activities = {
      async alwaysFails() {
        const info = Context.current().info;
        attempts.push(info.attempt);
        // Fail fast while there is time left for a retry. Close to the deadline, hang instead: a
        // failure reported less than one retry interval before the deadline would be recorded as
        // ActivityTaskFailed (retry state TIMEOUT, test A9b) rather than as a timeout.
        const remainingMs = info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - Date.now();
        if (info.attempt === 1 || remainingMs > 800) {
          failed.push(info.attempt);
          throw new Error(`deliberate failure on attempt ${info.attempt}`);
        }
        await Promise.race([testDone.promise, h.sleepUnref(20_000)]);
        return 'should have timed out';
      },
    };
    let failure;
    let history;
    try {
      ({ failure, history } = await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
        const handle = await ctx.client.workflow.start('scheduleToCloseWorkflow', { taskQueue, workflowId });
        const failure = await activityFailureOf(handle);
        testDone.release();
        return { failure, history: await handle.fetchHistory() };
      }));
    } finally {
      testDone.release();
    }
    assert.ok(attempts.length >= 2, `attempts: ${attempts}`);
    assert.deepEqual(attempts, attempts.map((_, i) => i + 1));
    assert.equal(failure.activityType, 'alwaysFails');
    assert.equal(failure.message, 'Activity task timed out');
    assert.ok(failure.cause instanceof common.TimeoutFailure, `cause:\n${h.describeErrorChain(failure)}`);
    assert.equal(failure.cause.timeoutType, common.TimeoutType.SCHEDULE_TO_CLOSE);
    assert.equal(failure.cause.message, 'activity ScheduleToClose timeout');
    assert.ok(failed.length >= 1);

    const names = history.events.map(h.eventName);
    assert.ok(!names.includes('ActivityTaskFailed'), names.join(', '));
    const scheduled = history.events.find((e) => h.eventName(e) === 'ActivityTaskScheduled');
    const timedOut = history.events.find((e) => h.eventName(e) === 'ActivityTaskTimedOut');
    assert.ok(timedOut, `history should have ActivityTaskTimedOut: ${names.join(', ')}`);
    // The timeout failure carries the last failed attempt's failure as its cause (the SDK drops the
    // cause of a TimeoutFailure, so this is checked on the raw event).
    const timedOutFailure = timedOut.activityTaskTimedOutEventAttributes.failure;
    assert.equal(timedOutFailure.message, 'activity ScheduleToClose timeout');
    assert.equal(timedOutFailure.source, 'Server');
    assert.equal(timedOutFailure.cause?.message, `deliberate failure on attempt ${failed[failed.length - 1]}`);
    assert.ok(timedOutFailure.cause?.applicationFailureInfo, JSON.stringify(timedOutFailure));
    const ms = (e) => Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
    assert.ok(ms(timedOut) - ms(scheduled) >= 1950, `timed out ${ms(timedOut) - ms(scheduled)} ms after scheduling`);
    // The server fills in the other timeouts from schedule-to-close.
    const attrs = scheduled.activityTaskScheduledEventAttributes;
    assert.equal(Number(attrs.scheduleToCloseTimeout?.seconds), 2);
    assert.equal(Number(attrs.scheduleToStartTimeout?.seconds), 2);
    assert.equal(Number(attrs.startToCloseTimeout?.seconds), 2);
    // The real server asks its retry logic about the timeout failure itself, and a SCHEDULE_TO_CLOSE
    // timeout is not retryable: so the retry state is NON_RETRYABLE_FAILURE, not TIMEOUT (TIMEOUT
    // is what a *failure* gets when no retry fits before the deadline, test A9b).
    assert.equal(failure.retryState, common.RetryState.NON_RETRYABLE_FAILURE);
  });

  ctx.test('A9b. a failure with no time left for the next retry fails the activity (retry state TIMEOUT)', async () => {
    const taskQueue = h.uniqueTaskQueue('s2c-fail');
    const workflowId = h.uniqueWorkflowId('s2c-fail');
    const attempts = [];
    const activities = {
      async alwaysFails() {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        throw new Error(`deliberate failure on attempt ${attempt}`);
      },
    };
    // The retry interval (5 s) is longer than the schedule-to-close timeout (2 s).
    const { failure, names } = await h.runWorker(
      { connection: ctx.nativeConnection, taskQueue, activities },
      async () => {
        const handle = await ctx.client.workflow.start('scheduleToCloseWorkflow', { taskQueue, workflowId, args: ['5s'] });
        const failure = await activityFailureOf(handle);
        return { failure, names: await h.historyEventNames(handle) };
      }
    );
    assert.deepEqual(attempts, [1]);
    assert.equal(failure.retryState, common.RetryState.TIMEOUT);
    assert.ok(failure.cause instanceof common.ApplicationFailure, `cause:\n${h.describeErrorChain(failure)}`);
    assert.equal(failure.cause.message, 'deliberate failure on attempt 1');
    assert.ok(names.includes('ActivityTaskFailed'), names.join(', '));
    assert.ok(!names.includes('ActivityTaskTimedOut'), names.join(', '));
  });

  ctx.test('A10. a non-retryable failure and a non-retryable error type stop retries after 1 attempt', async () => {
    const taskQueue = h.uniqueTaskQueue('nonretry');
    const attempts = { nonRetryable: [], listedType: [] };
    class FatalConfigError extends Error {
      constructor(message) {
        super(message);
        this.name = 'FatalConfigError';
      }
    }
    const activities = {
      async failNonRetryable(mode) {
        const { attempt } = Context.current().info;
        attempts[mode].push(attempt);
        if (mode === 'nonRetryable') {
          throw common.ApplicationFailure.nonRetryable('this cannot work', 'BadInput', { field: 'x' });
        }
        throw new FatalConfigError('the configuration is broken');
      },
    };
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
      const h1 = await ctx.client.workflow.start('nonRetryableWorkflow', {
        taskQueue,
        workflowId: h.uniqueWorkflowId('nonretry-flag'),
        args: ['nonRetryable'],
      });
      const f1 = await activityFailureOf(h1);
      assert.equal(f1.retryState, common.RetryState.NON_RETRYABLE_FAILURE);
      assert.ok(f1.cause instanceof common.ApplicationFailure, h.describeErrorChain(f1));
      assert.equal(f1.cause.message, 'this cannot work');
      assert.equal(f1.cause.type, 'BadInput');
      assert.equal(f1.cause.nonRetryable, true);
      assert.deepEqual(f1.cause.details, [{ field: 'x' }]);

      const h2 = await ctx.client.workflow.start('nonRetryableWorkflow', {
        taskQueue,
        workflowId: h.uniqueWorkflowId('nonretry-type'),
        args: ['listedType'],
      });
      const f2 = await activityFailureOf(h2);
      assert.equal(f2.retryState, common.RetryState.NON_RETRYABLE_FAILURE);
      assert.ok(f2.cause instanceof common.ApplicationFailure, h.describeErrorChain(f2));
      assert.equal(f2.cause.message, 'the configuration is broken');
      assert.equal(f2.cause.type, 'FatalConfigError');
      assert.equal(f2.cause.nonRetryable, false);

      // Both were failed (not retried) by the server: the failure is recorded as ActivityTaskFailed.
      for (const handle of [h1, h2]) {
        const names = await h.historyEventNames(handle);
        assert.equal(names.filter((n) => n === 'ActivityTaskFailed').length, 1, names.join(', '));
        assert.equal(names[names.length - 1], 'WorkflowExecutionFailed');
      }
    });
    assert.deepEqual(attempts, { nonRetryable: [1], listedType: [1] });
  });

  ctx.test('A11. cancelling an activity scope cancels a heartbeating activity', async () => {
    const taskQueue = h.uniqueTaskQueue('act-cancel');
    const workflowId = h.uniqueWorkflowId('act-cancel');
    const started = h.createGate();
    const observed = [];
    const activities = {
      async heartbeatUntilCancelled() {
        const context = Context.current();
        started.release();
        // Heartbeats are how the worker hears about the cancellation; bounded at 20 s.
        const deadline = Date.now() + 20_000;
        try {
          while (Date.now() < deadline) {
            context.heartbeat('alive');
            await Promise.race([context.cancelled, h.sleep(100)]);
          }
        } catch (err) {
          observed.push({ name: err?.name, isCancellation: err instanceof common.CancelledFailure });
          throw err;
        }
        return 'never cancelled';
      },
    };
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
      const handle = await ctx.client.workflow.start('cancelActivityWorkflow', { taskQueue, workflowId });
      await started.promise;
      await handle.signal('cancelActivity');
      const result = await handle.result();
      assert.deepEqual(result, {
        errorName: 'ActivityFailure',
        isActivityFailure: true,
        causeName: 'CancelledFailure',
        causeIsCancellation: true,
        causeMessage: result.causeMessage,
      });
      assert.deepEqual(observed, [{ name: 'CancelledFailure', isCancellation: true }]);

      const names = await h.historyEventNames(handle);
      const i = (n) => names.indexOf(n);
      for (const n of ['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCancelRequested', 'ActivityTaskCanceled']) {
        assert.ok(i(n) >= 0, `history should have ${n}: ${names.join(', ')}`);
      }
      assert.ok(i('ActivityTaskCancelRequested') < i('ActivityTaskCanceled'));
      assert.equal(names[names.length - 1], 'WorkflowExecutionCompleted');
    });
  });

  ctx.test('A12. an activity completed asynchronously by task token and by ID', async () => {
    const taskQueue = h.uniqueTaskQueue('async');
    const invoked = [];
    const waiting = new Map(); // label -> gate released with { taskToken, activityId }
    const gateFor = (label) => {
      if (!waiting.has(label)) waiting.set(label, h.createGate());
      return waiting.get(label);
    };
    const activities = {
      async completeLater(label) {
        const { taskToken, activityId } = Context.current().info;
        invoked.push(label);
        gateFor(label).release({ taskToken, activityId });
        throw new CompleteAsyncError();
      },
    };
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
      // By task token.
      const h1 = await ctx.client.workflow.start('asyncCompletionWorkflow', {
        taskQueue,
        workflowId: h.uniqueWorkflowId('async-token'),
        args: ['by-token'],
      });
      const { taskToken } = await gateFor('by-token').promise;
      assert.ok(taskToken instanceof Uint8Array && taskToken.length > 0);
      // The activity stays open on the server after the worker has returned from it.
      await h.waitForHistoryEvent(h1, 'ActivityTaskScheduled');
      assert.equal((await h1.describe()).raw.pendingActivities?.length, 1);
      await ctx.client.activity.complete(taskToken, 'completed by token');
      assert.equal(await h1.result(), 'workflow got: completed by token');

      // By workflow ID and activity ID.
      const workflowId = h.uniqueWorkflowId('async-id');
      const h2 = await ctx.client.workflow.start('asyncCompletionWorkflow', {
        taskQueue,
        workflowId,
        args: ['by-id'],
      });
      const { activityId } = await gateFor('by-id').promise;
      assert.equal(typeof activityId, 'string');
      await ctx.client.activity.complete({ workflowId, activityId }, 'completed by id');
      assert.equal(await h2.result(), 'workflow got: completed by id');

      for (const handle of [h1, h2]) {
        const names = await h.historyEventNames(handle);
        assert.equal(names.filter((n) => n === 'ActivityTaskCompleted').length, 1, names.join(', '));
      }
    });
    assert.deepEqual(invoked, ['by-token', 'by-id']);
  });
});
