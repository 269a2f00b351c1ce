'use strict';
// Interop tests L1-L7: the life of a workflow through the official TypeScript SDK: durable timers,
// signals and queries, signal-with-start, updates, cancellation, termination and unknown queries.
// One server ($STEAD_BIN server start-dev) is shared by every test in this file; each test has its
// own task queue and worker.

const { describe } = require('node:test');
const assert = require('node:assert/strict');

const {
  QueryNotRegisteredError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} = require('@temporalio/client');
const common = require('@temporalio/common');

const h = require('../lib/harness');

describe('workflow lifecycle through the TypeScript SDK', () => {
  const ctx = h.useSharedServer();

  ctx.test('L1. a durable 2 s timer fires and the workflow completes', async () => {
    const taskQueue = h.uniqueTaskQueue('timer');
    const workflowId = h.uniqueWorkflowId('timer');
    const { result, elapsedMs, history } = await h.runWorker(
      { connection: ctx.nativeConnection, taskQueue },
      async () => {
        const t0 = Date.now();
        const handle = await ctx.client.workflow.start('timerWorkflow', { taskQueue, workflowId, args: ['2s'] });
        const result = await handle.result();
        const elapsedMs = Date.now() - t0;
        return { result, elapsedMs, history: await handle.fetchHistory() };
      }
    );
    assert.equal(result, 'slept 2s');
    // Semantics, not performance: the timer must not fire early (50 ms of slack for clock reads).
    assert.ok(elapsedMs >= 1950, `the workflow completed ${elapsedMs} ms after start, before its 2 s timer`);

    const names = history.events.map(h.eventName);
    assert.deepEqual(names, [
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'TimerStarted',
      'TimerFired',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    const started = history.events.find((e) => h.eventName(e) === 'TimerStarted');
    const fired = history.events.find((e) => h.eventName(e) === 'TimerFired');
    const startedAttrs = started.timerStartedEventAttributes;
    const firedAttrs = fired.timerFiredEventAttributes;
    assert.equal(Number(startedAttrs.startToFireTimeout?.seconds ?? 0), 2);
    assert.equal(startedAttrs.startToFireTimeout?.nanos ?? 0, 0);
    assert.equal(firedAttrs.timerId, startedAttrs.timerId);
    assert.equal(Number(firedAttrs.startedEventId), Number(started.eventId));
    // The event times (server clock) are at least 2 s apart too.
    const ms = (e) => Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
    assert.ok(ms(fired) - ms(started) >= 1950, `TimerFired only ${ms(fired) - ms(started)} ms after TimerStarted`);
  });

  ctx.test('L2. a query sees the initial state, then the state set by a signal', async () => {
    const taskQueue = h.uniqueTaskQueue('signal');
    const workflowId = h.uniqueWorkflowId('signal');
    const { result, history } = await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('signalQueryWorkflow', { taskQueue, workflowId, args: ['initial'] });
      assert.equal(await handle.query('getState'), 'initial');
      assert.deepEqual(await handle.query('getSignals'), []);

      await handle.signal('setState', 'approved by test');
      // The signal is in history when signal() returns, so the next query must reflect it.
      assert.equal(await handle.query('getState'), 'approved by test');
      assert.deepEqual(await handle.query('getSignals'), ['approved by test']);
      assert.equal((await handle.describe()).status.name, 'RUNNING');

      await handle.signal('finish');
      const result = await handle.result();
      return { result, history: await handle.fetchHistory() };
    });
    assert.equal(result, 'approved by test');

    const signals = history.events.filter((e) => h.eventName(e) === 'WorkflowExecutionSignaled');
    assert.deepEqual(
      signals.map((e) => e.workflowExecutionSignaledEventAttributes.signalName),
      ['setState', 'finish']
    );
    const input = signals[0].workflowExecutionSignaledEventAttributes.input?.payloads ?? [];
    assert.equal(input.length, 1);
    assert.equal(Buffer.from(input[0].data).toString('utf8'), '"approved by test"');
    // Queries leave no trace in history.
    assert.ok(!history.events.map(h.eventName).some((n) => /Query/.test(n)));
  });

  ctx.test('L2b. a query on a completed workflow returns its final state', async () => {
    const taskQueue = h.uniqueTaskQueue('query-closed');
    const workflowId = h.uniqueWorkflowId('query-closed');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('signalQueryWorkflow', { taskQueue, workflowId });
      await handle.signal('setState', 'final');
      await handle.signal('finish');
      assert.equal(await handle.result(), 'final');
      // The worker replays the closed workflow's history to answer.
      assert.equal(await handle.query('getState'), 'final');
    });
  });

  ctx.test('L3. signal-with-start starts a workflow, then signals the running one', async () => {
    const taskQueue = h.uniqueTaskQueue('sws');
    const workflowId = h.uniqueWorkflowId('sws');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const first = await ctx.client.workflow.signalWithStart('signalQueryWorkflow', {
        taskQueue,
        workflowId,
        args: ['initial'],
        signal: 'setState',
        signalArgs: ['from signal-with-start 1'],
      });
      assert.ok(first.signaledRunId, 'signalWithStart should return the run it signalled');
      const desc1 = await first.describe();
      assert.equal(desc1.status.name, 'RUNNING');
      assert.equal(desc1.runId, first.signaledRunId);
      // The signal is delivered with the first workflow task.
      assert.deepEqual(await first.query('getSignals'), ['from signal-with-start 1']);

      const second = await ctx.client.workflow.signalWithStart('signalQueryWorkflow', {
        taskQueue,
        workflowId,
        args: ['ignored: the workflow is already running'],
        signal: 'setState',
        signalArgs: ['from signal-with-start 2'],
      });
      assert.equal(second.signaledRunId, first.signaledRunId, 'the running workflow should be signalled, not restarted');
      assert.deepEqual(await second.query('getSignals'), ['from signal-with-start 1', 'from signal-with-start 2']);

      await second.signal('finish');
      assert.equal(await second.result(), 'from signal-with-start 2');

      const history = await first.fetchHistory();
      const names = history.events.map(h.eventName);
      assert.equal(names.filter((n) => n === 'WorkflowExecutionStarted').length, 1);
      // Signal-with-start records the signal right after the started event.
      assert.deepEqual(names.slice(0, 3), ['WorkflowExecutionStarted', 'WorkflowExecutionSignaled', 'WorkflowTaskScheduled']);
      const started = history.events[0].workflowExecutionStartedEventAttributes;
      assert.equal(Buffer.from(started.input.payloads[0].data).toString('utf8'), '"initial"');
    });
  });

  ctx.test('L4. an accepted update changes state; one rejected by its validator does not', async () => {
    const taskQueue = h.uniqueTaskQueue('update');
    const workflowId = h.uniqueWorkflowId('update');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('updateWorkflow', { taskQueue, workflowId });

      assert.equal(await handle.executeUpdate('increment', { args: [5] }), 5);
      assert.equal(await handle.query('getCounter'), 5);

      const err = await h.captureError('an update with a negative increment', () =>
        handle.executeUpdate('increment', { args: [-1] })
      );
      assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got\n${h.describeErrorChain(err)}`);
      assert.equal(err.message, 'Workflow Update failed');
      assert.ok(err.cause instanceof common.ApplicationFailure, `cause:\n${h.describeErrorChain(err)}`);
      assert.equal(err.cause.message, 'increment must be a non-negative number, got -1');
      assert.equal(err.cause.type, 'Error');

      // The workflow keeps running and its state is unchanged by the rejected update.
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      assert.equal(await handle.query('getCounter'), 5);
      assert.equal(await handle.executeUpdate('increment', { args: [2] }), 7);

      await handle.signal('finish');
      assert.equal(await handle.result(), 7);

      // Accepted updates are in history; the rejected one is not.
      const names = await h.historyEventNames(handle);
      assert.equal(names.filter((n) => n === 'WorkflowExecutionUpdateAccepted').length, 2);
      assert.equal(names.filter((n) => n === 'WorkflowExecutionUpdateCompleted').length, 2);
      assert.ok(!names.includes('WorkflowExecutionUpdateRejected'));
    });
  });

  ctx.test('L5. cancelling a workflow on a timer runs its cleanup and ends it CANCELLED', async () => {
    const taskQueue = h.uniqueTaskQueue('cancel');
    const workflowId = h.uniqueWorkflowId('cancel');
    const cleanups = [];
    const activities = {
      async cleanup(label) {
        cleanups.push(label);
        return `cleaned up ${label}`;
      },
    };
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue, activities }, async () => {
      const handle = await ctx.client.workflow.start('cancellableTimerWorkflow', { taskQueue, workflowId, args: ['c1'] });
      await h.waitForHistoryEvent(handle, 'TimerStarted');
      await handle.cancel();

      const err = await h.captureError('result() of a cancelled workflow', handle.result());
      assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got\n${h.describeErrorChain(err)}`);
      assert.ok(err.cause instanceof common.CancelledFailure, `cause:\n${h.describeErrorChain(err)}`);
      assert.equal(err.message, 'Workflow execution cancelled');

      assert.deepEqual(cleanups, ['c1']);
      const desc = await handle.describe();
      assert.equal(desc.status.name, 'CANCELLED');
      assert.ok(desc.closeTime instanceof Date);

      const history = await handle.fetchHistory();
      const names = history.events.map(h.eventName);
      for (const n of [
        'TimerStarted',
        'WorkflowExecutionCancelRequested',
        'TimerCanceled',
        'ActivityTaskScheduled',
        'ActivityTaskCompleted',
      ]) {
        assert.ok(names.includes(n), `history should have ${n}: ${names.join(', ')}`);
      }
      assert.ok(names.indexOf('WorkflowExecutionCancelRequested') < names.indexOf('TimerCanceled'));
      assert.ok(names.indexOf('TimerCanceled') < names.indexOf('ActivityTaskScheduled'));
      assert.equal(names[names.length - 1], 'WorkflowExecutionCanceled');
      const requested = history.events.find((e) => h.eventName(e) === 'WorkflowExecutionCancelRequested');
      assert.ok(requested.workflowExecutionCancelRequestedEventAttributes.identity, 'the cancel request records the identity');
    });
  });

  ctx.test('L6. terminating a workflow ends it TERMINATED with the reason', async () => {
    const taskQueue = h.uniqueTaskQueue('terminate');
    const workflowId = h.uniqueWorkflowId('terminate');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('signalQueryWorkflow', { taskQueue, workflowId });
      // Wait until the worker has run the first workflow task (the workflow is blocked on a signal).
      await h.waitForHistoryEvent(handle, 'WorkflowTaskCompleted');
      await handle.terminate('terminated by the interop test');

      const err = await h.captureError('result() of a terminated workflow', handle.result());
      assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got\n${h.describeErrorChain(err)}`);
      assert.ok(err.cause instanceof common.TerminatedFailure, `cause:\n${h.describeErrorChain(err)}`);
      assert.equal(err.cause.message, 'terminated by the interop test');

      const desc = await handle.describe();
      assert.equal(desc.status.name, 'TERMINATED');
      const history = await handle.fetchHistory();
      const last = history.events[history.events.length - 1];
      assert.equal(h.eventName(last), 'WorkflowExecutionTerminated');
      assert.equal(last.workflowExecutionTerminatedEventAttributes.reason, 'terminated by the interop test');

      // Terminating it again: the workflow is no longer running.
      const again = await h.captureError('terminating a closed workflow', handle.terminate('again'));
      assert.equal(again.name, 'WorkflowNotFoundError', h.describeErrorChain(again));
      assert.equal(again.message, 'workflow execution already completed'); // NOT_FOUND from the server
    });
  });

  ctx.test('L7. a query of an unknown query type raises QueryNotRegisteredError', async () => {
    const taskQueue = h.uniqueTaskQueue('unknown-query');
    const workflowId = h.uniqueWorkflowId('unknown-query');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('signalQueryWorkflow', { taskQueue, workflowId });
      assert.equal(await handle.query('getState'), 'initial');
      const err = await h.captureError('an unknown query', handle.query('noSuchQuery'));
      assert.ok(err instanceof QueryNotRegisteredError, `expected QueryNotRegisteredError, got\n${h.describeErrorChain(err)}`);
      assert.equal(err.code, 3); // grpc INVALID_ARGUMENT
      // The real server returns the worker's answer as the INVALID_ARGUMENT status message.
      assert.match(
        err.message,
        /^Workflow did not register a handler for noSuchQuery\. Registered queries: \[.*\bgetState getSignals\]$/
      );
      // The workflow is unaffected.
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      await handle.signal('setState', 'x');
      await handle.signal('finish');
      assert.equal(await handle.result(), 'x');
    });
  });
});
