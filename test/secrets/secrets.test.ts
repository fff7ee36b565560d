// Secrets end to end, against a real gateway process and real Podman (rootless by default; the suite
// follows PODFN_CONTAINER_HOST, so CI's rootful pass runs it rootful): a cold function (the busybox
// image) and a hot one (secret-file, http format) read /run/secrets/<name>; the value is nowhere else:
// not in `podman inspect` (libpod's inspect API), the environment, the database file or its -wal, any
// admin API answer, the server's log output or /metrics. Replacing a secret reaches the next call on
// new containers; a secret a route lists cannot be deleted; the secret folders go with the containers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';
import { image, testNodeId, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';

const socket = testSocketPath();
const APP = `sec${randomBytes(3).toString('hex')}`;
const V1 = `v1-${randomBytes(12).toString('hex')}`;
const V2 = `v2-${randomBytes(12).toString('hex')}`;
const BINARY = Buffer.concat([Buffer.from('bin-'), randomBytes(40)]);
let srv: TestServer;
let c: Client;
/** every admin API answer of this suite, searched for the values at the end */
const answers: string[] = [];

/** libpod's API on the suite's Podman socket (what `podman inspect` and `podman ps` print). */
function libpod(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: socket, path: `/v4.0.0/libpod${p}` }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
      .on('error', reject);
  });
}

async function containersOfApp(): Promise<Array<{ Id: string; Names: string[] }>> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.podfn.app=${APP}`] }));
  return JSON.parse(await libpod(`/containers/json?filters=${filters}`)) as Array<{ Id: string; Names: string[] }>;
}

async function api(method: string, target: string, body?: object) {
  const r = await c.req(method, target, body);
  answers.push(r.text);
  return r;
}

function leaks(text: string): string[] {
  return [V1, V2, BINARY.toString('base64')].filter((v) => text.includes(v));
}

test.before(async () => {
  srv = await startServer({
    env: { PODFN_CONTAINER_HOST: `unix://${socket}`, PODFN_NODE_ID: testNodeId('secrets'), PODFN_LOG_LEVEL: 'trace' },
  });
  c = client(srv.url);
});

test.after(async () => {
  await srv?.stop();
});

test('create, list (no values), validation, unknown and in-use secrets', async () => {
  let r = await api('PUT', `/v1/apps/${APP}/secrets/db-password`, { secret: { value: V1 } });
  const created = expectOk<{ message: string; secret: Record<string, unknown> }>(r);
  assert.is(created.message, 'Secret successfully created');
  assert.equal(Object.keys(created.secret).sort(), ['created_at', 'name', 'routes', 'updated_at']);
  r = await api('POST', `/v1/apps/${APP}/secrets`, { secret: { name: 'blob.bin', value: BINARY.toString('base64'), encoding: 'base64' } });
  expectOk(r);
  expectError(await api('POST', `/v1/apps/${APP}/secrets`, { secret: { name: 'db-password', value: 'x' } }), 409, 'Secret already exists');
  for (const bad of ['.hidden', '..', 'a/b', 'x'.repeat(65), 'sp ace']) {
    expectError(await api('POST', `/v1/apps/${APP}/secrets`, { secret: { name: bad, value: 'x' } }), 400, /Invalid secret name/, bad);
  }
  expectError(await api('PUT', `/v1/apps/${APP}/secrets/a%2Fb`, { secret: { value: 'x' } }), 400, /Invalid secret name/);
  expectError(await api('PUT', `/v1/apps/${APP}/secrets/big`, { secret: { value: 'x'.repeat(65537) } }), 413, 'Secret value too large: at most 65536 bytes');
  expectError(await api('PUT', `/v1/apps/${APP}/secrets/e`, { secret: { value: '' } }), 400, 'Missing secret value');
  expectError(await api('PUT', `/v1/apps/${APP}/secrets/e`, { secret: { value: '!!', encoding: 'base64' } }), 400, 'Invalid secret value: not base64');
  expectError(await api('GET', `/v1/apps/${APP}/secrets/nope`), 404, 'Secret not found');
  expectError(await api('GET', `/v1/apps/nosuchapp/secrets`), 404, 'App not found');
  // a route may list only existing secrets, each once
  expectError(
    await api('POST', `/v1/apps/${APP}/routes`, { route: { path: '/x', image: image('busybox'), secrets: ['nope'] } }),
    400,
    /^Invalid route secrets: app \S+ has no secret nope/,
  );
  expectError(
    await api('POST', `/v1/apps/${APP}/routes`, { route: { path: '/x', image: image('busybox'), secrets: ['db-password', 'db-password'] } }),
    400,
    /listed twice/,
  );
  const list = expectOk<{ secrets: Array<{ name: string; routes: string[] }> }>(await api('GET', `/v1/apps/${APP}/secrets`));
  assert.equal(
    list.secrets.map((s) => s.name),
    ['blob.bin', 'db-password'],
  );
});

