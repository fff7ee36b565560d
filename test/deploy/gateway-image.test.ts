// The gateway's own image (Containerfile), built FROM the local node base by
// scripts/build-gateway-image.sh (skipped when its inputs did not change), run as a container against
// the host's rootful Podman socket: the database on a named volume, the hot-socket dir bind-mounted at
// the same path as on the host (Podman resolves the bind mounts the gateway asks for on the host).
// Checks the first-start admin token (printed once, 0600 on the volume), the admin API with it, a cold
// and a hot call through the container, and that `podman stop` + `podman start` keeps the data, removes
// every function container on stop and prints no token again. Needs root (the rootful socket).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, freePort } from '../helpers/server.ts';
import { client, expectOk, type Client, type RoutesBody } from '../helpers/http.ts';
import { ROOTFUL_SOCKET, containersOf, image, requirePodman } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Podman } from '../../src/runner/podman.ts';

const test = suite('deploy: gateway image against rootful Podman');
const run = promisify(execFile);
const IMAGE = 'localhost/podfn-test/gateway:latest';

async function sh(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}`, { cause: e });
  }
}
const podmanCli = (...args: string[]) => sh('podman', ['--url', `unix://${ROOTFUL_SOCKET}`, ...args]);
const logsOf = async (name: string) => {
  const { stdout, stderr } = await run('podman', ['--url', `unix://${ROOTFUL_SOCKET}`, 'logs', name], { maxBuffer: 64 * 1024 * 1024 });
  return stdout + stderr;
};

