// Builds the create options for every podfn container in one pure function, so isolation defaults
// (no network, read-only rootfs, no capabilities, explicit ulimits, swap off, init) live in one place
// and a unit test can pin them.
import type Docker from 'dockerode';
import type { RunnerOptions } from './options.ts';
import { LABEL_MANAGED, LABEL_NODE } from './podman.ts';

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

export function buildContainerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { options: o } = input;
  const withStdin = input.stdin !== 'none';
  const memoryBytes = Math.max(6, Math.floor(input.memoryMb)) * MIB; // runc refuses < 6 MiB
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
  };
  if (o.readOnlyRootfs) {
    hostConfig.Tmpfs = { '/tmp': `rw,nosuid,nodev,size=${o.tmpfsSizeMb}m,mode=1777` };
  }
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
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 40);
  return `podfn-${clean(kind) || 'fn'}-${clean(random) || 'x'}`;
}

/** Label values must be strings without control characters; long values are cut. */
export function labelValue(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 256);
}
