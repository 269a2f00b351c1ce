'use strict';
// Workflow throughput and latency of a Temporal-compatible dev server, driven by ONE worker of the
// official TypeScript SDK (the SDK from tests/interop/ts/node_modules).
//
//   node bench/throughput.js --bin PATH [--db] [--label NAME] [--runs 1] [--first-run 1]
//        [--workflows 500] [--concurrency 50] [--seq-workflows 100] [--seq-activities 10]
//        [--warmup 20] [--max-load 1.5] [--load-wait 600] [--load-poll 30]
//        [--scenarios one-activity,sequential-activities]
//   node bench/throughput.js --address HOST:PORT [--server-pid PID] [options]
//        (drive a server that is already running, e.g. under perf or strace; --db is then only a label)
//   node bench/throughput.js --summarize FILE...     (median table from the JSON lines of runs)
//
// One run: wait until the 1-minute load average is at most --max-load (polling every 30 s, for at
// most --load-wait seconds, then go on and say so), start `PATH server start-dev` on a free port
// (in memory, or with --db-filename in a fresh temporary directory), start one Worker (workflows
// bundled once per process), then for each scenario run --warmup workflows (not measured) followed
// by the measured ones. Workflows are driven closed-loop: --concurrency slots, each starting a
// workflow and awaiting its result before starting the next, so at most --concurrency workflows
// are in flight. Latency is per workflow, from just before the StartWorkflowExecution call to the
// result (the client's long poll on the history) having arrived.
//
// Scenarios:
//   one-activity           --workflows workflows, each calling one activity.
//   sequential-activities  --seq-workflows workflows, each calling --seq-activities activities
//                          one after the other.
//
// Output: one summary line per scenario and run on stdout, each followed by a JSON line (starting
// with `{"bench":"throughput"`); with --runs > 1, also the median run of each scenario (by
// throughput) as a summary line and a JSON line with "median": true. Progress goes to stderr.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TS_DIR = path.join(__dirname, '../tests/interop/ts');
const TS_MODULES = path.join(TS_DIR, 'node_modules');
const harness = require(path.join(TS_DIR, 'lib/harness.js'));
const { Client, Connection } = require(path.join(TS_MODULES, '@temporalio/client'));

const WORKFLOWS_PATH = path.join(__dirname, 'workflows.js');
const SCENARIOS = ['one-activity', 'sequential-activities'];
const RESULT_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = {
    bin: undefined,
    address: undefined,
    serverPid: undefined,
    db: false,
    label: undefined,
    runs: 1,
    firstRun: 1,
    workflows: 500,
    concurrency: 50,
    seqWorkflows: 100,
    seqActivities: 10,
    warmup: 20,
    maxLoad: 1.5,
    loadWait: 600,
    loadPoll: 30,
    scenarios: SCENARIOS.slice(),
    summarize: null,
  };
  const num = (k, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} wants a non-negative number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} wants a value`);
      return argv[++i];
    };
    switch (a) {
      case '--bin': o.bin = val(); break;
      case '--address': o.address = val(); break;
      case '--server-pid': o.serverPid = num('server-pid', val()); break;
      case '--db': o.db = true; break;
      case '--label': o.label = val(); break;
      case '--runs': o.runs = num('runs', val()); break;
      case '--first-run': o.firstRun = num('first-run', val()); break;
      case '--workflows': o.workflows = num('workflows', val()); break;
      case '--concurrency': o.concurrency = Math.max(1, num('concurrency', val())); break;
      case '--seq-workflows': o.seqWorkflows = num('seq-workflows', val()); break;
      case '--seq-activities': o.seqActivities = num('seq-activities', val()); break;
      case '--warmup': o.warmup = num('warmup', val()); break;
      case '--max-load': o.maxLoad = num('max-load', val()); break;
      case '--load-wait': o.loadWait = num('load-wait', val()); break;
      case '--load-poll': o.loadPoll = Math.max(1, num('load-poll', val())); break;
      case '--scenarios':
        o.scenarios = val().split(',').filter(Boolean);
        for (const s of o.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
        break;
      case '--summarize': o.summarize = argv.slice(i + 1); i = argv.length; break;
      case '-h':
      case '--help':
        {
          const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
          const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
          process.stdout.write(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
        }
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (!o.summarize && o.address) {
    o.label = o.label || o.address;
  } else if (!o.summarize) {
    if (!o.bin) throw new Error('--bin PATH or --address HOST:PORT is required');
    o.bin = path.resolve(o.bin);
    fs.accessSync(o.bin, fs.constants.X_OK);
    o.label = o.label || path.basename(o.bin);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowNs = () => process.hrtime.bigint();
const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const log = (msg) => process.stderr.write(`[throughput ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

let clockTicks;
/** User+system CPU time (ms) of process `pid` so far, from /proc; NaN when unavailable. */
function processCpuMs(pid) {
  try {
    if (clockTicks === undefined) clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks; // utime, stime
  } catch {
    return NaN;
  }
}

/** Peak resident set size (MiB) of process `pid`, from /proc; NaN when unavailable. */
function processPeakRssMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** Wait (polling) until the 1-minute load average is at most maxLoad, or give up after waitS. */
async function waitForLoad({ maxLoad, loadWait, loadPoll }) {
  const t0 = Date.now();
  let l = loadavg();
  while (l[0] > maxLoad) {
    const waited = (Date.now() - t0) / 1000;
    if (waited >= loadWait) {
      log(`load ${l.join(' ')} still above ${maxLoad} after ${Math.round(waited)} s; measuring anyway`);
      return { loadBefore: l, loadWaitS: Math.round(waited), loadGaveUp: true };
    }
    log(`load ${l.join(' ')} above ${maxLoad}; waiting ${loadPoll} s (${Math.round(waited)} s so far)`);
    await sleep(loadPoll * 1000);
    l = loadavg();
  }
  return { loadBefore: l, loadWaitS: Math.round((Date.now() - t0) / 1000), loadGaveUp: false };
}

/** Run fn(i) for i in [0, n) with at most `concurrency` calls pending at once. */
async function closedLoop(n, concurrency, fn) {
  let next = 0;
  const slot = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, slot));
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// The worker

