'use strict';
// The C++ SDK peers (tests/interop/cpp) for cpp_worker.test.js and cpp_client.test.js.
//
// Their paths come from $INTEROP_CPP_WORKER and $INTEROP_CPP_CLIENT (ctest sets both). Values
// cross their command lines as JSON, with {"$bytes": "<hex>"} for raw bytes (see
// tests/interop/cpp/interop_json.h); toCppJson/fromCppJson convert.

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');

const { ApplicationFailure } = require('@temporalio/common');

const READY_TIMEOUT_MS = 20_000;

function peerBin(envName) {
  const bin = process.env[envName];
  if (!bin) {
    throw new Error(
      `${envName} is not set: point it at the C++ peer built from tests/interop/cpp, e.g. ` +
        `${envName}=$PWD/build/bin/${envName === 'INTEROP_CPP_WORKER' ? 'interop_cpp_worker' : 'interop_cpp_client'}`
    );
  }
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch (err) {
    throw new Error(`${envName}=${bin} is not an executable file: ${err.message}`);
  }
  return bin;
}

function toHex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

/** A JS value -> the peers' JSON (Uint8Array -> {$bytes}), recursively. */
function toCppJson(value) {
  if (value instanceof Uint8Array) return { $bytes: toHex(value) };
  if (Array.isArray(value)) return value.map(toCppJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCppJson(v)]));
  }
  return value === undefined ? null : value;
}

/** The peers' JSON -> a JS value ({$bytes} -> Uint8Array), recursively. */
function fromCppJson(value) {
  if (Array.isArray(value)) return value.map(fromCppJson);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$bytes') return new Uint8Array(Buffer.from(value.$bytes, 'hex'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCppJson(v)]));
  }
  return value;
}

/** spec { type, message, details, cause } -> a non-retryable ApplicationFailure chain (activities). */
function failureFromSpec(spec) {
  if (!spec) return undefined;
  return ApplicationFailure.create({
    type: spec.type,
    message: spec.message,
    details: spec.details ?? [],
    nonRetryable: true,
    cause: failureFromSpec(spec.cause),
  });
}

/** A running interop_cpp_worker. Create with startCppWorker(). */
class CppWorker {
  constructor(address, taskQueue) {
    this.args = ['--address', address, '--task-queue', taskQueue];
    this.output = '';
    this.exited = null;
    this.child = spawn(peerBin('INTEROP_CPP_WORKER'), this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve((this.exited = { code, signal })));
      this.child.once('error', (err) => resolve((this.exited = { code: null, signal: null, error: err })));
    });
    this.child.stdout.on('data', (chunk) => (this.output += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk) => (this.output += chunk.toString('utf8')));
  }

  describeFailure(message) {
    const status = this.exited ? `exited with ${JSON.stringify(this.exited)}` : 'still running';
    return `${message}\n  interop_cpp_worker ${this.args.join(' ')} ${status}\n--- worker output ---\n${this.output || '(none)'}\n---`;
  }

  /** Resolves once the worker printed "ready" (it is polling); rejects if it exits first. */
  async waitUntilReady(timeoutMs = READY_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (!/^ready$/m.test(this.output)) {
      if (this.exited) throw new Error(this.describeFailure('interop_cpp_worker exited before it was ready'));
      if (Date.now() > deadline) throw new Error(this.describeFailure(`interop_cpp_worker not ready after ${timeoutMs} ms`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM: the worker shuts down gracefully and exits 0. Returns { code, signal }. */
  async stop(timeoutMs = 10_000) {
    if (this.exited) return this.exited;
    this.child.kill('SIGTERM');
    const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    if ((await Promise.race([this.exitPromise, timer])) === 'timeout') this.child.kill('SIGKILL');
    return await this.exitPromise;
  }
}

async function startCppWorker(server, taskQueue) {
  const worker = new CppWorker(typeof server === 'string' ? server : server.address, taskQueue);
  try {
    await worker.waitUntilReady();
  } catch (err) {
    await worker.stop();
    throw err;
  }
  return worker;
}

/**
 * Runs `interop_cpp_client --address A <command> [--opt value]...` and returns its parsed outcome:
 * { result } (values converted with fromCppJson where they are { encoding, value }) or { error }.
 * `options.args` (JS values) become --args JSON.
 */
function runCppClient(server, command, { args, ...options } = {}) {
  const argv = ['--address', typeof server === 'string' ? server : server.address, command];
  for (const [key, value] of Object.entries(options)) argv.push(`--${key}`, String(value));
  if (args !== undefined) argv.push('--args', JSON.stringify(toCppJson(args)));
  return new Promise((resolve, reject) => {
    execFile(peerBin('INTEROP_CPP_CLIENT'), argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      const line = `interop_cpp_client ${argv.join(' ')}`;
      if (err) return reject(new Error(`${line} failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout));
      } catch (parseErr) {
        reject(new Error(`${line}: unparsable output ${JSON.stringify(stdout)} (${parseErr.message})\n${stderr}`));
      }
    });
  });
}

module.exports = { toHex, toCppJson, fromCppJson, failureFromSpec, CppWorker, startCppWorker, runCppClient };
