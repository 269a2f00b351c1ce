'use strict';
// Interop tests TS1-TS4: the SDK's time-skipping test environment on Stead.
// TestWorkflowEnvironment.createTimeSkipping() with an `existing-path` executable has the SDK's
// core launch `PATH <port>` (as it launches Temporal's Java test server) and talk to its
// TestService (LockTimeSkipping, UnlockTimeSkipping, UnlockTimeSkippingWithSleep,
// GetCurrentTime) on the same port. PATH is build/bin/stead-test-server, the link next to
// $STEAD_BIN. Time skipping starts locked; the SDK's client unlocks it while it awaits a workflow
// result and env.sleep() unlocks it for one skip. Only virtual (server) times are asserted.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const h = require('../lib/harness');

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** argv of every live child process of this process (Linux /proc). */
function childCommandLines() {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[1]);
      if (ppid !== process.pid) continue;
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      found.push({ pid: Number(entry), argv });
    } catch {
      // The process exited meanwhile.
    }
  }
  return found;
}

/** build/bin/stead-test-server: the link next to $STEAD_BIN. */
function testServerPath() {
  const p = path.join(path.dirname(h.steadBin()), 'stead-test-server');
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch (err) {
    throw new Error(`${p} (next to STEAD_BIN) is not an executable file: ${err.message}`);
  }
  return p;
}

// The real `temporal` CLI (the reference for the other files) has no time-skipping test server.
const skip = process.env.STEAD_BIN && !h.isStead() ? `STEAD_BIN=${process.env.STEAD_BIN} is not Stead` : false;

