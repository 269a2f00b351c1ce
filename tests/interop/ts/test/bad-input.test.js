'use strict';
// Interop tests B1-B6: malformed and unsupported requests, sent as raw gRPC through the SDK's
// Connection (connection.workflowService.*) so that no client-side validation gets in the way.
// The expected codes and messages are the real dev server's (Temporal 1.29); errors are grpc-js
// ServiceErrors whose `details` is the status message.

const { describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

// gRPC status codes (@grpc/grpc-js is only a transitive dependency, so not required here).
const grpcStatus = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12 };

const h = require('../lib/harness');

/** Await `promiseOrFn`, expect a gRPC error with `code` and `details` (a string or a RegExp). */
async function expectGrpcError(what, promiseOrFn, code, details) {
  const err = await h.captureError(what, promiseOrFn);
  const got = `${err?.code} ${JSON.stringify(err?.details)} (${err?.name}: ${err?.message})`;
  assert.equal(err.code, code, `${what}: expected gRPC code ${code}, got ${got}`);
  if (details instanceof RegExp) assert.match(err.details, details, `${what}: ${got}`);
  else assert.equal(err.details, details, `${what}: ${got}`);
  return err;
}

describe('bad input over raw gRPC', () => {
  // No retries: the SDK would otherwise retry RESOURCE_EXHAUSTED (B4) with backoff.
  const ctx = h.useSharedServer({ workers: false, retries: false });
  const ws = () => ctx.connection.workflowService;

  /** A valid StartWorkflowExecutionRequest, with `overrides` applied. */
  function startRequest(overrides = {}) {
    return {
      namespace: 'default',
      workflowId: h.uniqueWorkflowId('bad-input'),
      workflowType: { name: 'someWorkflow' },
      taskQueue: { name: h.uniqueTaskQueue('bad-input') },
      requestId: crypto.randomUUID(),
      identity: 'interop-bad-input',
      ...overrides,
    };
  }

  ctx.test('B1. StartWorkflowExecution without a workflow ID, task queue or type: INVALID_ARGUMENT', async () => {
    const cases = [
      ['no workflowId', { workflowId: '' }, 'WorkflowId is not set on request.'],
      ['no taskQueue', { taskQueue: undefined }, 'taskQueue is not set'],
      ['empty taskQueue name', { taskQueue: { name: '' } }, 'missing task queue name'],
      ['no workflowType', { workflowType: undefined }, 'WorkflowType is not set on request.'],
      ['empty workflowType name', { workflowType: { name: '' } }, 'WorkflowType is not set on request.'],
      ['no namespace', { namespace: '' }, 'Namespace is empty.'],
    ];
    const failures = [];
    for (const [what, overrides, message] of cases) {
      // Check every case, then report all mismatches at once.
      try {
        await expectGrpcError(what, ws().startWorkflowExecution(startRequest(overrides)), grpcStatus.INVALID_ARGUMENT, message);
      } catch (err) {
        failures.push(err.message.split('\n')[0]);
      }
    }
    assert.deepEqual(failures, []);
    // A valid request still works.
    const ok = await ws().startWorkflowExecution(startRequest());
    assert.match(ok.runId, /^[0-9a-f-]{36}$/);
  });

  ctx.test('B2. an unknown namespace: NOT_FOUND', async () => {
    const { NOT_FOUND } = grpcStatus;
    const msg = 'Namespace no-such-namespace is not found.';
    await expectGrpcError('StartWorkflowExecution', ws().startWorkflowExecution(startRequest({ namespace: 'no-such-namespace' })), NOT_FOUND, msg);
    await expectGrpcError('DescribeNamespace', ws().describeNamespace({ namespace: 'no-such-namespace' }), NOT_FOUND, msg);
    await expectGrpcError(
      'DescribeWorkflowExecution',
      ws().describeWorkflowExecution({ namespace: 'no-such-namespace', execution: { workflowId: 'x' } }),
      NOT_FOUND,
      msg
    );
  });

  ctx.test('B3. RespondActivityTaskCompleted with a garbage or empty task token: INVALID_ARGUMENT', async () => {
    const { INVALID_ARGUMENT } = grpcStatus;
    await expectGrpcError(
      'garbage token',
      ws().respondActivityTaskCompleted({ namespace: 'default', taskToken: Buffer.from('garbage token'), identity: 'interop' }),
      INVALID_ARGUMENT,
      'Error deserializing task token.'
    );
    await expectGrpcError(
      'empty token',
      ws().respondActivityTaskCompleted({ namespace: 'default', taskToken: Buffer.alloc(0), identity: 'interop' }),
      INVALID_ARGUMENT,
      'Task token not set on request.'
    );
  });

  ctx.test('B4. an oversized payload is rejected and no workflow is created', async () => {
    const payload = (bytes) => ({
      payloads: [{ metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.alloc(bytes, 7) }],
    });
    // 3 MB: over the 2 MB blob size limit, under gRPC's 4 MB message limit.
    const req3 = startRequest({ input: payload(3 * 1024 * 1024) });
    await expectGrpcError('3 MB input', ws().startWorkflowExecution(req3), grpcStatus.INVALID_ARGUMENT, 'Blob data size exceeds limit.');
    // 5 MB: over the server's gRPC maximum receive size (4 MiB). The real server (grpc-go) says
    // 'grpc: received message larger than max (5242992 vs. 4194304)'; the 'grpc: ' prefix is
    // grpc-go's, so it is not required here (grpc C++ words it 'Received message larger than max').
    const req5 = startRequest({ input: payload(5 * 1024 * 1024) });
    await expectGrpcError(
      '5 MB input',
      ws().startWorkflowExecution(req5),
      grpcStatus.RESOURCE_EXHAUSTED,
      /received message larger than max \(\d+ vs\. 4194304\)$/i
    );
    for (const req of [req3, req5]) {
      await expectGrpcError(
        `describe ${req.workflowId}`,
        ws().describeWorkflowExecution({ namespace: 'default', execution: { workflowId: req.workflowId } }),
        grpcStatus.NOT_FOUND,
        /^workflow not found for ID: /
      );
    }
  });

  ctx.test('B5. an RPC Stead does not implement: UNIMPLEMENTED naming the method (the real server answers)', async () => {
    const request = { namespace: 'default' };
    if (h.isStead()) {
      await expectGrpcError(
        'ListSchedules',
        ws().listSchedules(request),
        grpcStatus.UNIMPLEMENTED,
        /ListSchedules/
      );
    } else {
      const res = await ws().listSchedules(request);
      assert.deepEqual(res.schedules ?? [], []);
    }
  });
});
