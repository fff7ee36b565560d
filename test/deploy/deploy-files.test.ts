// The rootless deployment files in deploy/: validated without systemd as PID 1.
//  - scripts/check-deploy-files.sh: `systemd-analyze --user verify` of the user unit and the
//    podman.service drop-in, Podman's quadlet generator (-dryrun; Debian 12's Podman 4.3 has none, so
//    the script fetches Debian 13's generator binary once) and verify of what it generates. A broken
//    copy of each file must fail the check.
//  - the unit's stop settings outlast podfn's own drain.
//  - the `podman run` line quadlet generates from podfn.container, run for real as the unprivileged
//    user `podfn` against its rootless Podman (only the systemd-only flags dropped, names made unique):
//    token on the volume, a cold and a hot call, `podman stop` exits 0 and leaves no function container.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, freePort } from '../helpers/server.ts';
import { client, expectOk } from '../helpers/http.ts';
import { containersOf, image, requirePodman } from '../helpers/podman.ts';

const test = suite('deploy: systemd unit and quadlet files');
const run = promisify(execFile);
const QUADLET = '/var/cache/podfn/quadlet/quadlet';
const GATEWAY_IMAGE = 'localhost/podfn-test/gateway:latest';

async function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd: ROOT,
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}` };
  }
}
const check = (env: NodeJS.ProcessEnv = {}) => sh('bash', ['scripts/check-deploy-files.sh', '--fetch-quadlet'], { env: { ...process.env, ...env } });

/** key=value lines of one unit file section (last wins; repeated keys joined by \n) */
function section(file: string, name: string): Map<string, string> {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out = new Map<string, string>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) current = m[1]!;
    else if (current === name) {
      const i = line.indexOf('=');
      const k = line.slice(0, i);
      out.set(k, out.has(k) ? `${out.get(k)}\n${line.slice(i + 1)}` : line.slice(i + 1));
    }
  }
  return out;
}
const seconds = (v: string | undefined) => Number(/^(\d+)s?$/.exec(v ?? '')?.[1] ?? NaN);

test('check-deploy-files.sh passes on deploy/ (systemd-analyze verify + quadlet dryrun)', async () => {
  const r = await check();
  assert.is(r.code, 0, r.out);
  assert.match(r.out, 'ok: ' + path.join(ROOT, 'deploy/systemd/podfn.service'));
  assert.match(r.out, /ok: .*podfn\.container.*\(quadlet \d+\.\d+/);
  assert.ok(fs.existsSync(QUADLET), 'the quadlet generator is cached');
});

test('a broken copy fails the check (unknown keys, bad values, a missing binary)', async () => {
  const breakages: [string, (s: string) => string, RegExp][] = [
    ['systemd/podfn.service', (s) => s.replace('Restart=on-failure', 'Restart=on-failure\nRestartSecs=2'), /Unknown key/],
    ['systemd/podfn.service', (s) => s.replace('TimeoutStopSec=45', 'TimeoutStopSec=forty'), /Failed to parse/],
    ['systemd/podfn.service', (s) => s.replace('ExecStart=/usr/bin/node ', 'ExecStart=/usr/bin/no-such-node '), /not executable/],
    ['systemd/podman.service.d/podfn.conf', (s) => s.replace('LimitNOFILE=4096', 'LimitNOFILES=4096'), /Unknown key/],
    ['quadlet/podfn.container', (s) => s.replace('Network=host', 'Network=host\nNetworks=host'), /unsupported key|quadlet/],
  ];
  for (const [file, edit, expect] of breakages) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-deploy-'));
    try {
      fs.cpSync(path.join(ROOT, 'deploy'), dir, { recursive: true });
      const f = path.join(dir, file);
      const before = fs.readFileSync(f, 'utf8');
      const after = edit(before);
      assert.is.not(after, before, `${file}: the edit applies`);
      fs.writeFileSync(f, after);
      const r = await check({ PODFN_DEPLOY_DIR: dir });
      assert.is.not(r.code, 0, `${file} broken, yet the check passed:\n${r.out}`);
      assert.match(r.out, expect, `${file}: ${r.out}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("stop settings outlast podfn's drain; restart on failure; needs podman.socket", () => {
  const unit = section('deploy/systemd/podfn.service', 'Unit');
  const svc = section('deploy/systemd/podfn.service', 'Service');
  assert.is(unit.get('Requires'), 'podman.socket');
  assert.match(unit.get('After') ?? '', 'podman.socket');
  assert.is(svc.get('Restart'), 'on-failure');
  assert.is(svc.get('KillSignal'), 'SIGTERM');
  const grace = Number(/PODFN_SHUTDOWN_GRACE_MS=(\d+)/.exec(svc.get('Environment') ?? '')?.[1]) / 1000;
  // podfn exits by itself at the latest grace + 15 s (src/main.ts); systemd must not SIGKILL before
  assert.ok(seconds(svc.get('TimeoutStopSec')) > grace + 15, `TimeoutStopSec ${svc.get('TimeoutStopSec')} > ${grace + 15}`);
  assert.match(svc.get('Environment') ?? '', 'PODFN_CONTAINER_HOST=unix://%t/podman/podman.sock');
  assert.match(svc.get('Environment') ?? '', 'PODFN_ADMIN_TOKEN_FILE=auto');

  const ctr = section('deploy/quadlet/podfn.container', 'Container');
  const qsvc = section('deploy/quadlet/podfn.container', 'Service');
  const qgrace = Number(/PODFN_SHUTDOWN_GRACE_MS=(\d+)/.exec(ctr.get('Environment') ?? '')?.[1]) / 1000;
  const stopTimeout = Number(/--stop-timeout=(\d+)/.exec(ctr.get('PodmanArgs') ?? '')?.[1]);
  assert.ok(stopTimeout > qgrace + 15, `--stop-timeout ${stopTimeout} > ${qgrace + 15}`);
  assert.ok(seconds(qsvc.get('TimeoutStopSec')) > stopTimeout, 'systemd waits longer than podman stop');
  assert.is(qsvc.get('Restart'), 'on-failure');
  assert.match(ctr.get('Environment') ?? '', /PODFN_NODE_ID=[a-z0-9-]+/, 'a fixed node id (the container is new on every start)');
  const sockets = /PODFN_SOCKET_DIR=(\S+)/.exec(ctr.get('Environment') ?? '')?.[1];
  assert.ok(sockets && (ctr.get('Volume') ?? '').split('\n').includes(`${sockets}:${sockets}`), 'the socket dir is mounted at the same path');
});