let bundlePromise;
function benchBundle() {
  if (!bundlePromise) {
    harness.installRuntime();
    const { bundleWorkflowCode } = require(path.join(TS_MODULES, '@temporalio/worker'));
    bundlePromise = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      // bench/ has no node_modules of its own: resolve @temporalio/workflow from the interop tests'.
      webpackConfigHook: (config) => {
        config.resolve = config.resolve || {};
        config.resolve.modules = [TS_MODULES, ...(config.resolve.modules || ['node_modules'])];
        return config;
      },
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
  }
  return bundlePromise;
}

const activities = {
  async greet(name) {
    return `Hello, ${name}!`;
  },
  async step(n) {
    return n + 1;
  },
};

// ---------------------------------------------------------------------------------------------
// One scenario

function scenarioSpec(name, o) {
  if (name === 'one-activity') {
    return {
      name,
      workflowType: 'greetWorkflow',
      count: o.workflows,
      activitiesPerWorkflow: 1,
      args: (id) => [id],
      expected: (id) => `Hello, ${id}!`,
    };
  }
  return {
    name,
    workflowType: 'sequentialActivitiesWorkflow',
    count: o.seqWorkflows,
    activitiesPerWorkflow: o.seqActivities,
    args: () => [o.seqActivities],
    expected: () => o.seqActivities,
  };
}

/** Run `count` workflows of `spec` closed-loop; returns per-workflow latencies (ms) and errors. */
async function drive(client, taskQueue, spec, count, concurrency, idPrefix) {
  const latencies = [];
  const errors = [];
  const t0 = nowNs();
  await closedLoop(count, concurrency, async (i) => {
    const workflowId = `${idPrefix}-${i}`;
    const start = nowNs();
    try {
      const handle = await client.workflow.start(spec.workflowType, {
        taskQueue,
        workflowId,
        args: spec.args(workflowId),
      });
      const result = await withTimeout(handle.result(), RESULT_TIMEOUT_MS, workflowId);
      const ms = msSince(start);
      const want = spec.expected(workflowId);
      if (result !== want) throw new Error(`${workflowId} returned ${JSON.stringify(result)}, expected ${JSON.stringify(want)}`);
      latencies.push(ms);
    } catch (err) {
      errors.push(`${err.name}: ${err.message}${err.cause ? ` (cause: ${err.cause.message})` : ''}`);
    }
  });
  return { wallMs: msSince(t0), latencies, errors };
}

