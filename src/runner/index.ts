// src/runner: runs calls in containers. The rest of podfn hands it a CallRequest and gets a
// CallResult; it never sees Podman. Format `default` runs one container per call (cold.ts); `http`
// and `json` go to per-route pools of hot containers (hot-pool.ts). This folder may import only
// node built-ins, dockerode and its own modules.
//
// This file is the facade: start-up (ping, info, strays), health state for /readyz with a background
// ping while Podman is down (so calls fail fast with 503 and recover by themselves), dispatch, close.
// It reaches containers only through a ContainerRuntime (runtime.ts): Podman unless create() is given
// another, such as the FakeRuntime of the unit tests.
import { ColdRunner } from './cold.ts';
import { faultResult, type PodmanUnavailableError } from './errors.ts';
import { HotPools } from './hot-pool.ts';
import { MemoryAdmission } from './memory.ts';
import type { RunnerOptions } from './options.ts';
import { Podman } from './podman.ts';
import { Removals, removeStrays } from './removals.ts';
import { sweepSecretDirs } from './secret-files.ts';
import type { ContainerRuntime, RuntimeInfo } from './runtime.ts';
import type { RefusalCause } from './socket-dir.ts';
import type { RolloutReport } from './rollout.ts';
import type { CallRequest, CallResult, FunctionSpec } from './types.ts';

export type { CallRequest, CallResult, FunctionSpec } from './types.ts';
export { defaultRunnerOptions, type RunnerOptions } from './options.ts';
export type { ContainerRuntime } from './runtime.ts';
export type { RolloutReport, RolloutStatus } from './rollout.ts';

