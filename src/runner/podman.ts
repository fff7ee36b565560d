// The one place that talks to Podman's Docker-compatible API (through dockerode): the runner's default
// ContainerRuntime (runtime.ts states the contract). Every socket-level failure becomes
// PodmanUnavailableError (-> 503) and every HTTP error PodmanApiError, so callers never inspect
// dockerode's loosely typed errors.
import Docker from 'dockerode';
import { attachContainer } from './attach.ts';
import { PodmanApiError, PodmanUnavailableError } from './errors.ts';
import { removeStrays } from './removals.ts';
import {
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_TRANSPORT,
  type Attachment,
  type AttachOptions,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ImageInfo,
  type ManagedContainer,
  type RuntimeInfo,
} from './runtime.ts';
import { socketDirPolicy, type SocketDirPolicy } from './socket-dir.ts';
import { waitContainer } from './wait.ts';

// the shapes moved to the seam (runtime.ts); ImageInfo is still imported from here
export type { ImageInfo } from './runtime.ts';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTSOCK', 'ECONNABORTED']);

interface DockerodeError {
  code?: string;
  statusCode?: number;
  message?: string;
  json?: unknown;
}

function asDockerodeError(err: unknown): DockerodeError {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

/** Normalises any dockerode failure. */
export function toPodmanError(err: unknown): Error {
  if (err instanceof PodmanUnavailableError || err instanceof PodmanApiError) return err;
  const e = asDockerodeError(err);
  if (typeof e.statusCode === 'number') {
    const json = e.json as { message?: string; cause?: string } | null | undefined;
    const detail = (json && typeof json === 'object' && (json.message || json.cause)) || e.message || 'error';
    return new PodmanApiError(String(detail).trim(), e.statusCode);
  }
  const code = e.code;
  if (code === undefined || UNAVAILABLE_CODES.has(code) || /socket hang up|timeout/i.test(e.message ?? '')) {
    return new PodmanUnavailableError(e.message ?? 'Podman API unreachable', code);
  }
  return new PodmanUnavailableError(e.message ?? String(err), code);
}

function isStatus(err: unknown, ...codes: number[]): boolean {
  return err instanceof PodmanApiError && codes.includes(err.statusCode);
}

export class Podman implements ContainerRuntime {
  /** for long requests (wait); no idle timeout */
  readonly docker: Docker;
  /** for short API requests: a hung service must not hang calls forever */
  private readonly quick: Docker;
  private readonly imageCache = new Map<string, ImageInfo>();
  private readonly unavailableListeners = new Set<(err: PodmanUnavailableError) => void>();
  private dirPolicy: Promise<SocketDirPolicy> | undefined;

  constructor(
    readonly socketPath: string,
    apiTimeoutMs = 15_000,
  ) {
    this.docker = new Docker({ socketPath });
    this.quick = new Docker({ socketPath, timeout: apiTimeoutMs });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = toPodmanError(err);
      if (e instanceof PodmanUnavailableError) this.reportUnavailable(e);
      throw e;
    }
  }

  /** Lets the runner's health state learn at once that the socket stopped answering. */
  onUnavailable(listener: (err: PodmanUnavailableError) => void): () => void {
    this.unavailableListeners.add(listener);
    return () => this.unavailableListeners.delete(listener);
  }

  /** Called by anything talking to the socket outside dockerode (the raw attach). */
  reportUnavailable(err: PodmanUnavailableError): void {
    for (const l of this.unavailableListeners) l(err);
  }

  async ping(): Promise<void> {
    await this.call(() => this.quick.ping());
  }

  async info(): Promise<RuntimeInfo> {
    const info = (await this.call(() => this.quick.info())) as {
      Rootless?: boolean;
      CgroupVersion?: string;
      ServerVersion?: string;
      SecurityOptions?: string[];
      MemoryLimit?: boolean;
    };
    const rootless = info.Rootless === true || (info.SecurityOptions ?? []).some((o) => o.includes('rootless'));
    const cgroupVersion = String(info.CgroupVersion ?? 'unknown');
    return {
      rootless,
      cgroupVersion,
      limitsEnforced: !(rootless && cgroupVersion === '1') && info.MemoryLimit !== false,
      version: String(info.ServerVersion ?? 'unknown'),
    };
  }

  /** null when the image does not exist locally. Derived info is cached per image id. */
  async inspectImage(image: string): Promise<ImageInfo | null> {
    let raw: { Id: string; Config?: { Labels?: Record<string, string> | null; Env?: string[] | null } };
    try {
      raw = await this.call(() => this.quick.getImage(image).inspect());
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
    const cached = this.imageCache.get(raw.Id);
    if (cached) return cached;
    const labels = raw.Config?.Labels ?? {};
    const env = raw.Config?.Env ?? [];
    const stdio = labels[LABEL_TRANSPORT] === 'stdio' || env.includes('FN_TRANSPORT=stdio');
    const info: ImageInfo = { id: raw.Id, labels, env, transport: stdio ? 'stdio' : 'socket' };
    this.imageCache.set(raw.Id, info);
    return info;
  }

  /** Returns the new container's id. */
  async createContainer(options: ContainerSpec): Promise<string> {
    const c = await this.call(() => this.quick.createContainer(options));
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.call(() => this.quick.getContainer(id).start());
  }

  /** Ignores containers that are gone or no longer running. */
  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    try {
      await this.call(() => this.quick.getContainer(id).kill({ signal }));
    } catch (err) {
      if (isStatus(err, 404, 409)) return;
      // Podman answers 500 "can only kill running containers" for stopped ones.
      if (err instanceof PodmanApiError && /not running|can only kill|no such/i.test(err.message)) return;
      throw err;
    }
  }

  /** Force-removes (kills first if running); a missing container is not an error. */
  async remove(id: string): Promise<void> {
    try {
      await this.call(() => this.quick.getContainer(id).remove({ force: true, v: true }));
    } catch (err) {
      if (isStatus(err, 404)) return;
      if (err instanceof PodmanApiError && /no such container/i.test(err.message)) return;
      throw err;
    }
  }

  /** Raw upgrade over the API socket (attach.ts): dockerode's attach would feed its options to stdin. */
  attach(id: string, opts?: AttachOptions): Promise<Attachment> {
    return attachContainer(this, id, opts);
  }

  /** The API socket's owner is who the containers' root is on the host (socket-dir.ts); worked out once. */
  socketDirPolicy(): Promise<SocketDirPolicy> {
    this.dirPolicy ??= socketDirPolicy(this.socketPath);
    return this.dirPolicy;
  }

  /** Resolves with the exit code once the container is not running. Call after start(). */
  async wait(id: string, signal?: AbortSignal): Promise<number> {
    try {
      return await waitContainer(this.socketPath, id, signal);
    } catch (err) {
      if (err instanceof PodmanUnavailableError) this.reportUnavailable(err);
      throw err;
    }
  }

  async inspectState(id: string): Promise<ContainerState> {
    const info = await this.call(() => this.quick.getContainer(id).inspect());
    return {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      status: info.State.Status,
    };
  }

  /** Every podfn container (any node), or only this node's when nodeId is given. */
  async listManaged(nodeId?: string): Promise<ManagedContainer[]> {
    const label = [`${LABEL_MANAGED}=true`];
    if (nodeId !== undefined) label.push(`${LABEL_NODE}=${nodeId}`);
    const list = await this.call(() => this.quick.listContainers({ all: true, filters: { label } }));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  /** Removes this node's containers left over from an earlier process (call at start-up only). */
  removeStrays(nodeId: string): Promise<number> {
    return removeStrays(this, nodeId);
  }
}
