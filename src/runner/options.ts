// Runner settings in one typed object with defaults. The lead maps env vars onto it (src/config.ts);
// the runner modules read only this, so tests can build a runner without touching the environment.
import os from 'node:os';

export interface RunnerOptions {
  /** Podman API socket path (not a URL) */
  socketPath: string;
  /** labels every container with io.podfn.node=<nodeId>; strays of this node are removed at start */
  nodeId: string;
  /** container network mode: 'none' by default (also the only one rootless can do here) */
  network: string;
  readOnlyRootfs: boolean;
  /** size of the writable /tmp tmpfs when the rootfs is read-only (0 = read-only) */
  tmpfsSizeMb: number;
  /** size of each of the writable /run and /var/tmp tmpfs when the rootfs is read-only (0 = read-only) */
  runTmpfsMb: number;
  /** size of the /dev/shm tmpfs (0 = read-only) */
  shmSizeMb: number;
  pidsLimit: number;
  nofile: number;
  nproc: number;
  /** catatonit as PID 1 so SIGTERM works and zombies are reaped */
  init: boolean;
  capDrop: string[];
  noNewPrivileges: boolean;
  /** stdout (cold) / response body (hot) cap; over it the call fails with 502 */
  maxResponseBytes: number;
  /** stderr cap per call; over it the log is truncated (not an error) */
  maxLogBytes: number;
  /** hot containers per route per node when the route says 0 */
  hotDefaultMaxConcurrency: number;
  /** calls waiting per hot pool before 503 */
  hotQueueSize: number;
  /** how long a call waits in a hot pool's queue before 503 */
  hotQueueWaitMs: number;
  /**
   * under overload (a queue that keeps growing, slot-queue.ts), the longest a call waits for a hot
   * container (0 = off; 'auto' = half the route's recent call time, at least 10 ms)
   */
  hotQueueTargetMs: number | 'auto';
  /** a hot container must open its socket within this */
  hotStartTimeoutMs: number;
  /** host dir holding per-container socket dirs (bind-mounted at /tmp/iofs) */
  socketDir: string;
  /** host dir (on a tmpfs) holding per-container secret folders (bind-mounted read-only at /run/secrets) */
  secretsDir: string;
  /** memory the node may promise to containers, MiB */
  totalMemoryMb: number;
  /** how long a call waits for memory before 503 */
  memoryWaitMs: number;
  /** while Podman is down, how often to ping it */
  healthPingMs: number;
  /** a Podman API request taking longer than this counts as Podman unavailable */
  apiTimeoutMs: number;
  /** grace after a kill before the cold runner gives up waiting on a container */
  killGraceMs: number;
  /** cold calls: also pass request headers named with `_` as HEADER_* (off: they could pose as `-` ones) */
  envUnderscoreHeaders: boolean;
}

/** Podman's rootful API socket; the lead picks rootless via config. */
export const DEFAULT_SOCKET_PATH = '/run/podman/podman.sock';

export function defaultRunnerOptions(overrides: Partial<RunnerOptions> = {}): RunnerOptions {
  return {
    socketPath: DEFAULT_SOCKET_PATH,
    nodeId: os.hostname(),
    network: 'none',
    readOnlyRootfs: true,
    tmpfsSizeMb: 64,
    runTmpfsMb: 1,
    shmSizeMb: 1,
    pidsLimit: 256,
    nofile: 1024,
    nproc: 1024,
    init: true,
    capDrop: ['ALL'],
    noNewPrivileges: true,
    maxResponseBytes: 6 * 1024 * 1024,
    maxLogBytes: 1024 * 1024,
    hotDefaultMaxConcurrency: 8,
    hotQueueSize: 100,
    hotQueueWaitMs: 10_000,
    hotQueueTargetMs: 'auto',
    hotStartTimeoutMs: 5000,
    socketDir: '/run/podfn/sockets',
    secretsDir: '/run/podfn/sockets/.secrets',
    totalMemoryMb: Math.floor(os.totalmem() / (1024 * 1024)),
    memoryWaitMs: 10_000,
    healthPingMs: 2000,
    apiTimeoutMs: 15_000,
    killGraceMs: 5000,
    envUnderscoreHeaders: false,
    ...overrides,
  };
}

/** Accepts `unix:///path`, `unix:/path` or a bare path. */
export function socketPathFromHost(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('unix:')) return host.slice('unix:'.length);
  return host;
}
