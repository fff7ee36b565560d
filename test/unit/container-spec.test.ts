import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContainerSpec, containerName, labelValue, reservedMemoryMb, writableMounts, writableMountsMb } from '../../src/runner/container-spec.ts';
import { defaultRunnerOptions } from '../../src/runner/options.ts';

const options = defaultRunnerOptions({ nodeId: 'node-1' });

test('isolation defaults', () => {
  const spec = buildContainerSpec({ name: 'podfn-cold-x', image: 'img', env: ['A=1'], memoryMb: 128, labels: { 'io.podfn.app': 'a' }, stdin: 'once', options });
  const h = spec.HostConfig!;
  assert.is(spec.name, 'podfn-cold-x');
  assert.is(spec.Image, 'img');
  assert.equal(spec.Env, ['A=1']);
  assert.is(h.NetworkMode, 'none');
  assert.is(h.ReadonlyRootfs, true);
  // every writable mount sized; /dev read-only (see 'writable mounts' below)
  assert.equal(h.Tmpfs, {
    '/dev': 'ro,nosuid,noexec,mode=755',
    '/dev/shm': 'rw,nosuid,nodev,noexec,size=1m,mode=1777',
    '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777',
    '/run': 'rw,nosuid,nodev,size=1m,mode=755',
    '/var/tmp': 'rw,nosuid,nodev,size=1m,mode=1777',
  });
  assert.equal(h.CapDrop, ['ALL']);
  assert.equal(h.SecurityOpt, ['no-new-privileges']);
  assert.is(h.PidsLimit, 256);
  assert.equal(h.Ulimits, [
    { Name: 'nofile', Soft: 1024, Hard: 1024 },
    { Name: 'nproc', Soft: 1024, Hard: 1024 },
  ]);
  // the route's memory plus the 67 MiB its tmpfs can hold: tmpfs pages are charged to the container
  assert.is(h.Memory, (128 + 67) * 1024 * 1024);
  assert.is(h.MemorySwap, (128 + 67) * 1024 * 1024);
  assert.is(h.Init, true);
  assert.equal(spec.Labels, { 'io.podfn.app': 'a', 'io.podfn.managed': 'true', 'io.podfn.node': 'node-1' });
});

test('stdin modes', () => {
  const base = { name: 'n', image: 'i', env: [], memoryMb: 64, labels: {}, options };
  const once = buildContainerSpec({ ...base, stdin: 'once' });
  assert.equal([once.OpenStdin, once.StdinOnce, once.AttachStdin], [true, true, true]);
  const open = buildContainerSpec({ ...base, stdin: 'open' });
  assert.equal([open.OpenStdin, open.StdinOnce, open.AttachStdin], [true, false, true]);
  const none = buildContainerSpec({ ...base, stdin: 'none' });
  assert.equal([none.OpenStdin, none.StdinOnce, none.AttachStdin], [false, false, false]);
  assert.is(none.Tty, false);
});

test('options override isolation; mounts become binds; managed labels cannot be overridden', () => {
  const o = defaultRunnerOptions({
    nodeId: 'n2',
    network: 'slirp4netns',
    readOnlyRootfs: false,
    capDrop: ['NET_RAW'],
    noNewPrivileges: false,
    pidsLimit: 10,
    init: false,
  });
  const spec = buildContainerSpec({
    name: 'n',
    image: 'i',
    env: [],
    memoryMb: 1,
    labels: { 'io.podfn.managed': 'false', 'io.podfn.node': 'evil' },
    stdin: 'none',
    options: o,
    mounts: [
      { source: '/run/podfn/sockets/abc', target: '/tmp/iofs' },
      { source: '/etc/x', target: '/x', readOnly: true },
    ],
  });
  const h = spec.HostConfig!;
  assert.is(h.NetworkMode, 'slirp4netns');
  assert.is(spec.NetworkDisabled, false);
  assert.is(h.ReadonlyRootfs, false);
  // a writable root: /tmp, /run, /var/tmp are the image's folders; /dev and /dev/shm are still podfn's
  assert.equal(h.Tmpfs, { '/dev': 'ro,nosuid,noexec,mode=755', '/dev/shm': 'rw,nosuid,nodev,noexec,size=1m,mode=1777' });
  assert.equal(h.CapDrop, ['NET_RAW']);
  assert.equal(h.SecurityOpt, []);
  assert.is(h.PidsLimit, 10);
  assert.is(h.Init, false);
  assert.is(h.Memory, (6 + 1) * 1024 * 1024, 'clamped to the runtime minimum, plus /dev/shm');
  assert.equal(h.Binds, ['/run/podfn/sockets/abc:/tmp/iofs:rw', '/etc/x:/x:ro']);
  assert.equal(spec.Labels, { 'io.podfn.managed': 'true', 'io.podfn.node': 'n2' });
});

