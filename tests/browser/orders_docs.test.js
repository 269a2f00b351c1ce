// Browser test of the orders example: headless Debian Chromium (/usr/bin/chromium, driven by
// npm playwright-core; nothing is downloaded) opens the Swagger UI at /docs of a running
// orders_app, sees the orders endpoints, uses "Try it out" on POST /orders, and gets a
// workflow id back; the order then completes. A screenshot is kept as a test artifact.
//
//   ORDERS_APP_BIN  the orders_app executable (default ../../build/bin/orders_app)
//   ARTIFACT_DIR    where the screenshot goes (default ../../build/browser-artifacts)
//   CHROMIUM        the browser (default /usr/bin/chromium)
// Registered with ctest by examples/orders/CMakeLists.txt (label interop).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..', '..');
const appBin = process.env.ORDERS_APP_BIN || path.join(root, 'build', 'bin', 'orders_app');
const artifactDir = process.env.ARTIFACT_DIR || path.join(root, 'build', 'browser-artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

let app;
let baseUrl;
let browser;

// Starts orders_app on a free port; resolves with its base URL once it serves.
function startApp() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.TEMPORAL_ADDRESS;
    delete env.PROCESS_ORDER_URL;
    app = spawn(appBin, ['--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = [];
    app.stderr.on('data', (chunk) => stderr.push(chunk));
    app.on('error', reject);
    app.on('exit', (code) => reject(new Error(`orders_app exited (${code}) before serving:\n${Buffer.concat(stderr)}`)));
    readline.createInterface({ input: app.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    });
  });
}

async function orderStatus(workflowId, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await (await fetch(`${baseUrl}/orders/${workflowId}`)).json();
    if (doc.status !== 'RUNNING' || Date.now() > deadline) return doc;
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  assert.ok(fs.existsSync(appBin), `no orders_app at ${appBin} (build it: scripts/build orders_app)`);
  assert.ok(fs.existsSync(chromiumPath), `no browser at ${chromiumPath} (scripts/bootstrap installs Debian's chromium)`);
  baseUrl = await startApp();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (app && app.exitCode === null) {
    const exited = new Promise((r) => app.once('exit', r));
    app.removeAllListeners('exit');
    app.kill('SIGTERM');
    await exited;
  }
});

test('Swagger UI lists the orders endpoints and places an order with "Try it out"', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const failed = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  await page.goto(`${baseUrl}/docs`);

  // The orders endpoints, as Swagger UI renders them from /openapi.json.
  await page.waitForSelector('#operations-orders-create_order', { timeout: 20000 });
  const paths = await page.locator('.opblock-summary-path').allInnerTexts();
  const normalized = paths.map((p) => p.replace(/\u200b/g, '').trim());
  for (const p of ['/orders', '/orders/{workflow_id}', '/orders/{workflow_id}/cancel']) {
    assert.ok(normalized.includes(p), `Swagger UI shows ${p} (saw ${normalized.join(', ')})`);
  }

  // POST /orders: open it, Try it out, type the body, Execute.
  const op = page.locator('#operations-orders-create_order');
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  const body = op.locator('textarea.body-param__text');
  await body.fill(JSON.stringify({ order_id: 'browser-1' }, null, 2));
  await op.locator('button.execute').click();

  // The live response: 201 with the workflow id.
  const live = op.locator('.live-responses-table .response');
  await live.first().waitFor({ timeout: 20000 });
  const status = (await live.locator('.response-col_status').first().innerText()).trim();
  assert.equal(status, '201');
  const responseText = await live.locator('.response-col_description pre').first().innerText();
  const created = JSON.parse(responseText);
  assert.equal(created.workflow_id, 'order-browser-1');
  assert.ok(created.run_id, 'a run id');

  fs.mkdirSync(artifactDir, { recursive: true });
  const shot = path.join(artifactDir, 'orders-docs-try-it-out.png');
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 10000, 'a screenshot was written');
  assert.deepEqual(failed, [], 'every asset of /docs loaded (no CDN)');

  // The order the browser placed completes.
  const doc = await orderStatus('order-browser-1');
  assert.equal(doc.status, 'COMPLETED', JSON.stringify(doc));
  assert.match(doc.result.fulfilment_id, /^F-/);
});
