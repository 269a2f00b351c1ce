'use strict';
// Interop tests V15-V16: visibility (ListWorkflowExecutions / CountWorkflowExecutions) with custom
// search attributes through the official TypeScript SDK.
//
// The real dev server pre-registers no custom search attributes (1.29: ListSearchAttributes shows
// none), so this file's server is started with `--search-attribute NAME=TYPE` for the ones it
// uses; `stead server start-dev` accepts the same flag. Visibility may lag a little behind
// writes on the real server, so lists are polled (bounded) until they match.

const { describe } = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib/harness');

const SEARCH_ATTRIBUTES = {
  CustomKeywordField: 'Keyword',
  CustomIntField: 'Int',
  CustomBoolField: 'Bool',
  CustomDoubleField: 'Double',
  CustomDatetimeField: 'Datetime',
  CustomTextField: 'Text',
};

/** Workflow IDs listed by `query`, sorted. */
async function listIds(client, query) {
  const ids = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids.sort();
}

/** Poll until `query` lists exactly `expected` (any order); returns the workflows' infos. */
async function waitForList(client, query, expected, { timeoutMs = 10_000 } = {}) {
  const want = [...expected].sort();
  let last;
  try {
    await h.waitFor(`list(${query}) to return ${JSON.stringify(want)}`, async () => {
      last = await listIds(client, query);
      return JSON.stringify(last) === JSON.stringify(want);
    }, { timeoutMs, fatal: () => true });
  } catch (err) {
    err.message += `\n  last listed: ${JSON.stringify(last)}`;
    throw err;
  }
  const infos = [];
  for await (const wf of client.workflow.list({ query })) infos.push(wf);
  return infos;
}

/** `err` is the SDK's ServiceError(`message`) caused by gRPC INVALID_ARGUMENT matching `details`. */
function assertInvalidQuery(err, message, details) {
  const chain = h.describeErrorChain(err);
  assert.equal(err.name, 'ServiceError', chain);
  assert.equal(err.message, message, chain);
  assert.equal(err.cause?.code, 3, `expected gRPC INVALID_ARGUMENT:\n${chain}`);
  assert.match(err.cause.details, details, chain);
}