test('writable mounts: each has a size, their total is reserved and added to the memory limit', () => {
  assert.equal(writableMounts(options), [
    { path: '/tmp', sizeMb: 64 },
    { path: '/run', sizeMb: 1 },
    { path: '/var/tmp', sizeMb: 1 },
    { path: '/dev/shm', sizeMb: 1 },
  ]);
  assert.is(writableMountsMb(options), 67);
  assert.is(reservedMemoryMb(128, options), 195);
  const o = defaultRunnerOptions({ tmpfsSizeMb: 10, runTmpfsMb: 3, shmSizeMb: 7 });
  assert.is(reservedMemoryMb(256, o), 256 + 10 + 3 + 3 + 7);
  const h = buildContainerSpec({ name: 'n', image: 'i', env: [], memoryMb: 256, labels: {}, stdin: 'none', options: o }).HostConfig!;
  assert.equal(h.Tmpfs, {
    '/dev': 'ro,nosuid,noexec,mode=755',
    '/dev/shm': 'rw,nosuid,nodev,noexec,size=7m,mode=1777',
    '/tmp': 'rw,nosuid,nodev,size=10m,mode=1777',
    '/run': 'rw,nosuid,nodev,size=3m,mode=755',
    '/var/tmp': 'rw,nosuid,nodev,size=3m,mode=1777',
  });
  assert.is(h.Memory, 279 * 1024 * 1024);
  // no writable mount is left for Podman to add unsized: every path it would add is podfn's
  for (const m of writableMounts(o)) assert.ok(h.Tmpfs![m.path]?.includes(`size=${m.sizeMb}m`), m.path);
});

test('writable mounts: size 0 mounts read-only (Podman would otherwise add an unsized one)', () => {
  const o = defaultRunnerOptions({ tmpfsSizeMb: 0, runTmpfsMb: 0, shmSizeMb: 0 });
  assert.equal(writableMounts(o), []);
  assert.is(reservedMemoryMb(128, o), 128);
  const h = buildContainerSpec({ name: 'n', image: 'i', env: [], memoryMb: 128, labels: {}, stdin: 'none', options: o }).HostConfig!;
  assert.equal(h.Tmpfs, {
    '/dev': 'ro,nosuid,noexec,mode=755',
    '/dev/shm': 'ro,nosuid,nodev,noexec,mode=1777',
    '/tmp': 'ro,nosuid,nodev,mode=1777',
    '/run': 'ro,nosuid,nodev,mode=755',
    '/var/tmp': 'ro,nosuid,nodev,mode=1777',
  });
  assert.is(h.Memory, 128 * 1024 * 1024);
});

test('names and label values are sanitised', () => {
  assert.is(containerName('cold', 'AB/c d..1'), 'podfn-cold-abcd1');
  assert.is(containerName('', ''), 'podfn-fn-x');
  assert.ok(/^[a-z0-9-]+$/.test(containerName('Hot Pool', '../../etc')));
  assert.is(labelValue('a\nb\u0000c'), 'abc');
  assert.is(labelValue('x'.repeat(300)).length, 256);
});

test.run();
