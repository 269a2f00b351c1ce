'use strict';
// Workflow definitions for the interop tests. This file is bundled by the SDK (webpack) and runs
// inside the workflow sandbox: it may only import @temporalio/workflow.
//
// Activity names are fixed here; each test registers its own implementations on its own task
// queue (see lib/activities.js), so the same workflow can drive different behaviours.

const {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} = require('@temporalio/workflow');

// Test 1: one activity, result passed through.
async function greetWorkflow(name) {
  const { greet } = proxyActivities({ startToCloseTimeout: '10s' });
  return await greet(name);
}

// Test 2: the activity fails twice then succeeds; the server retries it.
async function flakyWorkflow(failures) {
  const { flaky } = proxyActivities({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 5 },
  });
  const result = await flaky(failures);
  return `workflow got: ${result}`;
}

// Test 3: the first attempt exceeds its start-to-close timeout; the server times it out and retries.
async function timeoutWorkflow() {
  const { slowThenFast } = proxyActivities({
    startToCloseTimeout: '1s',
    retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 },
  });
  return await slowThenFast();
}

// Tests 4 and 6: waits on an activity that blocks until the test releases it.
async function blockingWorkflow(label) {
  const { waitForRelease } = proxyActivities({ startToCloseTimeout: '60s' });
  const released = await waitForRelease(label);
  return `done: ${released}`;
}

// Test 7: activity A, then activity B (B blocks until the test releases it).
async function twoStepWorkflow(input) {
  const { stepA, stepB } = proxyActivities({
    startToCloseTimeout: '60s',
    retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 },
  });
  const a = await stepA(input);
  const b = await stepB(a);
  return `${a} -> ${b}`;
}

// ---------------------------------------------------------------------------------------------
// lifecycle.test.js

// A durable timer; returns the duration it was given.
async function timerWorkflow(duration) {
  await sleep(duration);
  return `slept ${duration}`;
}

// Signals and queries. `setState` changes the state (and is recorded), `finish` ends the workflow,
// which returns the state at that point. Queries: `getState` and `getSignals`.
const setStateSignal = defineSignal('setState');
const finishSignal = defineSignal('finish');
const getStateQuery = defineQuery('getState');
const getSignalsQuery = defineQuery('getSignals');