function summaryLine(r) {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const rate =
    r.activitiesPerWorkflow > 1
      ? `${f(r.activitiesPerSec)} activities/s (${f(r.workflowsPerSec)} workflows/s)`
      : `${f(r.workflowsPerSec)} workflows/s`;
  return (
    `${r.median ? 'MEDIAN ' : ''}${r.label} [${r.mode}] ${r.scenario}` +
    `${r.median ? ` (median of ${r.runsInMedian} runs by throughput: run ${r.run})` : ` run ${r.run}`}: ` +
    `${r.completed}/${r.workflows} workflows x ${r.activitiesPerWorkflow} activities, ${r.concurrency} in flight, ` +
    `wall ${f(r.wallMs / 1000, 2)} s, ${rate}, latency p50 ${f(r.latencyMs.p50)} ms p90 ${f(r.latencyMs.p90)} ms ` +
    `p99 ${f(r.latencyMs.p99)} ms, errors ${r.errors}; server CPU ${f(r.serverCpuMs / 1000, 2)} s, ` +
    `client+worker CPU ${f(r.clientCpuMs / 1000, 2)} s; load ${r.loadBefore.join(' ')} -> ${r.loadAfter.join(' ')}` +
    `${r.loadGaveUp ? ' (load never dropped below the limit)' : ''}`
  );
}

/** Stand-in for harness.ServerProcess when --address names a server we did not start. */
function externalServer(address, pid) {
  return {
    address,
    pid,
    output: '',
    outputTail: () => '(server not started by this script)',
    stop: async () => ({ code: 0, signal: null }),
  };
}

// ---------------------------------------------------------------------------------------------
// One run: a fresh server, one worker, every scenario.

