// Every folder a function can write files into is a sized tmpfs, or read-only (src/runner/container-spec.ts
// writableMounts). A hostile function (fixture image fill-tmpfs) writes 150 MiB into each of /tmp, /run,
// /var/tmp, /dev/shm, /dev and /; each write must stop at that mount's size with ENOSPC (or fail at once
// with EROFS), on the Podman the suites use and, where it is reachable, on rootful Podman, which
// enforces memory limits: there the tmpfs pages count against the container's cgroup, so its limit is
// the route's memory plus the tmpfs sizes and a full /tmp must not get the function OOM-killed.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ColdRunner } from '../../src/runner/cold.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { ROOTFUL_SOCKET, containersOf, fnSpec, image, makeCall, podmanReady, requirePodman, testOptions, testSocketPath } from '../helpers/podman.ts';

const MiB = 1024 * 1024;
type Outcome = Record<string, { bytes: number; error: string | null }>;

async function fill(socketPath: string, overrides: Partial<RunnerOptions>, memory = 128): Promise<Outcome> {
  const podman = socketPath === testSocketPath() ? await podmanReady() : await requirePodman(socketPath);
  const options = testOptions({ socketPath, ...overrides });
  const cold = new ColdRunner({ podman, options, memory: new MemoryAdmission(options.totalMemoryMb, options.memoryWaitMs) });
  const res = await cold.run(makeCall(fnSpec({ image: image('fill-tmpfs'), memory, timeout: 60, config: { FILL_MB: '150' } })));
  assert.is(res.status, 200, `${res.error ?? ''} ${res.log.toString()} ${res.body.toString()}`);
  assert.equal(await containersOf(podman, options.nodeId), []);
  return JSON.parse(res.body.toString()) as Outcome;
}

/** The write stopped at sizeMb (a page or so less when the mount holds copied-up image files). */
function assertFull(out: Outcome, dir: string, sizeMb: number): void {
  const got = out[dir];
  assert.ok(got, `${dir} was tried`);
  assert.is(got.error, 'ENOSPC', `${dir}: ${JSON.stringify(got)}`);
  assert.ok(got.bytes <= sizeMb * MiB && got.bytes > sizeMb * MiB - 64 * 1024, `${dir}: ${got.bytes} bytes, size ${sizeMb} MiB`);
}

function assertReadOnly(out: Outcome, dir: string): void {
  assert.equal(out[dir], { bytes: 0, error: 'EROFS' }, dir);
}

// The suites' Podman, and rootful Podman where the suites use another: a socket this host does not
// have is reported by uvu as skipped, never as passed.
const hasRootful = existsSync(ROOTFUL_SOCKET);
const sockets = [testSocketPath(), ...(testSocketPath() !== ROOTFUL_SOCKET ? [ROOTFUL_SOCKET] : [])];

for (const socket of sockets) {
  const here = socket !== ROOTFUL_SOCKET || hasRootful;
  const onSocket = here ? test : test.skip.bind(test);
  const needs = here ? '' : ` (needs rootful Podman at ${ROOTFUL_SOCKET})`;
  onSocket(`${socket}: defaults: /tmp 64 MiB, /run, /var/tmp and /dev/shm 1 MiB, /dev and / read-only${needs}`, async () => {
    const out = await fill(socket, {});
    assertFull(out, '/tmp', 64);
    assertFull(out, '/run', 1);
    assertFull(out, '/var/tmp', 1);
    assertFull(out, '/dev/shm', 1);
    assertReadOnly(out, '/dev');
    assertReadOnly(out, '/');
  });

  onSocket(`${socket}: the sizes follow the settings; 0 makes a mount read-only${needs}`, async () => {
    const sized = await fill(socket, { tmpfsSizeMb: 5, runTmpfsMb: 3, shmSizeMb: 2 });
    assertFull(sized, '/tmp', 5);
    assertFull(sized, '/run', 3);
    assertFull(sized, '/var/tmp', 3);
    assertFull(sized, '/dev/shm', 2);
    const none = await fill(socket, { tmpfsSizeMb: 0, runTmpfsMb: 0, shmSizeMb: 0 });
    for (const dir of ['/tmp', '/run', '/var/tmp', '/dev/shm', '/dev', '/']) assertReadOnly(none, dir);
  });
}

// rootful Podman enforces memory limits where the kernel has the memory controller (cgroup v1: its
// own hierarchy; v2: the unified one)
const memoryCgroup = existsSync('/sys/fs/cgroup/memory') || existsSync('/sys/fs/cgroup/cgroup.controllers');
(hasRootful && memoryCgroup ? test : test.skip.bind(test))(
  `rootful (memory limits enforced): a full /tmp does not use up the route's memory (needs rootful Podman at ${ROOTFUL_SOCKET} and the memory cgroup)`,
  async () => {
    const podman = await requirePodman(ROOTFUL_SOCKET);
    const info = await podman.info();
    assert.ok(info.limitsEnforced, `Podman at ${ROOTFUL_SOCKET} enforces memory limits`);
    // node needs ~40 MiB: with a limit of only the route's 64 MiB, 64 MiB of /tmp would OOM-kill it
    const out = await fill(ROOTFUL_SOCKET, {}, 64);
    assertFull(out, '/tmp', 64);
  },
);

test.run();
