'use strict';
// Interop tests C13-C14: child workflows (result, parent-close policies) and continue-as-new through
// the official TypeScript SDK. One server is shared by every test in this file.

const { describe } = require('node:test');
const assert = require('node:assert/strict');

const { WorkflowContinuedAsNewError } = require('@temporalio/client');

const h = require('../lib/harness');

describe('child workflows and continue-as-new through the TypeScript SDK', () => {
  const ctx = h.useSharedServer();

  ctx.test('C13a. executeChild returns the child result to the parent', async () => {
    const taskQueue = h.uniqueTaskQueue('child');
    const workflowId = h.uniqueWorkflowId('parent');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const parent = await ctx.client.workflow.start('parentExecuteChildWorkflow', { taskQueue, workflowId, args: ['Stead'] });
      assert.equal(await parent.result(), `parent got: child says hello to Stead (parent ${workflowId})`);

      const names = await h.historyEventNames(parent);
      const i = (n) => names.indexOf(n);
      for (const n of ['StartChildWorkflowExecutionInitiated', 'ChildWorkflowExecutionStarted', 'ChildWorkflowExecutionCompleted']) {
        assert.ok(i(n) >= 0, `parent history should have ${n}: ${names.join(', ')}`);
      }
      assert.ok(i('StartChildWorkflowExecutionInitiated') < i('ChildWorkflowExecutionStarted'));
      assert.ok(i('ChildWorkflowExecutionStarted') < i('ChildWorkflowExecutionCompleted'));

      // The child is a workflow of its own, linked to its parent.
      const child = await ctx.client.workflow.getHandle(`${workflowId}-child`).describe();
      assert.equal(child.status.name, 'COMPLETED');
      assert.equal(child.type, 'childWorkflow');
      assert.equal(child.taskQueue, taskQueue);
      assert.equal(child.parentExecution?.workflowId, workflowId);
      assert.equal(child.parentExecution?.runId, parent.firstExecutionRunId);
      const childHistory = await ctx.client.workflow.getHandle(`${workflowId}-child`).fetchHistory();
      const started = childHistory.events[0].workflowExecutionStartedEventAttributes;
      assert.equal(started.parentWorkflowExecution?.workflowId, workflowId);
      assert.equal(started.parentWorkflowNamespace, 'default');
    });
  });

  /**
   * Start parentStartChildWorkflow with `policy`, wait for it to complete, then run
   * `fn({ child, childRunId, parent })` while the worker still polls.
   */
  async function runParentWithPolicy(label, policy, fn) {
    const taskQueue = h.uniqueTaskQueue(label);
    const workflowId = h.uniqueWorkflowId(`parent-${label}`);
    const childWorkflowId = `${workflowId}-child`;
    return await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const parent = await ctx.client.workflow.start('parentStartChildWorkflow', {
        taskQueue,
        workflowId,
        args: [childWorkflowId, policy],
      });
      const result = await parent.result();
      assert.equal(result.childWorkflowId, childWorkflowId);
      const child = ctx.client.workflow.getHandle(childWorkflowId);
      const parentNames = await h.historyEventNames(parent);
      assert.ok(parentNames.includes('ChildWorkflowExecutionStarted'), parentNames.join(', '));
      assert.equal(parentNames[parentNames.length - 1], 'WorkflowExecutionCompleted');
      return await fn({ child, childRunId: result.childRunId, parent });
    });
  }

  ctx.test('C13b. parent-close policy TERMINATE (the default) terminates the child', async () => {
    for (const policy of ['TERMINATE', undefined]) {
      await runParentWithPolicy(`pcp-${policy ?? 'default'}`, policy, async ({ child, childRunId }) => {
        const desc = await h.waitFor(
          `the child to be terminated (policy ${policy ?? 'default'})`,
          async () => {
            const d = await child.describe();
            return d.status.name === 'TERMINATED' && d;
          },
          { timeoutMs: 10_000 }
        );
        assert.equal(desc.runId, childRunId);
        const history = await child.fetchHistory();
        const last = history.events[history.events.length - 1];
        assert.equal(h.eventName(last), 'WorkflowExecutionTerminated');
        // The real server records who terminated it and why.
        assert.equal(last.workflowExecutionTerminatedEventAttributes.reason, 'by parent close policy');
      });
    }
  });

  ctx.test('C13c. parent-close policy ABANDON leaves the child running', async () => {
    await runParentWithPolicy('pcp-abandon', 'ABANDON', async ({ child, childRunId, parent }) => {
      assert.equal((await parent.describe()).status.name, 'COMPLETED');
      const desc = await child.describe();
      assert.equal(desc.runId, childRunId);
      assert.equal(desc.status.name, 'RUNNING');
      // The abandoned child still takes signals and completes normally (under TERMINATE it would
      // be terminated as soon as the server processed the parent's close).
      await child.signal('finish');
      assert.equal(await child.result(), 'finished');
      const names = await h.historyEventNames(child);
      assert.equal(names[names.length - 1], 'WorkflowExecutionCompleted');
      assert.ok(!names.includes('WorkflowExecutionTerminated'));
    });
  });

  ctx.test('C14. continue-as-new: a chain of 3 runs and result() following it', async () => {
    const taskQueue = h.uniqueTaskQueue('can');
    const workflowId = h.uniqueWorkflowId('can');
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('continueAsNewWorkflow', { taskQueue, workflowId, args: [1, 3] });
      const firstRunId = handle.firstExecutionRunId;
      const result = await handle.result();
      assert.match(result, /^finished run 3 of 3 \(continued from [0-9a-f-]{36}\)$/);

      const first = ctx.client.workflow.getHandle(workflowId, firstRunId);
      const firstDesc = await first.describe();
      assert.equal(firstDesc.status.name, 'CONTINUED_AS_NEW');
      assert.equal(firstDesc.runId, firstRunId);

      // result() of the first run follows the chain (followRuns defaults to true).
      assert.equal(await first.result(), result);
      // ... and with followRuns: false it stops at the first run.
      const notFollowed = await h.captureError('result() of the first run without following', () =>
        ctx.client.workflow.getHandle(workflowId, firstRunId, { followRuns: false }).result()
      );
      assert.ok(notFollowed instanceof WorkflowContinuedAsNewError, h.describeErrorChain(notFollowed));

      // Walk the chain through the history of each run.
      const runIds = [firstRunId];
      for (let i = 0; i < 2; i++) {
        const history = await ctx.client.workflow.getHandle(workflowId, runIds[i]).fetchHistory();
        const last = history.events[history.events.length - 1];
        assert.equal(h.eventName(last), 'WorkflowExecutionContinuedAsNew');
        const attrs = last.workflowExecutionContinuedAsNewEventAttributes;
        assert.equal(attrs.workflowType?.name, 'continueAsNewWorkflow');
        assert.equal(attrs.taskQueue?.name, taskQueue);
        assert.deepEqual(
          attrs.input.payloads.map((p) => Buffer.from(p.data).toString('utf8')),
          [String(i + 2), '3']
        );
        runIds.push(attrs.newExecutionRunId);
      }
      assert.equal(new Set(runIds).size, 3);
      assert.equal(notFollowed.newExecutionRunId, runIds[1]);

      const latest = await ctx.client.workflow.getHandle(workflowId).describe();
      assert.equal(latest.runId, runIds[2]);
      assert.equal(latest.status.name, 'COMPLETED');
      assert.equal(result, `finished run 3 of 3 (continued from ${runIds[1]})`);
      const lastHistory = await ctx.client.workflow.getHandle(workflowId, runIds[2]).fetchHistory();
      const started = lastHistory.events[0].workflowExecutionStartedEventAttributes;
      assert.equal(started.continuedExecutionRunId, runIds[1]);
      assert.equal(started.firstExecutionRunId, firstRunId);
      assert.equal(started.originalExecutionRunId, runIds[2]);
      assert.equal(started.initiator, 1); // CONTINUE_AS_NEW_INITIATOR_WORKFLOW
      const second = await ctx.client.workflow.getHandle(workflowId, runIds[1]).describe();
      assert.equal(second.status.name, 'CONTINUED_AS_NEW');
    });
  });
});
