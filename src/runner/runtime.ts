// The container runtime seam: everything the runner needs from a container engine, and nothing more.
// The runner's logic (cold runner, hot launcher and pools, the Runner's up/down state) depends only on
// this interface, so its policy can run against Podman (podman.ts, the default) or against the
// in-memory FakeRuntime (fake-runtime.ts) in tests that need no Podman.
//
// Errors, for every method: PodmanUnavailableError when the engine cannot be reached or does not
// answer in time (callers answer 503 and the Runner turns 'down' until a ping succeeds again);
// PodmanApiError when the engine answered with an error (statusCode 404: no such container or image).
// An implementation tells its onUnavailable listeners about every PodmanUnavailableError before it
// rejects with it. Anything else thrown is a bug (500).
import type Docker from 'dockerode';
import type { PassThrough, Writable } from 'node:stream';
import type { PodmanUnavailableError } from './errors.ts';
import type { SocketDirPolicy } from './socket-dir.ts';

/** every podfn container carries io.podfn.managed=true and its node's id (stray removal) */
export const LABEL_MANAGED = 'io.podfn.managed';
export const LABEL_NODE = 'io.podfn.node';
export const LABEL_APP = 'io.podfn.app';
export const LABEL_ROUTE = 'io.podfn.route';
export const LABEL_CALL = 'io.podfn.call';
export const LABEL_POOL = 'io.podfn.pool';
/** image label asking for the seed's stdio hot transport */
export const LABEL_TRANSPORT = 'io.podfn.transport';

/** What container-spec.ts builds: the Docker-compatible create body, which Podman takes as is. */
export type ContainerSpec = Docker.ContainerCreateOptions;

export interface RuntimeInfo {
  rootless: boolean;
  cgroupVersion: string;
  /** false on rootless + cgroup v1: memory/CPU/pids limits are silently ignored */
  limitsEnforced: boolean;
  version: string;
}

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
  env: string[];
  /** hot transport the image asks for: label io.podfn.transport or FN_TRANSPORT in its Env */
  transport: 'socket' | 'stdio';
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  status: string;
}

export interface ManagedContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** A container's stdio while attached. */
export interface Attachment {
  /** the container's stdin; end() closes it (the container sees EOF when created with StdinOnce) */
  stdin: Writable;
  stdout: PassThrough;
  stderr: PassThrough;
  /** resolves when the attach stream ended (the container exited or the stream was destroyed) */
  closed: Promise<void>;
  /** tears the stream down at once (stdout/stderr end) */
  destroy(): void;
}

export interface AttachOptions {
  /** ms to wait for the engine to accept the attach (then PodmanUnavailableError) */
  timeoutMs?: number;
}

export interface ContainerRuntime {
  /** Resolves when the engine answers: start-up, the ping while down, and telling a dead container from a dead engine. */
  ping(): Promise<void>;

  /** Engine facts for /readyz and the start-up warning about unenforced limits. */
  info(): Promise<RuntimeInfo>;

  /** The local image (never pulls); null when there is no such image. May be cached per image id. */
  inspectImage(ref: string): Promise<ImageInfo | null>;

  /** Creates, without starting, a container; resolves with its id. A missing image is PodmanApiError 404. */
  createContainer(spec: ContainerSpec): Promise<string>;

  /**
   * Attaches to a created container's stdio; the runner does it before start() so no output is lost.
   * stdout and stderr arrive demultiplexed. `closed` resolves when the stream ends: the container
   * exited (after its last output), destroy() was called, or the engine went away (the container may
   * live on then). No answer within opts.timeoutMs is PodmanUnavailableError.
   */
  attach(id: string, opts?: AttachOptions): Promise<Attachment>;

  /** Starts a created container. */
  start(id: string): Promise<void>;

  /**
   * Resolves with the exit code once the container no longer runs (call after start()); possibly
   * before its last output arrived on the attachment. Rejects with PodmanUnavailableError when the
   * engine goes away meanwhile (the container may still run), with an Error named 'AbortError' when
   * `signal` aborts.
   */
  wait(id: string, signal?: AbortSignal): Promise<number>;

  /** Sends a signal (default SIGKILL); a missing or no longer running container is not an error. */
  kill(id: string, signal?: string): Promise<void>;

  /** Current state; oomKilled when the engine saw the OOM killer end it (not every engine can tell). */
  inspectState(id: string): Promise<ContainerState>;

  /** Force-removes the container (killing it first if it runs); a missing container is not an error. */
  remove(id: string): Promise<void>;

  /** Containers labelled LABEL_MANAGED=true, of any node, or only those with LABEL_NODE=nodeId. */
  listManaged(nodeId?: string): Promise<ManagedContainer[]>;

  /**
   * Which host uids a container's processes run as: who may own a hot container's socket folder and
   * which listener owners are the container's own (socket-dir.ts). Host facts; never rejects for a
   * missing engine.
   */
  socketDirPolicy(): Promise<SocketDirPolicy>;

  /** Told synchronously of every PodmanUnavailableError, so the Runner turns 'down' at once. Returns the unsubscribe. */
  onUnavailable(listener: (err: PodmanUnavailableError) => void): () => void;
}
