// Memory admission counts a container's writable tmpfs: cold calls and hot containers reserve the
// route's memory plus every writable mount's size (container-spec's reservedMemoryMb), and the
// container's memory limit is the same figure. Podman is a fake that records the create request and
// refuses it, so nothing runs.
import type Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ColdRunner } from '../../src/runner/cold.ts';
import { writableMountsMb } from '../../src/runner/container-spec.ts';
import { NoMemoryError } from '../../src/runner/errors.ts';
import { launchHotContainer } from '../../src/runner/hot-launcher.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import { defaultRunnerOptions, type RunnerOptions } from '../../src/runner/options.ts';
import type { ImageInfo, Podman } from '../../src/runner/podman.ts';
import { fnSpec, makeCall } from '../helpers/podman.ts';

const MiB = 1024 * 1024;
const options = defaultRunnerOptions({ nodeId: 'unit', tmpfsSizeMb: 20, runTmpfsMb: 2, shmSizeMb: 4, memoryWaitMs: 0 });
const TMPFS_MB = 20 + 2 + 2 + 4;

/** A Podman that notes how much memory was reserved when asked to create, then refuses. */
function refusingPodman(memory: MemoryAdmission, seen: { usedAtCreate?: number; spec?: Docker.ContainerCreateOptions }): Podman {
  const fake = {
    inspectImage: (): Promise<ImageInfo> => Promise.resolve({ id: 'sha256:x', labels: {}, env: [], transport: 'stdio' }),
    createContainer: (spec: Docker.ContainerCreateOptions): Promise<string> => {
      seen.usedAtCreate = memory.used;
      seen.spec = spec;
      return Promise.reject(new Error('create refused by the test'));
    },
    removeOrDefer: (): Promise<boolean> => Promise.resolve(true),
  };
  return fake as unknown as Podman;
}

test('acquireContainer reserves the route memory plus the writable tmpfs', async () => {
  assert.is(writableMountsMb(options), TMPFS_MB);
  const m = new MemoryAdmission(200);
  const release = await m.acquireContainer(128, options);
  assert.is(m.used, 128 + TMPFS_MB);
  // 200 - 156 = 44 MiB left: a 20 MiB route needs 48 with its tmpfs
  assert.instance(await m.acquireContainer(20, options, { waitMs: 0 }).catch((e: unknown) => e), NoMemoryError);
  release();
  assert.is(m.used, 0);
  const big = await m.acquireContainer(200, options, { waitMs: 0 }).catch((e: unknown) => e);
  assert.instance(big, NoMemoryError);
  assert.match((big as Error).message, `needs ${200 + TMPFS_MB} MiB`);
});

test('cold: a call reserves memory + tmpfs while its container exists, and its limit is that', async () => {
  const memory = new MemoryAdmission(1024, 0);
  const seen: { usedAtCreate?: number; spec?: Docker.ContainerCreateOptions } = {};
  const cold = new ColdRunner({ podman: refusingPodman(memory, seen), options, memory });
  const res = await cold.run(makeCall(fnSpec({ memory: 128 })));
  assert.is(res.status, 500, 'the refused create is a platform fault');
  assert.is(seen.usedAtCreate, 128 + TMPFS_MB);
  assert.is(seen.spec?.HostConfig?.Memory, (128 + TMPFS_MB) * MiB);
  assert.is(memory.used, 0, 'released');
});

test('hot: a container reserves memory + tmpfs, and its limit is that', async () => {
  const memory = new MemoryAdmission(1024, 0);
  const seen: { usedAtCreate?: number; spec?: Docker.ContainerCreateOptions } = {};
  const deps: { podman: Podman; options: RunnerOptions; memory: MemoryAdmission } = { podman: refusingPodman(memory, seen), options, memory };
  const err = await launchHotContainer(deps, fnSpec({ memory: 64, format: 'http' }), 'pool-1', Date.now() + 1000).catch((e: unknown) => e);
  assert.instance(err, Error);
  assert.is(seen.usedAtCreate, 64 + TMPFS_MB);
  assert.is(seen.spec?.HostConfig?.Memory, (64 + TMPFS_MB) * MiB);
  assert.is(memory.used, 0, 'released');
});

test.run();