async function waitHealthy(c: Client, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await c.get('/healthz').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gateway container ${name} did not answer /healthz within ${timeoutMs} ms:\n${await logsOf(name).catch((e) => String(e))}`);
}

// it runs the gateway container against the rootful Podman socket: elsewhere uvu reports it as skipped
(process.getuid?.() === 0 ? test : test.skip.bind(test))(
  'image builds; cold + hot calls through the container; stop/start keeps data, leaks no containers (needs root)',
  async () => {
    const podman: Podman = await requirePodman(ROOTFUL_SOCKET);
    const t0 = Date.now();
    const built = (await sh('bash', ['scripts/build-gateway-image.sh', '--tag', IMAGE, '--url', `unix://${ROOTFUL_SOCKET}`], 600_000)).trim();
    assert.is(built, IMAGE);
    const buildMs = Date.now() - t0;

    const id = randomBytes(4).toString('hex');
    const name = `podfn-test-gw-${id}`;
    const volume = `podfn-test-gw-${id}`;
    const nodeId = `gwimg-${id}`;
    // short: socket paths must stay < 107 bytes; same path on the host and in the gateway container
    const socketDir = `/run/podfn-gw-${id}`;
    const port = await freePort();
    const c = client(`http://127.0.0.1:${port}`);
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o755 });
    try {
      await podmanCli('volume', 'create', volume);
      await podmanCli(
        'run',
        '-d',
        '--name',
        name,
        '-p',
        `127.0.0.1:${port}:8080`,
        '-v',
        `${volume}:/data`,
        '-v',
        `${ROOTFUL_SOCKET}:${ROOTFUL_SOCKET}`,
        '-v',
        `${socketDir}:${socketDir}`,
        '-e',
        `PODFN_CONTAINER_HOST=unix://${ROOTFUL_SOCKET}`,
        '-e',
        `PODFN_SOCKET_DIR=${socketDir}`,
        '-e',
        `PODFN_NODE_ID=${nodeId}`,
        '-e',
        'PODFN_SHUTDOWN_GRACE_MS=5000',
        '--stop-timeout',
        '30',
        IMAGE,
      );
      await waitHealthy(c, name);
      // the gateway listens before its first connection to Podman is done: ready once that is
      await waitFor(async () => (await c.get('/readyz')).status === 200, 30_000, '/readyz 200');
      const ready = await c.get('/readyz');
      assert.is(ready.status, 200, `readyz: ${ready.text}`);
      assert.match(ready.text, /"rootless":false/);

      // the first start generated a token: printed once, stored 0600 on the volume
      const logs1 = await logsOf(name);
      const printed = /^ {2}([0-9a-f]{64})$/m.exec(logs1)?.[1];
      assert.ok(printed, `the token banner is in the container's log:\n${logs1}`);
      const mount = (await podmanCli('volume', 'inspect', '--format', '{{.Mountpoint}}', volume)).trim();
      const tokenFile = path.join(mount, 'admin-token');
      assert.is(fs.statSync(tokenFile).mode & 0o777, 0o600);
      assert.is(fs.readFileSync(tokenFile, 'utf8'), `${printed}\n`);
      const auth = { headers: { authorization: `Bearer ${printed}` } };

      assert.is((await c.get('/v1/apps')).status, 401, 'admin API needs the token');
      assert.is((await c.req('GET', '/v1/apps', undefined, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      expectOk(await c.post('/v1/apps', { app: { name: 'gw', config: { GREETING: 'hi' } } }, auth));
      expectOk(await c.post('/v1/apps/gw/routes', { route: { path: '/cold', image: image('echo') } }, auth));
      expectOk(await c.post('/v1/apps/gw/routes', { route: { path: '/hot', image: image('echo'), format: 'http', max_concurrency: 2 } }, auth));

      const cold = await c.post('/r/gw/cold', 'cold through the image');
      assert.is(cold.status, 200, cold.text);
      assert.is(cold.text, 'cold through the image');
      for (let i = 0; i < 3; i++) {
        const hot = await c.post('/r/gw/hot', `hot ${i}`);
        assert.is(hot.status, 200, hot.text);
        assert.is(hot.text, `hot ${i}`);
      }
      const hotNow = await containersOf(podman, nodeId);
      assert.is(hotNow.length, 1, 'one hot container serves sequential calls');
      assert.is(fs.readdirSync(socketDir).length, 1, 'its socket dir is in the shared host folder');

      // graceful stop: exit 0, every function container of this gateway removed
      await podmanCli('stop', '-t', '30', name);
      assert.is((await podmanCli('inspect', '--format', '{{.State.ExitCode}}', name)).trim(), '0', await logsOf(name));
      assert.equal(await containersOf(podman, nodeId), [], 'no function container left after podman stop');
      assert.equal(fs.readdirSync(socketDir), [], 'socket dirs removed with their containers');

      await podmanCli('start', name);
      await waitHealthy(c, name);
      const logs2 = await logsOf(name);
      assert.is(logs2.split(printed).length - 1, logs1.split(printed).length - 1, 'the second start does not print the token again');
      assert.not.match(logs1, /token\(s\) read from the token file/);
      assert.match(logs2, /token\(s\) read from the token file/, 'the second start reuses the stored token');
      const routes = expectOk<RoutesBody>(await c.req('GET', '/v1/apps/gw/routes', undefined, auth));
      assert.equal(routes.routes.map((r) => r.path).sort(), ['/cold', '/hot'], 'routes survived on the volume');
      const app = expectOk<{ app: { config: Record<string, string> } }>(await c.req('GET', '/v1/apps/gw', undefined, auth));
      assert.equal(app.app.config, { GREETING: 'hi' });
      const again = await c.post('/r/gw/hot', 'after restart');
      assert.is(again.status, 200, again.text);
      assert.is(again.text, 'after restart');
      const cold2 = await c.post('/r/gw/cold', 'cold again');
      assert.is(cold2.text, 'cold again');
      await podmanCli('stop', '-t', '30', name);
      assert.equal(await containersOf(podman, nodeId), [], 'no function container left after the second stop');
      process.stderr.write(`  gateway image: build/check ${buildMs} ms, whole test ${Date.now() - t0} ms\n`);
    } finally {
      await podmanCli('rm', '-f', '-t', '5', name).catch(() => undefined);
      await podmanCli('volume', 'rm', '-f', volume).catch(() => undefined);
      for (const cid of await containersOf(podman, nodeId).catch(() => [])) await podmanCli('rm', '-f', '-t', '0', cid).catch(() => undefined);
      fs.rmSync(socketDir, { recursive: true, force: true });
    }
  },
);

test.run();
