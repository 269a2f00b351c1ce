'use strict';
// Workflow definitions for the interop tests. This file is bundled by the SDK (webpack) and runs
// inside the workflow sandbox: it may only import @temporalio/workflow.
//
// Activity names are fixed here; each test registers its own implementations on its own task
// queue (see lib/activities.js), so the same workflow can drive different behaviours.

const { proxyActivities } = require('@temporalio/workflow');

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

module.exports = { greetWorkflow, flakyWorkflow, timeoutWorkflow, blockingWorkflow, twoStepWorkflow };
