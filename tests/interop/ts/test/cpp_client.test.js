'use strict';
// C++ client (tests/interop/cpp/interop_cpp_client.cc) -> TypeScript worker: payloads of every
// kind round-trip through TypeScript workflows, TypeScript failures reach C++ with their type,
// message, details and cause, and C++ signals, queries and updates reach TypeScript handlers.
// Each C++ call is one run of interop_cpp_client, which prints its outcome as JSON.
// Needs $STEAD_BIN and $INTEROP_CPP_CLIENT (ctest sets both).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib/harness');
const peers = require('../lib/cpp_peers');

const TEST_TIMEOUT_MS = 30_000;

describe('C++ client with a TypeScript worker', () => {
  let server;
  let nativeConnection;
  let worker;
  let workerRun;
  const taskQueue = h.uniqueTaskQueue('cpp-client');

  before(async () => {
    server = await h.startServer();
    nativeConnection = await h.connectNative(server);
    const activities = {
      async tsFail(spec) {
        throw peers.failureFromSpec(spec);
      },
    };
    worker = await h.createWorker({ connection: nativeConnection, taskQueue, activities });
    workerRun = worker.run();
  });

  after(async () => {
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await nativeConnection?.close().catch(() => {});
    await server?.stopCleanly();
  });

  function cppTest(name, fn) {
    it(name, { timeout: TEST_TIMEOUT_MS }, () => h.withServerOutput(server, fn));
  }

  /** `interop_cpp_client <command>`; returns { result } or { error } (see cpp_peers.runCppClient). */
  function cpp(command, options) {
    return peers.runCppClient(server, command, options);
  }

  /** Executes `type` from C++ and returns the result { encoding, value } (value via fromCppJson). */
  async function execute(type, ...args) {
    const outcome = await cpp('execute', { type, 'task-queue': taskQueue, id: h.uniqueWorkflowId(type), args });
    assert.ok(outcome.result, `expected a result, got ${JSON.stringify(outcome)}`);
    return { encoding: outcome.result.encoding, value: peers.fromCppJson(outcome.result.value) };
  }

  /** Executes `type` from C++ and returns its error JSON. */
  async function failureOf(type, ...args) {
    const outcome = await cpp('execute', { type, 'task-queue': taskQueue, id: h.uniqueWorkflowId(type), args });
    assert.ok(outcome.error, `expected an error, got ${JSON.stringify(outcome)}`);
    return outcome.error;
  }

  cppTest('C1. strings, numbers and objects from C++ round-trip through a TypeScript workflow', async () => {
    assert.deepEqual(await execute('echoWorkflow', 'héllo, wörld ✓ "quoted"\n'), {
      encoding: 'json/plain',
      value: 'héllo, wörld ✓ "quoted"\n',
    });
    assert.deepEqual(await execute('echoWorkflow', 1.5), { encoding: 'json/plain', value: 1.5 });
    assert.deepEqual(await execute('echoWorkflow', Number.MAX_SAFE_INTEGER), {
      encoding: 'json/plain',
      value: Number.MAX_SAFE_INTEGER,
    });
    const object = { name: 'Ada', tags: ['a', 'b'], nested: { ok: true, none: null, n: 3 }, empty: {} };
    assert.deepEqual(await execute('echoWorkflow', object), { encoding: 'json/plain', value: object });
  });

  cppTest('C2. null from C++ (binary/null) is undefined in TypeScript and comes back as binary/null', async () => {
    assert.deepEqual(await execute('echoWorkflow', null), { encoding: 'binary/null', value: null });
    // No argument at all decodes to undefined too.
    assert.deepEqual(await execute('echoWorkflow'), { encoding: 'binary/null', value: null });
  });

  cppTest('C3. stead::Bytes is a Uint8Array in TypeScript and comes back as binary/plain', async () => {
    const bytes = new Uint8Array([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
    const back = await execute('echoWorkflow', bytes);
    assert.equal(back.encoding, 'binary/plain');
    assert.deepEqual(Array.from(back.value), Array.from(bytes));
    assert.deepEqual(await execute('echoWorkflow', new Uint8Array(0)), { encoding: 'binary/plain', value: new Uint8Array(0) });
  });

  cppTest('C4. each C++ argument kind decodes to the expected TypeScript type', async () => {
    const seen = await execute('describeArgsWorkflow', 'text', 2.5, { k: ['v'] }, null, new Uint8Array([0xde, 0xad]));
    assert.deepEqual(seen.value, [
      { type: 'string', value: 'text' },
      { type: 'number', value: 2.5 },
      { type: 'object', value: { k: ['v'] } },
      { type: 'undefined' },
      { type: 'Uint8Array', value: 'dead' },
    ]);
  });

  const spec = {
    type: 'OuterError',
    message: 'outer message',
    details: [1, 'two', { three: [3] }],
    cause: { type: 'InnerError', message: 'inner message', details: ['why'] },
  };

  /** Checks `failure` (C++'s JSON view) is the ApplicationFailure chain made from `spec`. */
  function assertSpecFailure(failure, extraDetails = []) {
    assert.equal(failure.kind, 'ApplicationError', JSON.stringify(failure));
    assert.equal(failure.type, 'OuterError');
    assert.equal(failure.message, 'outer message');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(peers.fromCppJson(failure.details), [1, 'two', { three: [3] }, ...extraDetails]);
    assert.deepEqual(failure.cause, {
      kind: 'ApplicationError',
      type: 'InnerError',
      message: 'inner message',
      nonRetryable: true,
      details: ['why'],
      cause: null,
    });
  }

  cppTest('C5. a TypeScript workflow failure reaches C++ with its type, message, details and cause', async () => {
    const error = await failureOf('failWorkflow', spec);
    assert.equal(error.kind, 'WorkflowFailureError', JSON.stringify(error));
    // failWorkflow adds a Uint8Array detail: bytes inside a failure decode as stead::Bytes.
    assertSpecFailure(error.cause, [new Uint8Array([1, 2, 3])]);
  });

  cppTest('C6. a TypeScript activity failure reaches C++ as ActivityError with its cause chain', async () => {
    const error = await failureOf('activityFailWorkflow', spec);
    assert.equal(error.kind, 'WorkflowFailureError', JSON.stringify(error));
    assert.equal(error.cause.kind, 'ActivityError', JSON.stringify(error));
    assert.equal(error.cause.activityType, 'tsFail');
    assertSpecFailure(error.cause.cause);
  });

  cppTest('C7. C++ signals, queries and updates reach TypeScript handlers', async () => {
    const id = h.uniqueWorkflowId('cpp-update');
    const started = await cpp('start', { type: 'updateWorkflow', 'task-queue': taskQueue, id });
    assert.equal(started.result?.workflowId, id, JSON.stringify(started));
    assert.deepEqual(await cpp('update', { id, name: 'increment', args: [2] }), {
      result: { encoding: 'json/plain', value: 2 },
    });
    assert.deepEqual(await cpp('update', { id, name: 'increment', args: [3] }), {
      result: { encoding: 'json/plain', value: 5 },
    });
    // The validator throws a plain Error: TypeScript sends it as an ApplicationFailure of type "Error".
    const rejected = await cpp('update', { id, name: 'increment', args: [-1] });
    assert.equal(rejected.error?.kind, 'WorkflowUpdateFailedError', JSON.stringify(rejected));
    assert.equal(rejected.error.cause.kind, 'ApplicationError');
    assert.equal(rejected.error.cause.type, 'Error');
    assert.equal(rejected.error.cause.message, 'increment must be a non-negative number, got -1');
    assert.deepEqual(await cpp('query', { id, name: 'getCounter' }), { result: { encoding: 'json/plain', value: 5 } });
    const unknown = await cpp('query', { id, name: 'noSuchQuery' });
    assert.equal(unknown.error?.kind, 'QueryFailedError', JSON.stringify(unknown));
    assert.deepEqual(await cpp('signal', { id, name: 'finish' }), { result: null });
    assert.deepEqual(await cpp('result', { id }), { result: { encoding: 'json/plain', value: 5 } });
  });

  cppTest('C8. C++ signal arguments reach a TypeScript signal handler', async () => {
    const id = h.uniqueWorkflowId('cpp-signal');
    await cpp('start', { type: 'signalQueryWorkflow', 'task-queue': taskQueue, id, args: ['initial'] });
    await cpp('signal', { id, name: 'setState', args: ['from C++ ✓'] });
    assert.deepEqual(await cpp('query', { id, name: 'getSignals' }), {
      result: { encoding: 'json/plain', value: ['from C++ ✓'] },
    });
    await cpp('signal', { id, name: 'finish' });
    assert.deepEqual(await cpp('result', { id }), { result: { encoding: 'json/plain', value: 'from C++ ✓' } });
  });
});