async function signalQueryWorkflow(initial = 'initial') {
  let state = initial;
  let finished = false;
  const signals = [];
  setHandler(setStateSignal, (value) => {
    state = value;
    signals.push(value);
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  setHandler(getStateQuery, () => state);
  setHandler(getSignalsQuery, () => signals);
  await condition(() => state !== initial);
  await condition(() => finished);
  return state;
}

// Updates: `increment(n)` adds n to a counter and returns the new total; its validator rejects
// negative n. `finish` (signal) ends the workflow with the counter. Query `getCounter`.
const incrementUpdate = defineUpdate('increment');
const getCounterQuery = defineQuery('getCounter');

async function updateWorkflow() {
  let counter = 0;
  let finished = false;
  setHandler(
    incrementUpdate,
    (n) => {
      counter += n;
      return counter;
    },
    {
      validator: (n) => {
        if (typeof n !== 'number' || n < 0) throw new Error(`increment must be a non-negative number, got ${n}`);
      },
    }
  );
  setHandler(getCounterQuery, () => counter);
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return counter;
}

// Cancellation: waits on a one-minute timer; when cancelled, runs the `cleanup` activity in a
// non-cancellable scope and rethrows the CancelledFailure (so the workflow ends CANCELLED).
async function cancellableTimerWorkflow(label) {
  const { cleanup } = proxyActivities({ startToCloseTimeout: '10s' });
  try {
    await sleep('1 minute');
    return 'timer fired';
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => cleanup(label));
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// activities.test.js

// Heartbeat timeout: one attempt heartbeats then hangs; the retry reads the last details.
async function heartbeatTimeoutWorkflow() {
  const { heartbeatThenHang } = proxyActivities({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '1s',
    retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 },
  });
  return await heartbeatThenHang();
}

// Schedule-to-close timeout: retries stop at the deadline; the ActivityFailure fails the workflow.
async function scheduleToCloseWorkflow(retryInterval = '200ms') {
  const { alwaysFails } = proxyActivities({
    scheduleToCloseTimeout: '2s',
    retry: { initialInterval: retryInterval, backoffCoefficient: 1 },
  });
  return await alwaysFails();
}

// Non-retryable errors: the ActivityFailure fails the workflow after one attempt.
async function nonRetryableWorkflow(mode) {
  const { failNonRetryable } = proxyActivities({
    startToCloseTimeout: '10s',
    retry: {
      initialInterval: '100ms',
      backoffCoefficient: 1,
      maximumAttempts: 5,
      nonRetryableErrorTypes: ['FatalConfigError'],
    },
  });
  return await failNonRetryable(mode);
}

// Activity cancellation: the activity runs in a scope that the `cancelActivity` signal cancels. The
// workflow returns what it observed (a plain object, so the test can check it).
const cancelActivitySignal = defineSignal('cancelActivity');

async function cancelActivityWorkflow() {
  const { heartbeatUntilCancelled } = proxyActivities({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '2s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  });
  const scope = new CancellationScope();
  const promise = scope.run(() => heartbeatUntilCancelled());
  promise.catch(() => {}); // observed below
  let cancelRequested = false;
  setHandler(cancelActivitySignal, () => {
    cancelRequested = true;
  });
  const done = await Promise.race([
    promise.then(
      () => 'completed',
      () => 'failed'
    ),
    condition(() => cancelRequested).then(() => 'cancel'),
  ]);
  if (done !== 'cancel') return { unexpected: done };
  scope.cancel();
  try {
    const value = await promise;
    return { unexpected: 'activity completed', value };
  } catch (err) {
    return {
      errorName: err?.name,
      isActivityFailure: err instanceof ActivityFailure,
      causeName: err?.cause?.name,
      causeIsCancellation: isCancellation(err),
      causeMessage: err?.cause?.message,
    };
  }
}

// Async completion: the activity hands its task token to the test and returns without a result.
async function asyncCompletionWorkflow(label) {
  const { completeLater } = proxyActivities({ startToCloseTimeout: '30s', retry: { maximumAttempts: 1 } });
  const result = await completeLater(label);
  return `workflow got: ${result}`;
}

// ---------------------------------------------------------------------------------------------
// children.test.js

async function childWorkflow(name) {
  return `child says hello to ${name} (parent ${workflowInfo().parent?.workflowId})`;
}

// Waits until signalled with `finish` (or forever).
async function waitForeverWorkflow() {
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return 'finished';
}

// Runs childWorkflow to completion and returns its result.
async function parentExecuteChildWorkflow(name) {
  const result = await executeChild(childWorkflow, {
    workflowId: `${workflowInfo().workflowId}-child`,
    args: [name],
  });
  return `parent got: ${result}`;
}

// Starts waitForeverWorkflow with the given parent-close policy ('TERMINATE', 'ABANDON' or
// undefined for the default) and completes as soon as the child has started.
async function parentStartChildWorkflow(childWorkflowId, policy) {
  const options = { workflowId: childWorkflowId };
  if (policy) options.parentClosePolicy = ParentClosePolicy[policy];
  const child = await startChild(waitForeverWorkflow, options);
  return { childWorkflowId: child.workflowId, childRunId: child.firstExecutionRunId };
}

// Continue-as-new: run `n` continues as new with n + 1 until n === runs.
async function continueAsNewWorkflow(n, runs) {
  if (n < runs) {
    await continueAsNew(n + 1, runs);
  }
  return `finished run ${n} of ${runs} (continued from ${workflowInfo().continuedFromExecutionRunId ?? 'none'})`;
}

// ---------------------------------------------------------------------------------------------
// visibility.test.js

// Upserts CustomKeywordField (and CustomIntField), then waits for `finish`.
async function upsertSearchAttributesWorkflow(keyword, n) {
  upsertSearchAttributes({ CustomKeywordField: [keyword], CustomIntField: [n] });
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return 'finished';
}

// ---------------------------------------------------------------------------------------------
// cpp_client.test.js and cpp_worker.test.js: peers of the C++ SDK (tests/interop/cpp).

// Returns its argument unchanged (a C++ client checks each payload kind round-trips).
async function echoWorkflow(value) {
  return value;
}

// How each argument looked to TypeScript: { type, value } with type 'undefined', 'null',
// 'Uint8Array' (value: hex), or typeof the value.
async function describeArgsWorkflow(...args) {
  return args.map((value) => {
    if (value === undefined) return { type: 'undefined' };
    if (value === null) return { type: 'null' };
    if (value instanceof Uint8Array) {
      return { type: 'Uint8Array', value: Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('') };
    }
    return { type: typeof value, value };
  });
}

// spec: { type, message, details: [...], cause: spec | null } -> ApplicationFailure chain.
// The outermost failure also carries a Uint8Array detail [1, 2, 3] (bytes inside a failure).
function failureFromSpec(spec, extraDetails = []) {
  if (!spec) return undefined;
  return ApplicationFailure.create({
    type: spec.type,
    message: spec.message,
    details: [...(spec.details ?? []), ...extraDetails],
    nonRetryable: true,
    cause: failureFromSpec(spec.cause),
  });
}

async function failWorkflow(spec) {
  throw failureFromSpec(spec, [new Uint8Array([1, 2, 3])]);
}

// Calls the `tsFail` activity (registered by the test), which throws failureFromSpec(spec).
async function activityFailWorkflow(spec) {
  const { tsFail } = proxyActivities({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });
  await tsFail(spec);
}

// Calls `activity` (e.g. one of interop_cpp_worker's) on `taskQueue`; its failure propagates.
async function callActivityWorkflow(taskQueue, activity, ...args) {
  const activities = proxyActivities({ taskQueue, startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });
  return await activities[activity](...args);
}

// ---------------------------------------------------------------------------------------------
// time-skipping.test.js (TestWorkflowEnvironment.createTimeSkipping). Date.now() in a workflow is
// the server's (virtual) time of the current workflow task.

const tsSignal = defineSignal('tsSignal');
const tsUpdate = defineUpdate('tsUpdate');
const tsPhaseQuery = defineQuery('tsPhase');

// Sleeps one day, then (phase 'waiting') waits for the `tsSignal` signal and the `tsUpdate`
// update; returns the virtual times it saw, in ms since it started.
async function timeSkippingWorkflow() {
  const start = Date.now();
  let phase = 'sleeping';
  let signal;
  let update;
  let sleptMs;
  setHandler(tsPhaseQuery, () => phase);
  setHandler(tsSignal, (value) => {
    signal = { value, phase, atMs: Date.now() - start };
  });
  setHandler(tsUpdate, (value) => {
    update = { value, phase, atMs: Date.now() - start };
    return `update ${value} after ${update.atMs} ms`;
  });
  await sleep('1 day');
  sleptMs = Date.now() - start;
  phase = 'waiting';
  await condition(() => signal !== undefined && update !== undefined);
  return { sleptMs, signal, update, elapsedMs: Date.now() - start };
}

// The `tsFlaky` activity fails twice; the retry policy waits 2 h, then 4 h, between attempts.
const { tsFlaky } = proxyActivities({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 hours', backoffCoefficient: 2, maximumInterval: '1 day', maximumAttempts: 5 },
});

async function backoffWorkflow() {
  const start = Date.now();
  const result = await tsFlaky();
  return { result, elapsedMs: Date.now() - start };
}

// bench/time_skipping.js: sleeps 30 days, runs `tsFlaky` (hours of backoff), then waits a year
// for a signal that never comes.
async function monthLongWorkflow() {
  const start = Date.now();
  await sleep('30 days');
  const result = await tsFlaky();
  const signalled = await condition(() => false, '365 days');
  return { result, signalled, elapsedMs: Date.now() - start };
}

module.exports = {
  greetWorkflow,
  flakyWorkflow,
  timeoutWorkflow,
  blockingWorkflow,
  twoStepWorkflow,
  timerWorkflow,
  signalQueryWorkflow,
  updateWorkflow,
  cancellableTimerWorkflow,
  heartbeatTimeoutWorkflow,
  scheduleToCloseWorkflow,
  nonRetryableWorkflow,
  cancelActivityWorkflow,
  asyncCompletionWorkflow,
  childWorkflow,
  waitForeverWorkflow,
  parentExecuteChildWorkflow,
  parentStartChildWorkflow,
  continueAsNewWorkflow,
  upsertSearchAttributesWorkflow,
  echoWorkflow,
  describeArgsWorkflow,
  failWorkflow,
  activityFailWorkflow,
  callActivityWorkflow,
  timeSkippingWorkflow,
  backoffWorkflow,
  monthLongWorkflow,
};
