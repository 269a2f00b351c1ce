'use strict';
// `stead server start-dev --metrics-port N`: Prometheus metrics at http://127.0.0.1:N/metrics,
// counting what the official TypeScript SDK's client did; other paths and methods refused.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { WorkflowNotFoundError } = require('@temporalio/client');

const h = require('../lib/harness');

/** The value of the sample `series` (name and labels as rendered) in `text`, or undefined. */
function sample(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoint of stead server start-dev', () => {
  let server;
  let connection;
  let client;
  let metricsUrl;

  before(async () => {
    const metricsPort = await h.freePort();
    server = await h.startServer({ extraArgs: ['--metrics-port', String(metricsPort)] });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    ({ connection, client } = await h.connectClient(server));
  });

  after(async () => {
    await connection?.close().catch(() => {});
    await server?.stopCleanly();
  });

  it('counts the client calls by method and status code', { timeout: 30_000 }, async () => {
    const taskQueue = h.uniqueTaskQueue('metrics');
    for (let i = 0; i < 2; i++) {
      await client.workflow.start('nobodyRunsThis', { taskQueue, workflowId: h.uniqueWorkflowId('metrics') });
    }
    await assert.rejects(client.workflow.getHandle('no-such-workflow').describe(), WorkflowNotFoundError);

    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.equal(sample(text, 'stead_rpc_requests_total{method="StartWorkflowExecution",code="OK"}'), 2, text);
    assert.equal(sample(text, 'stead_rpc_requests_total{method="DescribeWorkflowExecution",code="NOT_FOUND"}'), 1, text);
    assert.equal(sample(text, 'stead_rpc_duration_seconds_count{method="StartWorkflowExecution"}'), 2, text);
    assert.match(text, /^# TYPE stead_rpc_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE stead_long_polls_waiting gauge$/m);
  });

  it('refuses other paths and methods', async () => {
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/other'))).status, 404);
    const post = await fetch(metricsUrl, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
  });

  it('prints the endpoint in its banner', () => {
    assert.match(server.output, new RegExp(`Metrics: +${metricsUrl.replace(/[.]/g, '\\.')}`));
  });
});
