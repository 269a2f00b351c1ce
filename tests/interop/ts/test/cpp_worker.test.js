'use strict';
// TypeScript client -> C++ worker (tests/interop/cpp/interop_cpp_worker.cc): payloads of every
// kind round-trip through C++ workflows, failures raised in C++ keep their type, message, details
// and cause for TypeScript, signals/queries/updates reach C++ handlers, and workflows and
// activities of the two SDKs call each other across task queues.
// Needs $STEAD_BIN and $INTEROP_CPP_WORKER (ctest sets both).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { WorkflowFailedError, WorkflowUpdateFailedError } = require('@temporalio/client');
const { ActivityFailure, ApplicationFailure } = require('@temporalio/common');

const h = require('../lib/harness');
const peers = require('../lib/cpp_peers');

const TEST_TIMEOUT_MS = 30_000;

describe('TypeScript client and workers with the C++ worker', () => {
  let server;
  let connection;
  let client;
  let nativeConnection;
  let cppWorker;
  const cppQueue = h.uniqueTaskQueue('cpp-worker');

  before(async () => {
    server = await h.startServer();
    ({ connection, client } = await h.connectClient(server));
    nativeConnection = await h.connectNative(server);
    await h.workflowBundle();
    cppWorker = await peers.startCppWorker(server, cppQueue);
  });

  after(async () => {
    // The C++ worker first, while the server still answers its ShutdownWorker call.
    const workerExit = await cppWorker?.stop();
    await nativeConnection?.close().catch(() => {});
    await connection?.close().catch(() => {});
    await server?.stopCleanly();
    if (workerExit) assert.deepEqual(workerExit, { code: 0, signal: null }, cppWorker.describeFailure('unclean exit'));
  });

  function cppTest(name, fn) {
    it(name, { timeout: TEST_TIMEOUT_MS }, async () => {
      try {
        await h.withServerOutput(server, fn);
      } catch (err) {
        err.message = cppWorker ? cppWorker.describeFailure(err.message) : err.message;
        throw err;
      }
    });
  }

  function execute(workflowType, ...args) {
    return client.workflow.execute(workflowType, {
      taskQueue: cppQueue,
      workflowId: h.uniqueWorkflowId(workflowType),
      args,
    });
  }

  /** The WorkflowFailedError that running `workflowType` ends with. */
  async function failureOf(workflowType, ...args) {
    const err = await h.captureError(workflowType, execute(workflowType, ...args));
    assert.ok(err instanceof WorkflowFailedError, h.describeErrorChain(err));
    return err;
  }

  const spec = {
    type: 'OuterError',
    message: 'outer message',
    details: [1, 'two', { three: [3] }, new Uint8Array([0x0a, 0xff])],
    cause: { type: 'InnerError', message: 'inner message', details: [], cause: null },
  };

  /** Checks `failure` is the ApplicationFailure chain made from `spec` by the C++ peer. */
  function assertSpecFailure(failure, { nonRetryable }) {
    assert.ok(failure instanceof ApplicationFailure, h.describeErrorChain(failure));
    assert.equal(failure.type, 'OuterError');
    assert.equal(failure.message, 'outer message');
    assert.equal(failure.nonRetryable, nonRetryable);
    assert.deepEqual(failure.details, [1, 'two', { three: [3] }, new Uint8Array([0x0a, 0xff])]);
    assert.ok(failure.cause instanceof ApplicationFailure, h.describeErrorChain(failure));
    assert.equal(failure.cause.type, 'InnerError');
    assert.equal(failure.cause.message, 'inner message');
    assert.equal(failure.cause.cause, undefined);
  }

  cppTest('W1. strings, numbers and objects round-trip through C++ workflows', async () => {
    assert.equal(await execute('CppEchoString', 'héllo, wörld ✓ "quoted"\n'), 'héllo, wörld ✓ "quoted"\n');
    assert.equal(await execute('CppEchoString', ''), '');
    assert.equal(await execute('CppEchoNumber', 1.5), 1.5);
    assert.equal(await execute('CppEchoNumber', -0.125), -0.125);
    assert.equal(await execute('CppEchoInt', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    const object = { name: 'Ada', tags: ['a', 'b'], nested: { ok: true, none: null, n: 3 }, empty: {} };
    assert.deepEqual(await execute('CppEchoObject', object), object);
    assert.deepEqual(await execute('CppEchoObject', [1, 'x', null]), [1, 'x', null]);
  });

  cppTest('W2. null and undefined reach C++ as an empty optional and come back as undefined', async () => {
    // TypeScript encodes undefined as binary/null and null as JSON null; C++ decodes both to
    // std::nullopt and encodes std::nullopt as binary/null, which TypeScript decodes as undefined.
    assert.equal(await execute('CppEchoNull', null), undefined);
    assert.equal(await execute('CppEchoNull', undefined), undefined);
    assert.equal(await execute('CppEchoNull', 'present'), 'present');
  });

  cppTest('W3. Uint8Array round-trips as stead::Bytes (binary/plain)', async () => {
    const bytes = new Uint8Array([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
    const back = await execute('CppEchoBytes', bytes);
    assert.ok(back instanceof Uint8Array, `got ${Object.prototype.toString.call(back)}`);
    assert.deepEqual(Array.from(back), Array.from(bytes));
    assert.deepEqual(Array.from(await execute('CppEchoBytes', new Uint8Array(0))), []);
  });

  cppTest('W4. several arguments of different kinds decode as C++ sees them', async () => {
    const seen = await execute('CppEchoMany', 'text', 2.5, { k: ['v'] }, null, new Uint8Array([0xde, 0xad]));
    assert.deepEqual(seen, { string: 'text', number: 2.5, object: { k: ['v'] }, nullIsEmpty: true, bytesHex: 'dead' });
  });

  cppTest('W5. a C++ workflow calls a C++ activity', async () => {
    assert.equal(await execute('CppActivityWorkflow', 'hi there'), 'workflow got HI THERE!');
  });

  cppTest('W6. a C++ workflow failure keeps its type, message, details and cause', async () => {
    const err = await failureOf('CppFailWorkflow', peers.toCppJson(spec));
    assertSpecFailure(err.cause, { nonRetryable: false });
  });

  cppTest('W7. a C++ activity failure reaches the client as ActivityFailure with its cause chain', async () => {
    const err = await failureOf('CppActivityFailWorkflow', peers.toCppJson(spec));
    assert.ok(err.cause instanceof ActivityFailure, h.describeErrorChain(err));
    assert.equal(err.cause.activityType, 'cpp_fail');
    assertSpecFailure(err.cause.cause, { nonRetryable: true });
  });

  cppTest('W8. signals, queries and updates reach C++ handlers', async () => {
    const handle = await client.workflow.start('CppSignalQueryUpdate', {
      taskQueue: cppQueue,
      workflowId: h.uniqueWorkflowId('cpp-squ'),
    });
    await handle.signal('add', 'first');
    assert.equal(await handle.executeUpdate('push', { args: ['second'] }), 2);
    const rejected = await h.captureError('update push("")', handle.executeUpdate('push', { args: [''] }));
    assert.ok(rejected instanceof WorkflowUpdateFailedError, h.describeErrorChain(rejected));
    assert.ok(rejected.cause instanceof ApplicationFailure, h.describeErrorChain(rejected));
    assert.equal(rejected.cause.type, 'EmptyItem');
    assert.equal(rejected.cause.message, 'item must not be empty');
    assert.deepEqual(await handle.query('items'), ['first', 'second']);
    await handle.signal('finish');
    assert.deepEqual(await handle.result(), ['first', 'second']);
  });

  cppTest('W9. a TypeScript workflow calls C++ activities (payloads and failures)', async () => {
    const taskQueue = h.uniqueTaskQueue('ts-calls-cpp');
    await h.runWorker({ connection: nativeConnection, taskQueue }, async () => {
      const run = (...args) =>
        client.workflow.execute('callActivityWorkflow', { taskQueue, workflowId: h.uniqueWorkflowId('ts-calls-cpp'), args });
      assert.equal(await run(cppQueue, 'cpp_shout', 'quiet'), 'QUIET!');
      const bytes = await run(cppQueue, 'cpp_echo_bytes', new Uint8Array([9, 8, 7]));
      assert.ok(bytes instanceof Uint8Array);
      assert.deepEqual(Array.from(bytes), [9, 8, 7]);
      const err = await h.captureError('cpp_fail', run(cppQueue, 'cpp_fail', peers.toCppJson(spec)));
      assert.ok(err instanceof WorkflowFailedError, h.describeErrorChain(err));
      assert.ok(err.cause instanceof ActivityFailure, h.describeErrorChain(err));
      assert.equal(err.cause.activityType, 'cpp_fail');
      assertSpecFailure(err.cause.cause, { nonRetryable: true });
    });
  });

  cppTest('W10. a C++ workflow calls TypeScript activities; their failures pass through C++ unchanged', async () => {
    const taskQueue = h.uniqueTaskQueue('cpp-calls-ts');
    const activities = {
      async tsGreet(who) {
        return { greeting: `Hello, ${who.name}!`, from: 'typescript' };
      },
      async tsFail(failSpec) {
        throw peers.failureFromSpec(failSpec);
      },
    };
    await h.runWorker({ connection: nativeConnection, taskQueue, activities }, async () => {
      assert.deepEqual(await execute('CppTsActivityWorkflow', taskQueue, 'tsGreet', { name: 'Ada' }), {
        greeting: 'Hello, Ada!',
        from: 'typescript',
      });
      const tsSpec = { ...spec, details: [1, 'two', { three: [3] }] };
      const err = await failureOf('CppTsActivityWorkflow', taskQueue, 'tsFail', tsSpec);
      assert.ok(err.cause instanceof ActivityFailure, h.describeErrorChain(err));
      assert.equal(err.cause.activityType, 'tsFail');
      const failure = err.cause.cause;
      assert.ok(failure instanceof ApplicationFailure, h.describeErrorChain(err));
      assert.equal(failure.type, 'OuterError');
      assert.equal(failure.message, 'outer message');
      assert.deepEqual(failure.details, [1, 'two', { three: [3] }]);
      assert.equal(failure.cause?.type, 'InnerError', h.describeErrorChain(err));
      assert.equal(failure.cause.message, 'inner message');
    });
  });
});