async function oneRun(o, run) {
  const loadInfo = await waitForLoad(o);
  const dir = o.db && !o.address ? harness.tempDir('stead-bench-') : null;
  const dbFilename = dir ? path.join(dir.dir, 'bench.db') : undefined;
  let server;
  if (o.address) {
    log(`run ${run}: using the server at ${o.address}; load ${loadInfo.loadBefore.join(' ')}`);
    server = externalServer(o.address, o.serverPid);
  } else {
    process.env.STEAD_BIN = o.bin;
    log(`run ${run}: starting ${o.bin} (${o.db ? `db ${dbFilename}` : 'in-memory'}); load ${loadInfo.loadBefore.join(' ')}`);
    server = await harness.startServer({ dbFilename, readyTimeoutMs: 60_000 });
  }
  const results = [];
  let connection;
  let nativeConnection;
  try {
    connection = await Connection.connect({ address: server.address, connectTimeout: 5000 });
    const client = new Client({ connection, namespace: harness.NAMESPACE });
    nativeConnection = await harness.connectNative(server);
    const { Worker } = require(path.join(TS_MODULES, '@temporalio/worker'));
    const taskQueue = `bench-${harness.uid()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: harness.NAMESPACE,
      taskQueue,
      workflowBundle: await benchBundle(),
      activities,
      shutdownGraceTime: '2s',
    });
    const workerRun = worker.run();
    let workerError;
    workerRun.catch((err) => {
      workerError = err;
    });
    try {
      for (const name of o.scenarios) {
        const spec = scenarioSpec(name, o);
        const prefix = `bench-${name}-${harness.uid()}`;
        if (o.warmup > 0) {
          const w = await drive(client, taskQueue, spec, o.warmup, o.concurrency, `${prefix}-warmup`);
          if (w.errors.length) log(`warm-up of ${name}: ${w.errors.length} errors, first: ${w.errors[0]}`);
        }
        if (workerError) throw workerError;
        const loadBefore = loadavg();
        const serverCpu0 = processCpuMs(server.pid);
        const clientCpu0 = process.cpuUsage();
        const d = await drive(client, taskQueue, spec, spec.count, o.concurrency, prefix);
        const clientCpu = process.cpuUsage(clientCpu0);
        const serverCpuMs = processCpuMs(server.pid) - serverCpu0;
        const sorted = d.latencies.slice().sort((a, b) => a - b);
        const completed = d.latencies.length;
        const r = {
          bench: 'throughput',
          label: o.label,
          bin: o.bin || o.address,
          mode: o.db ? 'db' : 'memory',
          scenario: name,
          run,
          workflows: spec.count,
          activitiesPerWorkflow: spec.activitiesPerWorkflow,
          concurrency: o.concurrency,
          warmup: o.warmup,
          completed,
          errors: d.errors.length,
          firstErrors: d.errors.slice(0, 3),
          wallMs: Math.round(d.wallMs * 10) / 10,
          workflowsPerSec: Math.round((completed / (d.wallMs / 1000)) * 10) / 10,
          activitiesPerSec: Math.round(((completed * spec.activitiesPerWorkflow) / (d.wallMs / 1000)) * 10) / 10,
          latencyMs: {
            p50: Math.round(percentile(sorted, 50) * 10) / 10,
            p90: Math.round(percentile(sorted, 90) * 10) / 10,
            p99: Math.round(percentile(sorted, 99) * 10) / 10,
            max: Math.round(percentile(sorted, 100) * 10) / 10,
          },
          serverCpuMs: Math.round(serverCpuMs),
          serverPeakRssMiB: processPeakRssMiB(server.pid),
          clientCpuMs: Math.round((clientCpu.user + clientCpu.system) / 1000),
          loadBeforeRun: loadInfo.loadBefore,
          loadWaitS: loadInfo.loadWaitS,
          loadGaveUp: loadInfo.loadGaveUp,
          loadBefore,
          loadAfter: loadavg(),
          time: new Date().toISOString(),
        };
        if (d.errors.length) log(`${name}: ${d.errors.length} errors, first: ${d.errors[0]}`);
        console.log(summaryLine(r));
        console.log(JSON.stringify(r));
        results.push(r);
      }
    } finally {
      worker.shutdown();
      await workerRun.catch(() => {});
    }
  } catch (err) {
    throw new Error(`${err.message}\n--- server output ---\n${server.outputTail()}`);
  } finally {
    await nativeConnection?.close().catch(() => {});
    await connection?.close().catch(() => {});
    const exit = await server.stop();
    if (exit.signal === 'SIGKILL') log(`server needed SIGKILL to stop`);
    if (results.some((r) => r.errors) || results.length < o.scenarios.length) log(`server output:\n${server.outputTail(4000)}`);
    dir?.cleanup();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Medians

/** Group results by label/mode/scenario and pick the median run (by throughput) of each. */
function medians(results) {
  const groups = new Map();
  for (const r of results) {
    if (r.median) continue;
    const key = `${r.label}\u0000${r.mode}\u0000${r.scenario}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const out = [];
  for (const rs of groups.values()) {
    const rate = (r) => (r.activitiesPerWorkflow > 1 ? r.activitiesPerSec : r.workflowsPerSec);
    const sorted = rs.slice().sort((a, b) => rate(a) - rate(b));
    const m = sorted[Math.floor((sorted.length - 1) / 2)];
    out.push({ ...m, median: true, runsInMedian: rs.length, allRates: rs.map(rate), allErrors: rs.map((r) => r.errors) });
  }
  return out;
}

function markdownTable(meds) {
  const lines = [
    '| server | store | scenario | workflows | wall | throughput | latency p50 / p90 / p99 | errors | server CPU | load 1/5/15 min (before run) | runs (throughput) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of meds) {
    const rate =
      r.activitiesPerWorkflow > 1
        ? `**${r.activitiesPerSec.toFixed(0)} activities/s** (${r.workflowsPerSec.toFixed(1)} wf/s)`
        : `**${r.workflowsPerSec.toFixed(1)} wf/s**`;
    lines.push(
      `| ${r.label} | ${r.mode === 'db' ? '`--db-filename`' : 'in-memory'} | ${r.scenario} | ` +
        `${r.workflows} x ${r.activitiesPerWorkflow} act. | ${(r.wallMs / 1000).toFixed(2)} s | ${rate} | ` +
        `${r.latencyMs.p50.toFixed(0)} / ${r.latencyMs.p90.toFixed(0)} / ${r.latencyMs.p99.toFixed(0)} ms | ` +
        `${r.allErrors.join(', ')} | ${(r.serverCpuMs / 1000).toFixed(1)} s | ${r.loadBeforeRun.join(' ')}` +
        `${r.loadGaveUp ? ' (gave up waiting)' : ''} | ${r.allRates.map((x) => x.toFixed(0)).join(', ')} |`
    );
  }
  return lines.join('\n');
}

function readResults(files) {
  const out = [];
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.startsWith('{"bench":"throughput"')) continue;
      out.push(JSON.parse(line));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.summarize) {
    const meds = medians(readResults(o.summarize));
    for (const m of meds) console.log(summaryLine(m));
    console.log('');
    console.log(markdownTable(meds));
    return;
  }
  await benchBundle();
  const all = [];
  for (let run = o.firstRun; run < o.firstRun + o.runs; run++) all.push(...(await oneRun(o, run)));
  if (o.runs > 1) {
    for (const m of medians(all)) {
      console.log(summaryLine(m));
      console.log(JSON.stringify(m));
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.stack || String(err));
    process.exit(1);
  }
);
