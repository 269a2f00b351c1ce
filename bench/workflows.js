'use strict';
// Workflows for bench/throughput.js. Bundled by the TypeScript SDK (webpack) and run inside the
// workflow sandbox: it may only import @temporalio/workflow (resolved from
// tests/interop/ts/node_modules by the bundler hook in throughput.js).

const { proxyActivities } = require('@temporalio/workflow');

const { greet, step } = proxyActivities({ startToCloseTimeout: '30s' });

// Scenario "one-activity": one activity, its result is the workflow's result.
async function greetWorkflow(name) {
  return await greet(name);
}

// Scenario "sequential-activities": `count` activities one after the other, each taking the
// previous one's result.
async function sequentialActivitiesWorkflow(count) {
  let acc = 0;
  for (let i = 0; i < count; i++) acc = await step(acc);
  return acc;
}

module.exports = { greetWorkflow, sequentialActivitiesWorkflow };