test('cold (busybox): /run/secrets/<name> holds the value, read-only; not in the environment nor podman inspect', async () => {
  const r = await api('POST', `/v1/apps/${APP}/routes`, {
    route: { path: '/cold', image: image('busybox'), secrets: ['db-password', 'blob.bin'], timeout: 60 },
  });
  assert.equal(expectOk<{ route: { secrets: string[] } }>(r).route.secrets, ['db-password', 'blob.bin']);
  let out = await c.post(`/r/${APP}/cold`, 'cat /run/secrets/db-password', { headers: { 'content-type': 'text/plain' } });
  assert.is(out.status, 200, out.text);
  assert.is(out.text, V1);
  out = await c.post(`/r/${APP}/cold`, 'cat /run/secrets/blob.bin | od -An -tx1 | tr -d " \\n"', { headers: { 'content-type': 'text/plain' } });
  assert.is(out.text, BINARY.toString('hex'));
  // read-only: neither a file nor the folder can change
  out = await c.post(`/r/${APP}/cold`, 'echo x > /run/secrets/db-password && echo WROTE; touch /run/secrets/new && echo MADE; ls -ln /run/secrets; env', {
    headers: { 'content-type': 'text/plain' },
  });
  assert.not.match(out.text, /WROTE|MADE/);
  assert.match(out.text, /-r--r--r--.* db-password/);
  assert.is(leaks(out.text).length, 0, 'no value in the environment');
  // podman inspect while a cold container runs
  const running = c.post(`/r/${APP}/cold`, 'sleep 4; cat /run/secrets/db-password', { headers: { 'content-type': 'text/plain' } });
  let inspected = '';
  await waitFor(
    async () => {
      const list = await containersOfApp();
      if (list.length === 0) return false;
      inspected = await libpod(`/containers/${list[0]!.Id}/json`);
      return true;
    },
    30_000,
    'the cold container to show up',
  );
  assert.match(inspected, /"Destination":"\/run\/secrets"/);
  assert.is(leaks(inspected).length, 0, 'no value in podman inspect');
  assert.is((await running).text, V1);
});

