// Podman stopped and restarted while the gateway runs: the admin API keeps working, /r answers a clear
// 503 fast while the runtime is down, /readyz says so, and calls work again once Podman is back.
// Uses a private rootful API service on its own socket so the shared services stay untouched.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, type Client } from '../helpers/http.ts';
import { image } from '../helpers/podman.ts';

const test = suite('gateway with Podman going away');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-outage-'));
const sock = path.join(dir, 'podman.sock');
let service: ChildProcess | undefined;
let srv: TestServer;
let api: Client;

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startService() {
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${sock}`], { stdio: 'ignore' });
  await waitFor(() => fs.existsSync(sock), 60_000, 'the podman socket');
}

async function stopService() {
  const s = service;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once('exit', r));
  s.kill('SIGKILL');
  await exited;
  fs.rmSync(sock, { force: true });
}

test.before(async () => {
  await startService();
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${sock}`, PODFN_NODE_ID: `outage-${process.pid}` } });
  api = client(srv.url);
  const res = await api.post('/v1/apps/outage/routes', { route: { path: '/echo', image: image('echo'), timeout: 60 } });
  assert.is(res.status, 200, res.text);
});

test.after(async () => {
  await srv?.stop();
  await stopService();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('calls work, fail fast with 503 while Podman is down, and recover when it returns', async () => {
  const ok = await api.post('/r/outage/echo', 'before');
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'before');

  await stopService();
  // fast: a 503 from the failed connection, not a call held until the route's 60 s timeout (a 504)
  const t0 = Date.now();
  const down = await api.post('/r/outage/echo', 'during', { timeoutMs: 120_000 });
  expectError(down, 503);
  assert.ok(Date.now() - t0 < 60_000, `503 came in ${Date.now() - t0} ms`);
  const fast = Date.now();
  expectError(await api.post('/r/outage/echo', 'during', { timeoutMs: 120_000 }), 503);
  assert.ok(Date.now() - fast < 60_000, `later calls fail at once, not at the timeout (${Date.now() - fast} ms)`);
  const ready = await api.get('/readyz');
  assert.is(ready.status, 503);
  // the admin API does not depend on Podman
  assert.is((await api.get('/v1/apps/outage/routes/echo')).status, 200);
  assert.is((await api.post('/v1/apps/outage/routes', { route: { path: '/later', image: image('echo') } })).status, 200);

  await startService();
  await waitFor(async () => (await api.get('/readyz')).status === 200, 60_000, '/readyz to recover');
  const after = await api.post('/r/outage/later', 'after');
  assert.is(after.status, 200, after.text);
  assert.is(after.text, 'after');
});

test.run();
