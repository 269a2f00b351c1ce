'use strict';
// Shared helpers for the interop tests: launch a server binary, connect to it, run workers.
//
// The server executable comes from $STEAD_BIN. It is started as
//   $STEAD_BIN server start-dev --port P --ip 127.0.0.1 --headless --log-level warn [--db-filename F]
// which both `stead` and the real `temporal` CLI accept.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { Connection, Client } = require('@temporalio/client');

const NAMESPACE = 'default';
const WORKFLOWS_PATH = require.resolve('./workflows');
const READY_TIMEOUT_MS = Number(process.env.STEAD_READY_TIMEOUT_MS || 10_000);
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_LIMIT = 256 * 1024;

/** The server executable; throws a clear error when STEAD_BIN is not set or not executable. */
function steadBin() {
  const bin = process.env.STEAD_BIN;
  if (!bin) {
    throw new Error(
      'STEAD_BIN is not set: point it at the server executable, e.g. ' +
        'STEAD_BIN=$PWD/build/bin/stead (or a real `temporal` CLI) node --test'
    );
  }
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch (err) {
    throw new Error(`STEAD_BIN=${bin} is not an executable file: ${err.message}`);
  }
  return bin;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Like sleep(), but the timer does not keep the process alive: for activities that hang "forever"
 * on purpose, so that a test file's process can exit as soon as its tests are done.
 */
function sleepUnref(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A short random suffix for task queues and workflow IDs. */
function uid() {
  return crypto.randomUUID().slice(0, 8);
}

/** A unique task queue per test (the name helps when reading server logs). */
function uniqueTaskQueue(label = 'tq') {
  return `interop-${label.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40)}-${uid()}`;
}

/** A unique workflow ID. */
function uniqueWorkflowId(label = 'wf') {
  return `${label.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40)}-${uid()}`;
}

/** A temporary directory, removed by the returned cleanup(). */
function tempDir(prefix = 'stead-interop-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A promise the test resolves by hand: activities (which run in this process) await `gate.promise`
 * and the test calls `gate.release(value)`.
 */
function createGate() {
  let release;
  const promise = new Promise((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/**
 * Poll `fn` until it returns a truthy value (which is returned) or `timeoutMs` passes (throws with
 * `what` and the last value/error). Errors are retried unless `fatal(err)` says otherwise. Use
 * this instead of fixed sleeps.
 */
async function waitFor(what, fn, { timeoutMs = 10_000, intervalMs = 100, fatal = () => false } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      if (fatal(err)) throw err; // an answer that retrying will not change
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `${last.name}: ${last.message}` : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** A running server process. Create with startServer(). */
class ServerProcess {
  constructor({ bin, args, port, dbFilename }) {
    this.bin = bin;
    this.args = args;
    this.port = port;
    this.dbFilename = dbFilename;
    this.address = `127.0.0.1:${port}`;
    this.output = '';
    this.exited = null; // { code, signal } once the process has exited
    this.child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
      this.child.once('error', (err) => {
        this.append(`[spawn error] ${err.message}\n`);
        this.exited = { code: null, signal: null, error: err };
        resolve(this.exited);
      });
    });
    const collect = (stream) => (chunk) => this.append(chunk.toString('utf8'), stream);
    this.child.stdout.on('data', collect('stdout'));
    this.child.stderr.on('data', collect('stderr'));
  }

  append(text) {
    this.output += text;
    if (this.output.length > OUTPUT_LIMIT) this.output = this.output.slice(-OUTPUT_LIMIT);
  }

  get pid() {
    return this.child.pid;
  }

  /** The command line, for messages. */
  get commandLine() {
    return [this.bin, ...this.args].join(' ');
  }

  /** The tail of the collected stdout+stderr, for failure messages. */
  outputTail(chars = 8192) {
    const out = this.output.length > chars ? '...' + this.output.slice(-chars) : this.output;
    return out || '(no output)';
  }

  describeFailure(message) {
    const status = this.exited
      ? `exited with code ${this.exited.code} signal ${this.exited.signal}`
      : 'still running';
    return `${message}\n  command: ${this.commandLine}\n  server ${status}\n--- server output ---\n${this.outputTail()}\n---`;
  }

  /** Wait until the server answers GetSystemInfo and DescribeNamespace, or throw. */
  async waitUntilReady(timeoutMs = READY_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    let lastErr;
    while (Date.now() < deadline) {
      if (this.exited) break;
      let connection;
      try {
        connection = await Connection.connect({
          address: this.address,
          connectTimeout: Math.max(200, Math.min(1000, deadline - Date.now())),
        });
        const rpcDeadline = Math.min(deadline, Date.now() + 2000);
        await connection.withDeadline(rpcDeadline, () =>
          connection.workflowService.describeNamespace({ namespace: NAMESPACE })
        );
        await connection.close();
        return;
      } catch (err) {
        lastErr = err;
        if (connection) await connection.close().catch(() => {});
      }
      await sleep(100);
    }
    const why = this.exited ? 'the server exited before answering' : `no answer within ${timeoutMs} ms`;
    const detail = lastErr ? ` (last error: ${lastErr.message}${lastErr.cause ? `: ${lastErr.cause.message}` : ''})` : '';
    throw new Error(this.describeFailure(`server on ${this.address} not ready: ${why}${detail}`));
  }

  /**
   * Stop the server: SIGTERM (or `signal`), then SIGKILL if it has not exited after STOP_TIMEOUT_MS.
   * Returns { code, signal }.
   */
  async stop({ signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS } = {}) {
    if (this.exited) return this.exited;
    this.child.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = sleep(timeoutMs).then(() => 'timeout');
      const r = await Promise.race([this.exitPromise, timer]);
      if (r === 'timeout' && !this.exited) {
        this.append(`[harness] no exit ${timeoutMs} ms after ${signal}; sending SIGKILL\n`);
        this.child.kill('SIGKILL');
      }
    }
    return await this.exitPromise;
  }

  /**
   * Stop with SIGTERM and fail unless the server exited by itself with status 0: a server
   * that needs SIGKILL, crashes or exits non-zero on shutdown is a bug, not a warning.
   */
  async stopCleanly() {
    const exit = await this.stop();
    if (exit.code !== 0 || exit.signal !== null)
      throw new Error(this.describeFailure(`server did not stop cleanly on SIGTERM: ${JSON.stringify(exit)}`));
  }

  /** SIGKILL: no chance to flush anything that is not durable. */
  kill() {
    return this.stop({ signal: 'SIGKILL' });
  }
}

/**
 * Launch `$STEAD_BIN server start-dev` and wait until it answers.
 * Options: port (default: a free port), dbFilename (persistent store), extraArgs.
 */
async function startServer({ port, dbFilename, extraArgs = [], readyTimeoutMs } = {}) {
  const bin = steadBin();
  port = port ?? (await freePort());
  const args = ['server', 'start-dev', '--port', String(port), '--ip', '127.0.0.1', '--headless', '--log-level', 'warn'];
  if (dbFilename) args.push('--db-filename', dbFilename);
  args.push(...extraArgs);
  const server = new ServerProcess({ bin, args, port, dbFilename });
  try {
    await server.waitUntilReady(readyTimeoutMs);
  } catch (err) {
    await server.kill();
    throw err;
  }
  return server;
}

/**
 * A Client (grpc-js Connection) for `server` (a ServerProcess or an address string). With
 * `retries: false` the connection has no interceptors, so the SDK does not retry failed calls
 * (by default it retries e.g. UNAVAILABLE and RESOURCE_EXHAUSTED with backoff).
 */
async function connectClient(server, { retries = true } = {}) {
  const address = typeof server === 'string' ? server : server.address;
  const connection = await Connection.connect({ address, connectTimeout: 5000, ...(retries ? {} : { interceptors: [] }) });
  const client = new Client({ connection, namespace: NAMESPACE });
  return { connection, client };
}

/**
 * Run `fn` and, if it throws, append the servers' output to the error so that a failing test
 * shows what the server said.
 */
async function withServerOutput(servers, fn) {
  try {
    return await fn();
  } catch (err) {
    const list = (Array.isArray(servers) ? servers : [servers]).filter(Boolean);
    const extra = list
      .map((s) => `\n--- output of ${s.commandLine} (pid ${s.pid}) ---\n${s.outputTail()}`)
      .join('');
    if (err && typeof err === 'object' && extra) {
      try {
        err.message = `${err.message}${extra}`;
      } catch {
        /* read-only message: ignore */
      }
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Workers (Rust core via @temporalio/worker). Loaded lazily so that a missing STEAD_BIN is
// reported before the native module is loaded.

let runtimeInstalled = false;
function installRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const { Runtime, DefaultLogger } = require('@temporalio/worker');
  // The SDK logs every failed activity attempt at WARN, which the retry tests cause on purpose;
  // set STEAD_TEST_LOG_LEVEL=WARN (or DEBUG) to see them.
  const level = process.env.STEAD_TEST_LOG_LEVEL || 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      // Core (Rust) logs at the same level, printed by the logger above.
      telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    });
  } catch {
    // Already installed (e.g. by TestWorkflowEnvironment); keep it.
  }
}

let bundlePromise;
/** Bundle lib/workflows.js once per process (per test file). */
function workflowBundle() {
  if (!bundlePromise) {
    installRuntime();
    const { bundleWorkflowCode } = require('@temporalio/worker');
    bundlePromise = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
  }
  return bundlePromise;
}

/** A NativeConnection (Rust core) for workers. */
async function connectNative(server) {
  installRuntime();
  const { NativeConnection } = require('@temporalio/worker');
  const address = typeof server === 'string' ? server : server.address;
  return await NativeConnection.connect({ address });
}

/**
 * Create a Worker on `taskQueue` with the shared workflow bundle (or `workflowsPath` when
 * `bundle: false`) and the given activities.
 */
async function createWorker({ connection, taskQueue, activities = {}, bundle = true, ...rest }) {
  installRuntime();
  const { Worker } = require('@temporalio/worker');
  const options = {
    connection,
    namespace: NAMESPACE,
    taskQueue,
    activities,
    shutdownGraceTime: '2s',
    ...rest,
  };
  if (bundle) options.workflowBundle = await workflowBundle();
  else options.workflowsPath = WORKFLOWS_PATH;
  return await Worker.create(options);
}

/**
 * Create a worker, run `fn(worker)` while it polls, then shut the worker down.
 * Returns what fn returned; rejects if fn or the worker fails.
 */
async function runWorker(opts, fn) {
  const worker = await createWorker(opts);
  return await worker.runUntil(() => fn(worker));
}

// ---------------------------------------------------------------------------------------------
// History helpers. Events from fetchHistory() are protobuf messages; their type is named by the
// one `*EventAttributes` field that is set, which avoids a dependency on @temporalio/proto.

function eventName(event) {
  for (const key of Object.keys(event)) {
    if (key.endsWith('EventAttributes') && event[key] != null) {
      const base = key.slice(0, -'EventAttributes'.length);
      return base.charAt(0).toUpperCase() + base.slice(1);
    }
  }
  return `Unknown(${event.eventType})`;
}

function eventAttributes(event) {
  for (const key of Object.keys(event)) {
    if (key.endsWith('EventAttributes') && event[key] != null) return event[key];
  }
  return undefined;
}

/** History event names in order, e.g. ['WorkflowExecutionStarted', 'WorkflowTaskScheduled', ...]. */
async function historyEventNames(handle) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map(eventName);
}

/** Poll history until an event named `name` appears; returns the event names at that point. */
async function waitForHistoryEvent(handle, name, opts = {}) {
  let names;
  await waitFor(`${name} in the history of ${handle.workflowId}`, async () => {
    names = await historyEventNames(handle);
    return names.includes(name);
  }, opts);
  return names;
}

/**
 * Await `promiseOrFn` (a promise or a function returning one) and return the error it rejects with;
 * throws an AssertionError if it resolves. `what` names the operation in that message.
 */
async function captureError(what, promiseOrFn) {
  let value;
  try {
    value = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    return err;
  }
  const assert = require('node:assert/strict');
  assert.fail(`${what} should have failed but returned ${JSON.stringify(value)}`);
}

/** The chain err, err.cause, err.cause.cause... as "Name: message" lines, for assertion messages. */
function describeErrorChain(err) {
  const lines = [];
  for (let e = err, i = 0; e && i < 10; e = e.cause, i++) lines.push(`${'  '.repeat(i)}${e.name}: ${e.message}`);
  return lines.join('\n');
}

/** True when $STEAD_BIN is Stead's own binary (rather than the real `temporal` CLI). */
function isStead() {
  return /(^|\/)stead$/.test(process.env.STEAD_BIN || '');
}

/**
 * One server, client connection and native (worker) connection shared by the tests of a
 * `describe` block: registers before/after hooks and returns an object whose fields are filled in
 * by `before`. `ctx.test(name, fn)` declares a test whose failure message carries the server's
 * output. Options: startServer options (e.g. extraArgs), `timeoutMs` per test, and
 * `workers: false` to skip the native connection and workflow bundle (client-only tests), and
 * `retries: false` for a client connection on which the SDK does not retry failed calls.
 */
function useSharedServer({ timeoutMs = 30_000, workers = true, retries = true, ...serverOptions } = {}) {
  const { it, before, after } = require('node:test');
  const ctx = {
    server: undefined,
    connection: undefined,
    client: undefined,
    nativeConnection: undefined,
    test(name, fn, options = {}) {
      it(name, { timeout: timeoutMs, ...options }, () =>
        withServerOutput(ctx.server, async () => {
          // Fail fast (rather than time out) once the shared server has died.
          if (ctx.server?.exited) throw new Error(ctx.server.describeFailure('the shared server is not running'));
          return await fn();
        })
      );
    },
  };
  before(async () => {
    ctx.server = await startServer(serverOptions);
    ({ connection: ctx.connection, client: ctx.client } = await connectClient(ctx.server, { retries }));
    if (workers) {
      ctx.nativeConnection = await connectNative(ctx.server);
      await workflowBundle();
    }
  });
  after(async () => {
    await ctx.nativeConnection?.close().catch(() => {});
    await ctx.connection?.close().catch(() => {});
    await ctx.server?.stopCleanly();
  });
  return ctx;
}

module.exports = {
  NAMESPACE,
  WORKFLOWS_PATH,
  steadBin,
  freePort,
  sleep,
  sleepUnref,
  uid,
  uniqueTaskQueue,
  uniqueWorkflowId,
  tempDir,
  createGate,
  waitFor,
  ServerProcess,
  startServer,
  connectClient,
  connectNative,
  withServerOutput,
  installRuntime,
  workflowBundle,
  createWorker,
  runWorker,
  eventName,
  eventAttributes,
  historyEventNames,
  waitForHistoryEvent,
  captureError,
  describeErrorChain,
  isStead,
  useSharedServer,
};