test('hot (http): the file is there; replacing rolls the route onto a container with the new value', async () => {
  expectOk(await api('POST', `/v1/apps/${APP}/routes`, { route: { path: '/hot', image: image('secret-file'), format: 'http', secrets: ['db-password'] } }));
  let out = await c.get(`/r/${APP}/hot?name=db-password`);
  assert.is(out.status, 200, out.text);
  const first = JSON.parse(out.text) as { value: string; mode: string; files: string[] };
  assert.is(first.value, V1);
  assert.is(first.mode, '444');
  assert.equal(first.files, ['db-password'], 'only the secrets the route lists');
  const [hot] = await containersOfApp();
  assert.ok(hot, 'a hot container');
  const inspected = await libpod(`/containers/${hot.Id}/json`);
  assert.is(leaks(inspected).length, 0, 'no value in podman inspect (hot)');
  const hotName = hot.Names[0]!.replace(/^\//, '');
  const secretsRoot = JSON.parse(inspected) as { Mounts: Array<{ Destination: string; Source: string }> };
  const hostDir = secretsRoot.Mounts.find((m) => m.Destination === '/run/secrets')!.Source;
  assert.ok(hostDir.endsWith(hotName), hostDir);
  assert.is(fs.statSync(path.dirname(hostDir)).mode & 0o777, 0o700, 'the runtime folder is private');

  const replaced = expectOk<{ message: string }>(await api('PUT', `/v1/apps/${APP}/secrets/db-password`, { secret: { value: V2 } }));
  assert.is(replaced.message, 'Secret successfully replaced');
  // the route rolls onto a new container (api.md, Route updates without downtime): calls stay on the
  // old one, every one answered, until the new one has started (within a second or so)
  await waitFor(
    async () => {
      const r = await c.get(`/r/${APP}/hot?name=db-password`);
      assert.is(r.status, 200, r.text);
      return (JSON.parse(r.text) as { value: string }).value === V2;
    },
    30_000,
    'a call to see the new value',
  );
  out = await c.post(`/r/${APP}/cold`, 'cat /run/secrets/db-password', { headers: { 'content-type': 'text/plain' } });
  assert.is(out.text, V2);
  // the old container and its secret folder go
  await waitFor(async () => !(await containersOfApp()).some((x) => x.Id === hot.Id), 30_000, 'the old hot container to go');
  await waitFor(() => !fs.existsSync(hostDir), 10_000, 'its secret folder to go');
});

test('delete: 409 naming the routes while listed; then gone', async () => {
  expectError(await api('DELETE', `/v1/apps/${APP}/secrets/db-password`), 409, /^Secret db-password is used by routes \/cold, \/hot: remove it/);
  expectOk(await api('PATCH', `/v1/apps/${APP}/routes/hot`, { route: { secrets: [] } }));
  expectOk(await api('PATCH', `/v1/apps/${APP}/routes/cold`, { route: { secrets: ['blob.bin'] } }));
  expectOk(await api('DELETE', `/v1/apps/${APP}/secrets/db-password`));
  expectError(await api('GET', `/v1/apps/${APP}/secrets/db-password`), 404);
  // the route rolls onto a container without secrets (calls stay on the old one until it has started)
  await waitFor(async () => (await c.get(`/r/${APP}/hot?name=db-password`)).status === 404, 30_000, 'the route without secrets to get no file');
});

test('deleting an app deletes its secrets (refused delete keeps them; cascade takes them with the routes)', async () => {
  const other = `${APP}x`;
  expectOk(await api('PUT', `/v1/apps/${other}/secrets/s`, { secret: { value: V1 } }));
  expectOk(await api('DELETE', `/v1/apps/${other}`));
  expectOk(await api('POST', '/v1/apps', { app: { name: other } }));
  assert.equal(expectOk<{ secrets: unknown[] }>(await api('GET', `/v1/apps/${other}/secrets`)).secrets, []);
  expectOk(await api('PUT', `/v1/apps/${other}/secrets/s`, { secret: { value: V1 } }));
  expectOk(await api('POST', `/v1/apps/${other}/routes`, { route: { path: '/r', image: image('busybox'), secrets: ['s'] } }));
  expectError(await api('DELETE', `/v1/apps/${other}`), 400, 'Cannot remove apps with routes');
  expectOk(await api('DELETE', `/v1/apps/${other}?cascade=true`));
  expectError(await api('GET', `/v1/apps/${other}/secrets`), 404, 'App not found');
});

test('the values are nowhere else: API answers, calls and logs, /metrics, server output, database file and -wal', async () => {
  for (const t of [`/v1/apps/${APP}`, `/v1/apps/${APP}/routes`, `/v1/routes`, `/v1/apps/${APP}/secrets`, `/v1/apps/${APP}/calls`, '/v1/openapi.json']) {
    await api('GET', t);
  }
  const calls = JSON.parse((await c.get(`/v1/apps/${APP}/calls`)).text) as { calls: Array<{ id: string }> };
  for (const call of calls.calls ?? []) await api('GET', `/v1/apps/${APP}/calls/${call.id}/log`);
  assert.is(leaks(answers.join('\n')).length, 0, 'admin API answers');
  assert.is(leaks((await c.get('/metrics')).text).length, 0, '/metrics');
  assert.is(leaks(srv.output()).length, 0, 'server output');
  const files = fs.readdirSync(srv.dir).filter((f) => f.startsWith('podfn.db'));
  assert.ok(files.includes('podfn.db'));
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(srv.dir, f));
    for (const v of [Buffer.from(V1), Buffer.from(V2), BINARY]) assert.is(bytes.indexOf(v), -1, `${f} holds a value in plain text`);
  }
  const key = fs.statSync(path.join(srv.dir, 'secrets-key'));
  assert.is(key.mode & 0o777, 0o600, 'the generated key file is 0600');
});

test.run();