describe('time-skipping TestWorkflowEnvironment', { timeout: 120_000, skip }, () => {
  let env;
  let serverPath;
  let launched; // children of this process that appeared while the environment was created

  before(async () => {
    serverPath = testServerPath();
    h.installRuntime();
    const { TestWorkflowEnvironment } = require('@temporalio/testing');
    const bundlePromise = h.workflowBundle();
    const beforePids = new Set(childCommandLines().map((c) => c.pid));
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: serverPath } },
    });
    launched = childCommandLines().filter((c) => !beforePids.has(c.pid));
    await bundlePromise;
  });

  after(async () => {
    await env?.teardown();
  });

  it('TS1. the SDK launched `stead-test-server <port>` and serves the TestService', async () => {
    assert.equal(env.supportsTimeSkipping, true);
    const servers = launched.filter((c) => c.argv[0] && path.basename(c.argv[0]) === 'stead-test-server');
    assert.equal(servers.length, 1, `expected one child running ${serverPath}, found ${JSON.stringify(launched)}`);
    const { argv } = servers[0];
    const port = env.address.slice(env.address.lastIndexOf(':') + 1);
    assert.match(port, /^\d+$/, `address ${env.address}`);
    assert.deepEqual(argv, [serverPath, port], `command line: ${argv.join(' ')}`);
    assert.equal(fs.realpathSync(argv[0]), fs.realpathSync(h.steadBin()));
    // GetCurrentTime answers with a time that does not go backwards.
    const t0 = await env.currentTimeMs();
    const t1 = await env.currentTimeMs();
    assert.ok(Number.isFinite(t0) && t0 > 0, `currentTimeMs ${t0}`);
    assert.ok(t1 >= t0, `currentTimeMs went back: ${t0} -> ${t1}`);
  });

  it('TS2. a workflow sleeps one day, then takes an update and a signal', async () => {
    const taskQueue = h.uniqueTaskQueue('timeskip');
    const workflowId = h.uniqueWorkflowId('timeskip');
    const startedAt = await env.currentTimeMs();
    const { result, description } = await h.runWorker(
      { connection: env.nativeConnection, taskQueue },
      async () => {
        const handle = await env.client.workflow.start('timeSkippingWorkflow', { taskQueue, workflowId });
        // result() unlocks time skipping while it waits, so the one-day timer fires at once.
        const resultPromise = handle.result();
        resultPromise.catch(() => {}); // awaited below; do not let an early failure go unhandled
        await h.waitFor('the workflow to finish its one-day sleep', async () =>
          (await handle.query('tsPhase')) === 'waiting', { timeoutMs: 30_000 });
        const updateResult = await handle.executeUpdate('tsUpdate', { args: ['u1'] });
        assert.match(updateResult, /^update u1 after \d+ ms$/);
        await handle.signal('tsSignal', 's1');
        const result = await resultPromise;
        return { result, description: await handle.describe() };
      }
    );
    const endedAt = await env.currentTimeMs();
    assert.equal(description.status.name, 'COMPLETED');
    assert.ok(result.sleptMs >= DAY_MS, `the workflow slept ${result.sleptMs} ms of workflow time`);
    assert.equal(result.update.value, 'u1');
    assert.equal(result.update.phase, 'waiting');
    assert.ok(result.update.atMs >= DAY_MS, `update seen at ${result.update.atMs} ms`);
    assert.equal(result.signal.value, 's1');
    assert.equal(result.signal.phase, 'waiting');
    assert.ok(result.signal.atMs >= DAY_MS, `signal seen at ${result.signal.atMs} ms`);
    assert.ok(result.elapsedMs >= result.sleptMs);
    assert.ok(endedAt - startedAt >= DAY_MS, `env.currentTimeMs advanced by ${endedAt - startedAt} ms`);
    // The workflow's own clock and the server's agree: its start and close are a day apart.
    const closeMs = description.closeTime.getTime();
    const startMs = description.startTime.getTime();
    assert.ok(closeMs - startMs >= DAY_MS, `start ${description.startTime.toISOString()} close ${description.closeTime.toISOString()}`);
  });

  it('TS3. env.sleep("2 days") skips two days of server time', async () => {
    const startedAt = await env.currentTimeMs();
    await env.sleep('2 days');
    const endedAt = await env.currentTimeMs();
    assert.ok(endedAt - startedAt >= 2 * DAY_MS, `env.currentTimeMs advanced by ${endedAt - startedAt} ms`);
    // A skip to the requested time, not beyond it (the margin is an hour of virtual time).
    assert.ok(endedAt - startedAt < 2 * DAY_MS + HOUR_MS, `env.currentTimeMs advanced by ${endedAt - startedAt} ms`);
  });

  it('TS4. an activity that fails twice with hours of backoff completes on its third attempt', async () => {
    const { Context } = require('@temporalio/activity');
    const taskQueue = h.uniqueTaskQueue('timeskip-backoff');
    const workflowId = h.uniqueWorkflowId('timeskip-backoff');
    const attempts = [];
    const activities = {
      async tsFlaky() {
        const { attempt, currentAttemptScheduledTimestampMs } = Context.current().info;
        attempts.push({ attempt, scheduledMs: currentAttemptScheduledTimestampMs });
        if (attempt < 3) throw new Error(`attempt ${attempt} fails on purpose`);
        return `succeeded on attempt ${attempt}`;
      },
    };
    const result = await h.runWorker({ connection: env.nativeConnection, taskQueue, activities }, async () => {
      const handle = await env.client.workflow.start('backoffWorkflow', { taskQueue, workflowId });
      return await handle.result();
    });
    assert.equal(result.result, 'succeeded on attempt 3');
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3]);
    // Backoff 2 h, then 4 h (initialInterval 2 h, coefficient 2), in server time.
    const gap1 = attempts[1].scheduledMs - attempts[0].scheduledMs;
    const gap2 = attempts[2].scheduledMs - attempts[1].scheduledMs;
    assert.ok(gap1 >= 2 * HOUR_MS, `attempt 2 scheduled ${gap1} ms after attempt 1`);
    assert.ok(gap2 >= 4 * HOUR_MS, `attempt 3 scheduled ${gap2} ms after attempt 2`);
    assert.ok(result.elapsedMs >= 6 * HOUR_MS, `the workflow saw ${result.elapsedMs} ms pass`);
  });
});
