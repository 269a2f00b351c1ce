// Spawns the server N times on a free port and measures exec -> first successful GetSystemInfo.
const { spawn } = require('child_process');
const net = require('net');
const path = require('path');
const { Connection } = require(path.join(__dirname, '../tests/interop/ts/node_modules/@temporalio/client'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function once(bin) {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ['server', 'start-dev', '--port', String(port), '--headless', '--log-level', 'warn'],
                      { stdio: 'ignore' });
  // Wait for the port with plain TCP probes (gRPC clients back off a full second after a
  // refused connect, which would measure the client, not the server), then make the call.
  for (;;) {
    const open = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 1));
  }
  const conn = await Connection.connect({ address: `127.0.0.1:${port}` });
  await conn.workflowService.getSystemInfo({});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await conn.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return ms;
}

(async () => {
  const [bin, runs] = [process.argv[2], Number(process.argv[3])];
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(bin));
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(1);
  console.log(`${bin}: exec -> first GetSystemInfo answered, ${runs} runs: min ${q(0)} ms, median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(0.999)} ms`);
})();