describe('visibility through the TypeScript SDK', () => {
  const extraArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]);
  const ctx = h.useSharedServer({ extraArgs });

  ctx.test('V15. list and count with AND/OR over custom search attributes', async () => {
    // A workflow type unique to this test, so that only these workflows can match. No worker: the
    // workflows stay RUNNING, which is all visibility needs.
    const type = `visibilityType_${h.uid().replace(/-/g, '')}`;
    const otherType = `${type}_other`;
    const taskQueue = h.uniqueTaskQueue('visibility');
    const specs = {
      kwA_int1: { workflowType: type, sa: { CustomKeywordField: ['a'], CustomIntField: [1] }, match: true },
      kwB_int10: { workflowType: type, sa: { CustomKeywordField: ['b'], CustomIntField: [10] }, match: true },
      kwB_int2: { workflowType: type, sa: { CustomKeywordField: ['b'], CustomIntField: [2] }, match: false },
      kwA_only: { workflowType: type, sa: { CustomKeywordField: ['a'] }, match: true },
      int6_only: { workflowType: type, sa: { CustomIntField: [6], CustomBoolField: [true] }, match: true },
      none: { workflowType: type, sa: undefined, match: false },
      other_kwA: { workflowType: otherType, sa: { CustomKeywordField: ['a'], CustomIntField: [100] }, match: false },
    };
    const ids = {};
    for (const [label, spec] of Object.entries(specs)) {
      const workflowId = h.uniqueWorkflowId(`vis-${label}`);
      ids[label] = workflowId;
      await ctx.client.workflow.start(spec.workflowType, {
        taskQueue,
        workflowId,
        ...(spec.sa ? { searchAttributes: spec.sa } : {}),
      });
    }
    const expected = Object.keys(specs).filter((l) => specs[l].match).map((l) => ids[l]);
    // describe() shows the search attributes given at start (decoded by their registered types).
    const described = await ctx.client.workflow.getHandle(ids.int6_only).describe();
    assert.deepEqual(described.searchAttributes, { CustomIntField: [6], CustomBoolField: [true] });

    const query = `WorkflowType = '${type}' AND (CustomKeywordField = 'a' OR CustomIntField > 5)`;
    const infos = await waitForList(ctx.client, query, expected);
    for (const info of infos) {
      assert.equal(info.type, type);
      assert.equal(info.status.name, 'RUNNING');
      assert.equal(info.taskQueue, taskQueue);
    }
    const byId = Object.fromEntries(infos.map((i) => [i.workflowId, i]));
    // The listed search attributes are those given at start.
    assert.deepEqual(byId[ids.kwB_int10].searchAttributes.CustomKeywordField, ['b']);
    assert.deepEqual(byId[ids.kwB_int10].searchAttributes.CustomIntField, [10]);
    assert.deepEqual(byId[ids.int6_only].searchAttributes.CustomBoolField, [true]);

    assert.deepEqual(await ctx.client.workflow.count(query), { count: 3 + 1, groups: [] });

    // A few more shapes of filter.
    assert.deepEqual(
      await listIds(ctx.client, `WorkflowType = '${type}' AND CustomKeywordField = 'b' AND CustomIntField >= 2`),
      [ids.kwB_int10, ids.kwB_int2].sort()
    );
    assert.deepEqual(
      await listIds(ctx.client, `CustomKeywordField = 'a' AND (WorkflowType = '${type}' OR WorkflowType = '${otherType}')`),
      [ids.kwA_int1, ids.kwA_only, ids.other_kwA].sort()
    );
    assert.deepEqual(
      await listIds(ctx.client, `WorkflowType IN ('${type}', '${otherType}') AND CustomIntField BETWEEN 2 AND 10`),
      [ids.kwB_int10, ids.kwB_int2, ids.int6_only].sort()
    );
    assert.deepEqual((await ctx.client.workflow.count(`WorkflowType = '${type}'`)).count, 6);
    assert.deepEqual((await ctx.client.workflow.count(`WorkflowType = '${type}' AND CustomIntField > 100`)).count, 0);

    // A malformed query is rejected with INVALID_ARGUMENT and a message that says what is wrong.
    // The real server: 'invalid query: malformed SQL query: syntax error at position N' (N counts
    // from the start of the SQL statement it builds around the query) and, for an unknown
    // attribute, "invalid query: invalid expression: column name 'X' is not a valid search
    // attribute". The SDK wraps the gRPC error in a ServiceError('Failed to list workflows').
    const malformed = await h.captureError('list with a malformed query', () =>
      listIds(ctx.client, `WorkflowType = '${type}' AND (CustomKeywordField = 'a'`)
    );
    assertInvalidQuery(malformed, 'Failed to list workflows', /^invalid query: .*syntax error/);
    const badCount = await h.captureError('count with a malformed query', () =>
      ctx.client.workflow.count(`WorkflowType = = 'x'`)
    );
    assertInvalidQuery(badCount, 'Failed to count workflows', /^invalid query: .*syntax error/);
    const unknownAttr = await h.captureError('list by an unknown search attribute', () =>
      listIds(ctx.client, `NoSuchAttribute = 'x'`)
    );
    assertInvalidQuery(unknownAttr, 'Failed to list workflows', /^invalid query: .*'NoSuchAttribute' is not a valid search attribute/);

    for (const id of Object.values(ids)) await ctx.client.workflow.getHandle(id).terminate('V15 cleanup');
  });

  ctx.test('V16. search attributes upserted by a workflow are visible to list', async () => {
    const taskQueue = h.uniqueTaskQueue('upsert');
    const workflowId = h.uniqueWorkflowId('upsert');
    const keyword = `upserted-${h.uid()}`;
    await h.runWorker({ connection: ctx.nativeConnection, taskQueue }, async () => {
      const handle = await ctx.client.workflow.start('upsertSearchAttributesWorkflow', {
        taskQueue,
        workflowId,
        args: [keyword, 42],
        searchAttributes: { CustomKeywordField: ['before-upsert'] },
      });
      await h.waitForHistoryEvent(handle, 'UpsertWorkflowSearchAttributes');
      // describe() shows the upserted values.
      const desc = await handle.describe();
      assert.deepEqual(desc.searchAttributes.CustomKeywordField, [keyword]);
      assert.deepEqual(desc.searchAttributes.CustomIntField, [42]);

      const [info] = await waitForList(ctx.client, `CustomKeywordField = '${keyword}'`, [workflowId]);
      assert.deepEqual(info.searchAttributes.CustomKeywordField, [keyword]);
      assert.deepEqual(info.searchAttributes.CustomIntField, [42]);
      assert.equal(info.status.name, 'RUNNING');
      await waitForList(ctx.client, `CustomKeywordField = '${keyword}' AND CustomIntField = 42`, [workflowId]);
      assert.deepEqual(await listIds(ctx.client, `CustomKeywordField = 'before-upsert' AND WorkflowId = '${workflowId}'`), []);

      await handle.signal('finish');
      assert.equal(await handle.result(), 'finished');
      // Once closed, the workflow is listed with its final status.
      await waitForList(
        ctx.client,
        `CustomKeywordField = '${keyword}' AND ExecutionStatus = 'Completed'`,
        [workflowId]
      );
    });
  });
});
