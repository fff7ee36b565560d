// Builds the create options for every podfn container in one pure function, so isolation defaults
// (no network, read-only rootfs, sized writable mounts, no capabilities, explicit ulimits, swap off,
// init) live in one place and a unit test can pin them.
import type Docker from 'dockerode';
import type { RunnerOptions } from './options.ts';
import { LABEL_MANAGED, LABEL_NODE } from './runtime.ts';

export interface BindMount {
  /** host path */
  source: string;
  /** path inside the container */
  target: string;
  readOnly?: boolean;
}

export interface ContainerSpecInput {
  name: string;
  image: string;
  env: string[];
  memoryMb: number;
  /** extra labels (app, route, call/pool); managed/node labels are always added */
  labels: Record<string, string>;
  mounts?: BindMount[];
  /** 'once': cold, stdin closes after the body; 'open': hot stdio, stdin stays open; 'none': no stdin */
  stdin: 'once' | 'open' | 'none';
  options: RunnerOptions;
}

const MIB = 1024 * 1024;

/** A file system in the container that the function can write files into: a tmpfs, i.e. host RAM. */
export interface WritableMount {
  path: string;
  sizeMb: number;
}

/** The options that decide the writable mounts. */
export type MountOptions = Pick<RunnerOptions, 'readOnlyRootfs' | 'tmpfsSizeMb' | 'runTmpfsMb' | 'shmSizeMb'>;

/**
 * Every mount a function can write files into, each with its size. Podman 4.3 would otherwise add,
 * with a read-only root, /run and /var/tmp tmpfs of no size (half the host's RAM each) and, always, a
 * 64 MiB /dev and a 62.5 MiB /dev/shm; buildContainerSpec mounts each of these itself. A size of 0 leaves the mount
 * read-only (and out of this list). With a writable root (PODFN_FUNCTION_READONLY=false) /tmp, /run
 * and /var/tmp are the image's own folders on disk, which podfn cannot size.
 */
export function writableMounts(o: MountOptions): WritableMount[] {
  const mounts: WritableMount[] = [];
  if (o.readOnlyRootfs) {
    mounts.push({ path: '/tmp', sizeMb: o.tmpfsSizeMb }, { path: '/run', sizeMb: o.runTmpfsMb }, { path: '/var/tmp', sizeMb: o.runTmpfsMb });
  }
  mounts.push({ path: '/dev/shm', sizeMb: o.shmSizeMb });
  return mounts.filter((m) => m.sizeMb > 0);
}

/** MiB a function can hold in its writable tmpfs mounts, on top of its route's memory. */
export function writableMountsMb(o: MountOptions): number {
  return writableMounts(o).reduce((sum, m) => sum + m.sizeMb, 0);
}

/**
 * What one container may take of the host's memory: the route's memory plus its writable tmpfs, whose
 * pages are RAM too (charged to the container's memory cgroup where limits are enforced). Memory
 * admission reserves this and the container's memory limit is this, so a function that fills its
 * /tmp still has its route's memory for itself, and the node never promises more than it has.
 */
export function reservedMemoryMb(memoryMb: number, o: MountOptions): number {
  return memoryMb + writableMountsMb(o);
}

/** Tmpfs options of a mount podfn sizes: read-only when its size is 0. */
function tmpfs(sizeMb: number, flags: string, mode: string): string {
  return sizeMb > 0 ? `rw,${flags},size=${sizeMb}m,mode=${mode}` : `ro,${flags},mode=${mode}`;
}

/**
 * The container's tmpfs mounts (Tmpfs entries replace Podman's own at the same path). /dev is mounted
 * read-only: it holds only device nodes, which runc creates before remounting it, but Podman's
 * default /dev is a writable 64 MiB tmpfs owned by the container's root. Replacing it drops Podman's
 * /dev/pts and /dev/mqueue (functions get no terminal and no POSIX message queues).
 */
function tmpfsMounts(o: MountOptions): Record<string, string> {
  const mounts: Record<string, string> = {
    '/dev': 'ro,nosuid,noexec,mode=755',
    '/dev/shm': tmpfs(o.shmSizeMb, 'nosuid,nodev,noexec', '1777'),
  };
  if (o.readOnlyRootfs) {
    mounts['/tmp'] = tmpfs(o.tmpfsSizeMb, 'nosuid,nodev', '1777');
    mounts['/run'] = tmpfs(o.runTmpfsMb, 'nosuid,nodev', '755');
    mounts['/var/tmp'] = tmpfs(o.runTmpfsMb, 'nosuid,nodev', '1777');
  }
  return mounts;
}

export function buildContainerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { options: o } = input;
  const withStdin = input.stdin !== 'none';
  // runc refuses < 6 MiB; the writable tmpfs come on top (see reservedMemoryMb)
  const memoryBytes = reservedMemoryMb(Math.max(6, Math.floor(input.memoryMb)), o) * MIB;
  const hostConfig: Docker.HostConfig = {
    NetworkMode: o.network,
    ReadonlyRootfs: o.readOnlyRootfs,
    CapDrop: [...o.capDrop],
    SecurityOpt: o.noNewPrivileges ? ['no-new-privileges'] : [],
    PidsLimit: o.pidsLimit,
    // Explicit: Podman's default nofile (1048576) fails with EPERM on this host kind.
    Ulimits: [
      { Name: 'nofile', Soft: o.nofile, Hard: o.nofile },
      { Name: 'nproc', Soft: o.nproc, Hard: o.nproc },
    ],
    Memory: memoryBytes,
    MemorySwap: memoryBytes, // equal to Memory: no swap
    Init: o.init,
    AutoRemove: false, // we inspect OOMKilled before removing
    Tmpfs: tmpfsMounts(o),
  };
  if (input.mounts && input.mounts.length > 0) {
    hostConfig.Binds = input.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`);
  }
  return {
    name: input.name,
    Image: input.image,
    Env: [...input.env],
    Labels: { ...input.labels, [LABEL_MANAGED]: 'true', [LABEL_NODE]: o.nodeId },
    Tty: false,
    OpenStdin: withStdin,
    StdinOnce: input.stdin === 'once',
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: o.network === 'none',
    HostConfig: hostConfig,
  };
}

/** Container names: podfn-<kind>-<random>, only [a-z0-9-]. */
export function containerName(kind: string, random: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 40);
  return `podfn-${clean(kind) || 'fn'}-${clean(random) || 'x'}`;
}

/** Label values must be strings without control characters; long values are cut. */
export function labelValue(v: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return v.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 256);
}