/** pino-compatible subset, so the runner does not depend on the app's logger */
export interface RunnerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const stderrLogger: RunnerLogger = {
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`podfn runner: ${msg} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`podfn runner: ${msg} ${JSON.stringify(obj)}\n`),
};

export interface RunnerState {
  /** 'starting' until the first connection attempt (ping, info, stray sweep) has finished */
  podman: 'up' | 'down' | 'starting';
  socketPath: string;
  rootless?: boolean;
  cgroupVersion?: string;
  /** false when Podman ignores memory/CPU limits (rootless on cgroup v1) */
  limitsEnforced?: boolean;
  version?: string;
  lastError?: string;
  memory: { totalMb: number; usedMb: number; waiting: number };
  cold: { running: number };
  hot: ReturnType<HotPools['stats']>;
  /** hot containers retired because their listener was not a socket of their own (hostile functions) */
  listenerRefused: Record<RefusalCause, number>;
}

export class Runner {
  private up = false;
  private info: RuntimeInfo | undefined;
  private lastError: string | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private connecting: Promise<boolean> | undefined;
  private strayCheckDone = false;
  /** the first connection while it is under way (start()): calls wait for it instead of a 503 */
  private starting: Promise<boolean> | undefined;
  private closed = false;
  private readonly cold: ColdRunner;
  private readonly hot: HotPools;
  /** removals that failed while the runtime was away, retried when it is back */
  private readonly removals: Removals;
  private readonly listenerRefused: Record<RefusalCause, number> = { symlink: 0, not_socket: 0, foreign_owner: 0 };

  private constructor(
    readonly options: RunnerOptions,
    readonly runtime: ContainerRuntime,
    readonly memory: MemoryAdmission,
    private readonly log: RunnerLogger,
  ) {
    this.removals = new Removals(runtime);
    const removals = this.removals;
    this.cold = new ColdRunner({ podman: runtime, options, memory, removals });
    this.hot = new HotPools({
      podman: runtime,
      options,
      memory,
      removals,
      onListenerRefused: (cause, detail) => {
        this.listenerRefused[cause]++;
        this.log.warn({ cause, ...detail }, 'function listener refused: the container is retired (a function that tries to redirect the gateway)');
      },
      onRollout: (event) => {
        if (event.status === 'failed') this.log.warn(event, 'rollout failed: the previous version keeps serving');
        else this.log.info(event, `rollout ${event.status}`);
      },
    });
    // memory follows demand: a call short of memory closes idle hot containers of other routes first
    memory.setEvictor((need, min, except) => this.hot.evictIdle(need, min, except));
    runtime.onUnavailable((err) => this.markDown(err));
  }

  /**
   * Never throws when the runtime is down: the runner starts 'down' and keeps pinging. `runtime`
   * defaults to Podman on options.socketPath.
   */
  static async create(
    options: RunnerOptions,
    log: RunnerLogger = stderrLogger,
    runtime: ContainerRuntime = new Podman(options.socketPath, options.apiTimeoutMs),
  ): Promise<Runner> {
    const runner = Runner.start(options, log, runtime);
    await runner.starting;
    return runner;
  }

  /**
   * create() without waiting for the first connection (ping, info, the stray sweep: most of a
   * gateway's start-up on rootless Podman), so the gateway can listen meanwhile: calls that come
   * before it is done wait for it, then run or get the usual 503 if the runtime is down.
   */
  static start(
    options: RunnerOptions,
    log: RunnerLogger = stderrLogger,
    runtime: ContainerRuntime = new Podman(options.socketPath, options.apiTimeoutMs),
  ): Runner {
    const memory = new MemoryAdmission(options.totalMemoryMb, options.memoryWaitMs);
    const runner = new Runner(options, runtime, memory, log);
    runner.starting = runner.connect().then((ok) => {
      runner.starting = undefined;
      if (!ok) runner.schedulePing();
      return ok;
    });
    return runner;
  }

  /** Ping, read info, and (first time only) remove this node's strays before accepting calls. */
  private connect(): Promise<boolean> {
    this.connecting ??= (async () => {
      try {
        await this.runtime.ping();
        const info = await this.runtime.info();
        if (!this.strayCheckDone) {
          const removed = await removeStrays(this.runtime, this.options.nodeId);
          // socket dirs whose container is gone (a crash of the previous run) would pile up in /run
          await this.hot.sweepSocketDirs().catch(() => 0);
          // and so would secret folders (a crash leaves them; values must not linger in /run)
          await this.runtime
            .socketDirPolicy()
            .then((owner) => sweepSecretDirs(this.runtime, this.options.secretsDir, owner))
            .catch(() => 0);
          this.strayCheckDone = true;
          if (removed > 0) this.log.info({ removed }, 'removed stray containers');
        }
        if (!info.limitsEnforced && this.info?.limitsEnforced !== false) {
          this.log.warn(
            { rootless: info.rootless, cgroupVersion: info.cgroupVersion },
            'Podman does not enforce memory/CPU limits here (rootless on cgroup v1): function memory is not capped',
          );
        }
        this.info = info;
        this.up = true;
        // containers (cold and hot) whose removal failed while Podman was away
        void this.removals.retry();
        this.lastError = undefined;
        this.log.info({ ...info, socketPath: this.options.socketPath }, 'Podman is up');
        return true;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.up = false;
        return false;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private markDown(err: PodmanUnavailableError): void {
    this.lastError = err.message;
    if (!this.up) return;
    this.up = false;
    this.log.error({ err: err.message, socketPath: this.options.socketPath }, 'Podman is unreachable; answering 503 until it returns');
    this.schedulePing();
  }

  private schedulePing(): void {
    if (this.pinger || this.closed) return;
    this.pinger = setInterval(() => {
      void this.connect().then((ok) => {
        if (ok && this.pinger) {
          clearInterval(this.pinger);
          this.pinger = undefined;
        }
      });
    }, this.options.healthPingMs);
    this.pinger.unref();
  }

  async run(call: CallRequest): Promise<CallResult> {
    if (this.closed) return faultResult(503, 'Server shutting down', { platformError: true });
    if (!this.up && this.starting) await this.starting;
    if (this.closed) return faultResult(503, 'Server shutting down', { platformError: true });
    if (!this.up) {
      return faultResult(503, `container runtime unavailable: ${this.lastError ?? 'not connected'}`, { platformError: true });
    }
    return call.fn.format === 'default' ? this.cold.run(call) : this.hot.run(call);
  }

  /** Stops an app's (or one route's) hot containers: after a route or app delete. */
  drain(appName: string, path?: string): Promise<void> {
    this.hot.drain(appName, path);
    return Promise.resolve();
  }

  /**
   * A route's spec changed (route or app update, rollback): its hot containers are replaced without
   * downtime (rollout.ts); a route that became cold drops them.
   */
  update(fn: FunctionSpec): void {
    this.hot.changed(fn);
  }

  /** The route's rollout on this node: in progress, else the last one since start. */
  rollout(appName: string, path: string): RolloutReport | undefined {
    return this.hot.rollout(appName, path);
  }

  state(): RunnerState {
    return {
      podman: this.up ? 'up' : this.starting ? 'starting' : 'down',
      socketPath: this.options.socketPath,
      rootless: this.info?.rootless,
      cgroupVersion: this.info?.cgroupVersion,
      limitsEnforced: this.info?.limitsEnforced,
      version: this.info?.version,
      lastError: this.lastError,
      memory: { totalMb: this.memory.totalMb, usedMb: this.memory.used, waiting: this.memory.waiting },
      cold: { running: this.cold.running },
      hot: this.hot.stats(),
      listenerRefused: { ...this.listenerRefused },
    };
  }

  /** Stops the hot pools and kills in-flight cold containers; waits until they are removed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = undefined;
    await Promise.allSettled([this.hot.close(), this.cold.close()]);
  }
}