// acting as user podfn needs root: elsewhere uvu reports this as skipped, never as passed
(process.getuid?.() === 0 ? test : test.skip.bind(test))('the podman run line quadlet generates works rootless as user podfn (needs root)', async () => {
  const uid = Number((await sh('id', ['-u', 'podfn'])).out.trim());
  assert.ok(uid > 0, 'user podfn exists (npm run setup)');
  const runtime = `/run/user/${uid}`;
  const socket = `${runtime}/podman/podman.sock`;
  const podman = await requirePodman(socket);
  const built = await sh('bash', ['scripts/build-gateway-image.sh', '--tag', GATEWAY_IMAGE, '--url', `unix://${socket}`], { timeoutMs: 600_000 });
  assert.is(built.code, 0, built.out);

  const gen = await sh(QUADLET, ['-dryrun', '-user'], { env: { ...process.env, QUADLET_UNIT_DIRS: path.join(ROOT, 'deploy/quadlet') } });
  assert.is(gen.code, 0, gen.out);
  const execStart = /^ExecStart=(\/usr\/bin\/podman run .*)$/m.exec(gen.out.split('---podfn.service---')[1] ?? '')?.[1];
  assert.ok(execStart, gen.out);

  const id = randomBytes(4).toString('hex');
  const name = `podfn-test-q-${id}`;
  const volume = `podfn-test-q-${id}`;
  const nodeId = `quadlet-${id}`;
  const sockets = `${runtime}/pq-${id}`;
  const port = await freePort();
  // %t -> the runtime dir; systemd-only flags dropped (cidfile, sdnotify, cgroups=split need systemd);
  // names, port, node id and socket dir made unique for the test; the test image tag
  const args = execStart
    .split(' ')
    .slice(1)
    .map((a) => a.replaceAll('%t/podfn/sockets', sockets).replaceAll('%t', runtime))
    .filter((a) => !/^--(cidfile|sdnotify|cgroups)=/.test(a))
    .map((a) => (a === 'podfn' ? name : a === 'systemd-podfn-data:/data' ? `${volume}:/data` : a === 'localhost/podfn:latest' ? GATEWAY_IMAGE : a))
    .map((a) => a.replace(/^PORT=8080$/, `PORT=${port}`).replace(/^PODFN_NODE_ID=.*/, `PODFN_NODE_ID=${nodeId}`));
  assert.ok(args.includes('--network') && args.includes('host'));
  assert.ok(args.includes(`${volume}:/data`) && args.includes(GATEWAY_IMAGE) && args.includes(name), args.join(' '));
  const asUser = ['-u', 'podfn', '--', 'env', '-i', 'HOME=/var/lib/podfn', 'PATH=/usr/bin:/bin', `XDG_RUNTIME_DIR=${runtime}`];
  const userPodman = (...a: string[]) => sh('runuser', [...asUser, 'podman', ...a]);
  const c = client(`http://127.0.0.1:${port}`);
  try {
    // ExecStartPre and the .volume unit's ExecStart (without --ignore: Podman 4.3 lacks it)
    assert.is((await sh('runuser', [...asUser, 'mkdir', '-p', sockets])).code, 0);
    const vol = await userPodman('volume', 'create', volume);
    assert.ok(vol.code === 0, vol.out);
    const started = await userPodman(...args);
    assert.ok(started.code === 0, `podman run: ${started.code} ${started.out}`);
    const deadline = Date.now() + 60_000;
    while (
      (await c.get('/healthz').then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      assert.ok(Date.now() < deadline, `no /healthz: ${(await userPodman('logs', name)).out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const logs = (await userPodman('logs', name)).out;
    const token = /^ {2}([0-9a-f]{64})$/m.exec(logs)?.[1];
    assert.ok(token, logs);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    assert.is((await c.get('/v1/apps')).status, 401);
    expectOk(await c.post('/v1/apps/q/routes', { route: { path: '/cold', image: image('echo') } }, auth));
    expectOk(await c.post('/v1/apps/q/routes', { route: { path: '/hot', image: image('echo'), format: 'http' } }, auth));
    const cold = await c.post('/r/q/cold', 'cold rootless');
    assert.is(cold.text, 'cold rootless', `${cold.status} ${cold.text}`);
    const hot = await c.post('/r/q/hot', 'hot rootless');
    assert.is(hot.text, 'hot rootless', `${hot.status} ${hot.text}`);
    assert.is((await containersOf(podman, nodeId)).length, 1);
    const stop = await userPodman('stop', name);
    assert.ok(stop.code === 0, `podman stop: ${stop.code} ${stop.out}`);
    assert.equal(await containersOf(podman, nodeId), [], 'no function container left after stop');
  } finally {
    await userPodman('rm', '-f', '-t', '5', name);
    await userPodman('volume', 'rm', '-f', volume);
    for (const cid of await containersOf(podman, nodeId).catch(() => [])) await podman.remove(cid).catch(() => undefined);
    fs.rmSync(sockets, { recursive: true, force: true });
  }
});

test.run();
