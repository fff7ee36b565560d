// scripts/setup-podman.sh brings rootless Podman back after every process of the runner user was
// killed while /run survived (what happens to a sandbox or container host whose processes are killed
// without a reboot, and what once failed this project's CI): the runtime dir then records a pause
// process and running containers whose pids are dead or, worse, reused by unrelated processes, and
// every podman command fails with "invalid internal status ... podman system migrate".
//  - nothing of the user alive: the script clears the stale runtime state (as a reboot would);
//  - some process of the user still alive: the service exits at once, the script runs
//    `podman system migrate` and starts it again.
// Root only; it uses its own runner user (podfn-setup-test) so the shared services are never touched.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { image } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';

const test = suite('deploy: setup-podman.sh recovers stale rootless state');
const USER = 'podfn-setup-test';
const SCRIPT = path.resolve('scripts/setup-podman.sh');
const isRoot = process.getuid?.() === 0;
// what this host cannot show is reported by uvu as skipped, never as passed
const needsRoot = isRoot ? test : test.skip.bind(test);

function setup(): { status: number | null; out: string } {
  const r = spawnSync('bash', [SCRIPT, '--user', USER], {
    encoding: 'utf8',
    env: { ...process.env, PODFN_SETUP_WAIT_S: '60' },
    timeout: 300_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const uid = () => Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
const runDir = () => `/run/user/${uid()}`;

/** podman as the test user (the same environment the script gives its service). */
function podman(args: string[], input?: Buffer): { status: number | null; out: string } {
  const r = spawnSync(
    'runuser',
    ['-u', USER, '--', 'env', '-i', `HOME=/var/lib/${USER}`, `XDG_RUNTIME_DIR=${runDir()}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'podman', ...args],
    { input, encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Live (non-zombie) processes of the test user. */
function liveProcesses(): number {
  const r = spawnSync('ps', ['-u', String(uid()), '-o', 'stat='], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((s) => s.trim() !== '' && !s.startsWith('Z')).length;
}

async function killEverythingOfUser(): Promise<void> {
  spawnSync('pkill', ['-9', '-u', String(uid())]);
  await waitFor(() => liveProcesses() === 0, 30_000, `every process of ${USER} to die`);
}

/** Brings the user's service up with one running container, then kills every process of the user. */
async function runningContainerThenKillAll(): Promise<ChildProcess> {
  const up = setup();
  assert.is(up.status, 0, up.out);
  // --replace: a run interrupted while Podman was broken may have left a container of that name
  const run = podman(['run', '-d', '--replace', '--network', 'none', '--name', 'stale', image('busybox'), 'sleep', '1000']);
  assert.is(run.status, 0, run.out);
  assert.ok(fs.existsSync(`${runDir()}/libpod/tmp/pause.pid`), 'rootless Podman recorded its pause process');
  await killEverythingOfUser();
  // The pid of the dead pause process now belongs to an unrelated live process (pid reuse).
  const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
  fs.writeFileSync(`${runDir()}/libpod/tmp/pause.pid`, String(unrelated.pid));
  return unrelated;
}

function assertServiceWorks(): void {
  const sock = `${runDir()}/podman/podman.sock`;
  const ping = spawnSync('curl', ['-fsS', '--max-time', '3', '--unix-socket', sock, 'http://d/_ping'], { encoding: 'utf8' });
  assert.is(ping.stdout, 'OK', `the service answers: ${ping.stderr}`);
  const echo = podman(['run', '--rm', '--network', 'none', image('busybox'), 'echo', 'alive again']);
  assert.is(echo.status, 0, echo.out);
  assert.match(echo.out, 'alive again');
  const ps = podman(['ps', '-a', '--filter', 'name=^stale$', '--format', '{{.State}}']);
  assert.is(ps.status, 0, ps.out);
  assert.not.match(ps.out, /running/i, 'the killed container is not reported as running');
}

test.before(() => {
  if (!isRoot) return;
  const up = setup();
  assert.is(up.status, 0, up.out);
  // The user's store starts empty and there is no registry: copy the busybox fixture from root's store.
  if (podman(['image', 'exists', image('busybox')]).status !== 0) {
    const tar = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-setup-test-')), 'busybox.tar');
    try {
      execFileSync('podman', ['save', '-o', tar, image('busybox')], { stdio: 'pipe' });
      fs.chmodSync(path.dirname(tar), 0o755);
      fs.chmodSync(tar, 0o644);
      const load = podman(['load', '-i', tar]);
      assert.is(load.status, 0, load.out);
    } finally {
      fs.rmSync(path.dirname(tar), { recursive: true, force: true });
    }
  }
});

test.after(async () => {
  if (!isRoot) return;
  podman(['rm', '-f', '-a']);
  await killEverythingOfUser().catch(() => undefined);
});

needsRoot('nothing of the runner user alive, pause pid reused: the stale runtime state is cleared, the service answers (needs root)', async () => {
  const unrelated = await runningContainerThenKillAll();
  try {
    const again = setup();
    assert.is(again.status, 0, again.out);
    assert.match(again.out, 'cleared its stale runtime state');
    // cleared up front: the service started on its first try, no "exited at once" + migrate fallback
    assert.not.match(again.out, 'podman system migrate');
    assertServiceWorks();
    assert.ok(unrelated.exitCode === null && unrelated.signalCode === null, 'the unrelated process was not touched');
  } finally {
    unrelated.kill('SIGKILL');
    podman(['rm', '-f', 'stale']);
  }
});

needsRoot('a process of the runner user still alive: the service exits at once, podman system migrate, then it answers (needs root)', async () => {
  const unrelated = await runningContainerThenKillAll();
  // Some other process of the user lives on, so the state cannot be assumed dead wholesale.
  const survivor = spawn('runuser', ['-u', USER, '--', 'sleep', '600'], { stdio: 'ignore' });
  try {
    await waitFor(() => liveProcesses() > 0, 30_000, 'the surviving process of the user');
    const again = setup();
    assert.is(again.status, 0, again.out);
    assert.not.match(again.out, 'cleared its stale runtime state');
    assert.match(again.out, 'podman system migrate');
    assertServiceWorks();
  } finally {
    survivor.kill('SIGKILL');
    unrelated.kill('SIGKILL');
    podman(['rm', '-f', 'stale']);
  }
});

test.run();
