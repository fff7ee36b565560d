// An in-memory ContainerRuntime (runtime.ts) so the runner's policy — cold calls, hot launches and
// pools, memory admission, the Runner's up/down state, deferred removals — can be tested in-process,
// deterministically and without Podman. It ships beside the real one so any part of podfn can use it.
//
// Images are registered with a program: an async function that plays the container's process once it
// starts (reads stdin, writes stdout/stderr, sleeps, serves HTTP on its FN_LISTENER, exits with a code
// or as the OOM killer's victim). A hot program's listener is a real Unix socket in the host folder
// the runner bind-mounted at /tmp/iofs, bound the way functions do it (temp name, chmod, rename), so
// the runner's own socket checks and transport run unchanged. Failures are injected per operation;
// goAway() makes the engine unreachable (every operation, and any wait or attach in progress, fails
// with the PodmanUnavailableError the real client throws) while containers live on, as they do under
// conmon, until comeBack(). Timers are the global ones, so a test's fake timers drive sleeps too.
import { randomBytes } from 'node:crypto';
import { chmod, rename } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { PodmanApiError, PodmanUnavailableError } from './errors.ts';
import {
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_TRANSPORT,
  type Attachment,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ImageInfo,
  type ManagedContainer,
  type RuntimeInfo,
} from './runtime.ts';
import { LISTENER_NAME, type SocketDirPolicy } from './socket-dir.ts';

/** How a fake container ends: an exit code, and whether the OOM killer did it. */
export interface FakeExit {
  code: number;
  oomKilled?: boolean;
}

/** What a fake container's process is given. */
export interface FakeProcess {
  readonly id: string;
  readonly name: string;
  /** image env, then the container's (later wins) */
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  /** what the runner writes to the container's stdin; ends when it closes stdin */
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** aborted when the container ends (its exit, a kill, a removal) */
  readonly signal: AbortSignal;
  /** stdin up to EOF */
  readStdin(): Promise<Buffer>;
  /** resolves after `ms` or when the container ends, whichever is first (global timers) */
  sleep(ms: number): Promise<void>;
  /** resolves when the container ends: a program that returns it runs until killed */
  untilKilled(): Promise<void>;
  /** ends the container now, e.g. from inside a request handler (a crash mid-call) */
  exit(exit: number | FakeExit): void;
  /** the host folder bind-mounted at `containerPath` (or the host path of a file below it) */
  hostPath(containerPath: string): string | undefined;
  /** serves HTTP on FN_LISTENER as a function would: bind a temp name, chmod 0666, rename to lsnr.sock */
  listen(handler: http.RequestListener): Promise<http.Server>;
}

/** The process of a fake container; its result is the exit (a number is the exit code). A throw is exit 1. */
export type FakeProgram = (proc: FakeProcess) => Promise<number | FakeExit | void> | number | FakeExit | void;

export interface FakeImage {
  program: FakeProgram;
  /** hot transport; else derived from labels/env as Podman's inspectImage does */
  transport?: 'socket' | 'stdio';
  labels?: Record<string, string>;
  env?: string[];
}

/** the engine operations, for failure injection and the call log */
export type FakeOp = 'ping' | 'info' | 'inspectImage' | 'createContainer' | 'attach' | 'start' | 'wait' | 'kill' | 'inspectState' | 'remove' | 'listManaged';

export interface FakeContainerInfo {
  id: string;
  name: string;
  image: string;
  state: 'created' | 'running' | 'exited';
  exitCode: number;
  oomKilled: boolean;
  labels: Record<string, string>;
  env: Record<string, string>;
  /** the signal of a kill() (or remove) that ended it */
  killedBy?: string;
}

interface Waiter {
  resolve(code: number): void;
  reject(err: Error): void;
}

interface Box {
  info: FakeContainerInfo;
  spec: ContainerSpec;
  program: FakeProgram;
  /** the process side of stdio */
  stdin: PassThrough;
  out: PassThrough;
  err: PassThrough;
  ended: AbortController;
  waiters: Set<Waiter>;
  servers: Set<http.Server>;
  /** detachers of the live attachments */
  attachments: Set<() => void>;
}

interface Failure {
  error: () => Error;
  times: number;
}

export interface FakeRuntimeOptions {
  info?: Partial<RuntimeInfo>;
  /** default: the container's processes are this process's user (it binds their listeners) */
  socketDirPolicy?: SocketDirPolicy;
}

export class FakeRuntime implements ContainerRuntime {
  /** every operation asked of the engine, in order (failed ones too) */
  readonly calls: FakeOp[] = [];
  /** ids of removed containers, in order */
  readonly removed: string[] = [];
  private readonly images = new Map<string, FakeImage>();
  private readonly boxes = new Map<string, Box>();
  private readonly failures = new Map<FakeOp, Failure>();
  private readonly listeners = new Set<(err: PodmanUnavailableError) => void>();
  private down = false;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {}

  // ---- scripting -------------------------------------------------------------------------------

  /** Registers an image; a bare program is a socket-transport image. */
  addImage(ref: string, image: FakeImage | FakeProgram): this {
    this.images.set(ref, typeof image === 'function' ? { program: image } : image);
    return this;
  }

  /** The engine stops answering: operations fail, waits and attach streams break; containers run on. */
  goAway(): void {
    if (this.down) return;
    this.down = true;
    const lost = new PodmanUnavailableError('wait: connection closed before the container exited');
    for (const box of this.boxes.values()) {
      for (const detach of [...box.attachments]) detach();
      for (const w of box.waiters) w.reject(lost);
      box.waiters.clear();
    }
    this.report(lost);
  }

  /** The engine answers again. */
  comeBack(): void {
    this.down = false;
  }

  get available(): boolean {
    return !this.down;
  }

  /**
   * The next `times` (default: every) calls of `op` fail with `error` (default: PodmanApiError 500).
   * A PodmanUnavailableError is reported to onUnavailable listeners, as the real client does.
   */
  fail(op: FakeOp, o: { error?: Error | (() => Error); times?: number } = {}): void {
    const e = o.error;
    const error = typeof e === 'function' ? e : e ? () => e : () => new PodmanApiError(`${op}: injected failure`, 500);
    this.failures.set(op, { error, times: o.times ?? Infinity });
  }

  /** Clears injected failures (of one operation, or all). */
  heal(op?: FakeOp): void {
    if (op) this.failures.delete(op);
    else this.failures.clear();
  }

  /** Every container not yet removed. */
  containers(): FakeContainerInfo[] {
    return [...this.boxes.values()].map((b) => ({ ...b.info }));
  }

  /** how many times `op` was asked */
  count(op: FakeOp): number {
    return this.calls.filter((c) => c === op).length;
  }

  // ---- ContainerRuntime ------------------------------------------------------------------------

  ping(): Promise<void> {
    return this.op('ping', () => undefined);
  }

  info(): Promise<RuntimeInfo> {
    return this.op('info', () => ({ rootless: true, cgroupVersion: '2', limitsEnforced: true, version: 'fake', ...this.opts.info }));
  }

  inspectImage(ref: string): Promise<ImageInfo | null> {
    return this.op('inspectImage', () => {
      const image = this.images.get(ref);
      if (!image) return null;
      const labels = image.labels ?? {};
      const env = image.env ?? [];
      const stdio = labels[LABEL_TRANSPORT] === 'stdio' || env.includes('FN_TRANSPORT=stdio');
      return { id: `sha256:${Buffer.from(ref).toString('hex').slice(0, 64)}`, labels, env, transport: image.transport ?? (stdio ? 'stdio' : 'socket') };
    });
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    return this.op('createContainer', () => {
      const ref = spec.Image ?? '';
      const image = this.images.get(ref);
      if (!image) throw new PodmanApiError(`${ref}: image not known`, 404);
      const name = spec.name ?? '';
      if (name && [...this.boxes.values()].some((b) => b.info.name === name)) {
        throw new PodmanApiError(`the container name "${name}" is already in use`, 409);
      }
      const id = randomBytes(32).toString('hex');
      const out = new PassThrough();
      const err = new PassThrough();
      // a program still writing after its container ended (killed mid-write) must not crash the test
      out.on('error', () => undefined);
      err.on('error', () => undefined);
      this.boxes.set(id, {
        info: {
          id,
          name: name || id.slice(0, 12),
          image: ref,
          state: 'created',
          exitCode: 0,
          oomKilled: false,
          labels: { ...image.labels, ...spec.Labels },
          env: envMap([...(image.env ?? []), ...(spec.Env ?? [])]),
        },
        spec,
        program: image.program,
        stdin: new PassThrough(),
        out,
        err,
        ended: new AbortController(),
        waiters: new Set(),
        servers: new Set(),
        attachments: new Set(),
      });
      return id;
    });
  }

  attach(id: string): Promise<Attachment> {
    return this.op('attach', () => this.attachTo(this.box(id)));
  }

  start(id: string): Promise<void> {
    return this.op('start', () => {
      const box = this.box(id);
      if (box.info.state !== 'created') return; // running: Podman's 304; exited: not needed here
      box.info.state = 'running';
      const proc = this.processOf(box);
      void Promise.resolve()
        .then(() => box.program(proc))
        .then(
          (r) => this.end(box, typeof r === 'number' ? { code: r } : (r ?? { code: 0 })),
          (err: unknown) => {
            if (!box.err.writableEnded) box.err.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            this.end(box, { code: 1 });
          },
        );
    });
  }

  wait(id: string, signal?: AbortSignal): Promise<number> {
    return this.op('wait', () => {
      const box = this.box(id);
      if (box.info.state === 'exited') return box.info.exitCode;
      return new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          box.waiters.delete(waiter);
          const err = new Error('wait aborted');
          err.name = 'AbortError';
          reject(err);
        };
        const waiter: Waiter = {
          resolve: (code) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(code);
          },
          reject: (err) => {
            signal?.removeEventListener('abort', onAbort);
            reject(err);
          },
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        box.waiters.add(waiter);
      });
    });
  }

  kill(id: string, signal = 'SIGKILL'): Promise<void> {
    return this.op('kill', () => {
      const box = this.boxes.get(id);
      if (!box || box.info.state !== 'running') return; // gone or not running: not an error
      box.info.killedBy = signal;
      this.end(box, { code: signal === 'SIGKILL' ? 137 : 143 });
    });
  }

  inspectState(id: string): Promise<ContainerState> {
    return this.op('inspectState', () => {
      const { state, exitCode, oomKilled } = this.box(id).info;
      return { running: state === 'running', exitCode, oomKilled, status: state };
    });
  }

  remove(id: string): Promise<void> {
    return this.op('remove', () => {
      const box = this.boxes.get(id);
      if (!box) return;
      if (box.info.state === 'running') {
        box.info.killedBy = 'SIGKILL';
        this.end(box, { code: 137 });
      }
      for (const detach of [...box.attachments]) detach();
      for (const w of box.waiters) w.reject(new PodmanApiError(`no container with ID "${id}" found: no such container`, 404));
      box.waiters.clear();
      this.boxes.delete(id);
      this.removed.push(id);
    });
  }

  listManaged(nodeId?: string): Promise<ManagedContainer[]> {
    return this.op('listManaged', () =>
      [...this.boxes.values()]
        .filter((b) => b.info.labels[LABEL_MANAGED] === 'true' && (nodeId === undefined || b.info.labels[LABEL_NODE] === nodeId))
        .map((b) => ({ id: b.info.id, name: b.info.name, state: b.info.state, labels: { ...b.info.labels } })),
    );
  }

  socketDirPolicy(): Promise<SocketDirPolicy> {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    return Promise.resolve(this.opts.socketDirPolicy ?? { containerRootUid: uid, containerRootGid: gid, ownsSocket: (u) => u === uid });
  }

  onUnavailable(listener: (err: PodmanUnavailableError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** One engine operation: logged, answered asynchronously (as over a socket), failing when told to. */
  private async op<T>(name: FakeOp, fn: () => T | Promise<T>): Promise<T> {
    this.calls.push(name);
    await Promise.resolve();
    const err = this.down ? new PodmanUnavailableError(`${name}: connect ECONNREFUSED (fake runtime is away)`, 'ECONNREFUSED') : this.injected(name);
    if (err) {
      if (err instanceof PodmanUnavailableError) this.report(err);
      throw err;
    }
    return fn();
  }

  private injected(op: FakeOp): Error | undefined {
    const f = this.failures.get(op);
    if (!f) return undefined;
    if (--f.times <= 0) this.failures.delete(op);
    return f.error();
  }

  private report(err: PodmanUnavailableError): void {
    for (const l of this.listeners) l(err);
  }

  private box(id: string): Box {
    const box = this.boxes.get(id);
    if (!box) throw new PodmanApiError(`no container with name or ID "${id}" found: no such container`, 404);
    return box;
  }

  /** Ends a running container: its listeners close, its output ends, its waiters learn the code. */
  private end(box: Box, exit: FakeExit): void {
    if (box.info.state !== 'running') return;
    box.info.state = 'exited';
    box.info.exitCode = exit.code;
    box.info.oomKilled = exit.oomKilled === true;
    box.ended.abort();
    for (const s of box.servers) {
      s.close();
      s.closeAllConnections();
    }
    box.out.end();
    box.err.end();
    for (const w of box.waiters) w.resolve(exit.code);
    box.waiters.clear();
  }

  /**
   * The runner's side of stdio. `closed` resolves once both output streams have ended after their
   * last bytes (the runner reads both), or at once when detached (destroy(), the engine going away).
   */
  private attachTo(box: Box): Attachment {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdin.pipe(box.stdin);
    box.out.pipe(stdout);
    box.err.pipe(stderr);
    let resolveClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    let open = 2;
    const oneEnded = () => {
      if (--open === 0) resolveClosed();
    };
    stdout.once('end', oneEnded);
    stderr.once('end', oneEnded);
    const detach = () => {
      if (!box.attachments.delete(detach)) return;
      stdin.unpipe(box.stdin);
      stdin.resume(); // later writes go nowhere, as on a dead socket
      box.out.unpipe(stdout);
      box.err.unpipe(stderr);
      stdout.end();
      stderr.end();
      resolveClosed();
    };
    box.attachments.add(detach);
    // the output streams end by themselves after the exit; then there is nothing left to detach
    void closed.then(() => box.attachments.delete(detach));
    if (box.info.state === 'exited') detach();
    return { stdin, stdout, stderr, closed, destroy: detach };
  }

  private processOf(box: Box): FakeProcess {
    const { info, ended } = box;
    const hostPath = (containerPath: string): string | undefined => {
      for (const bind of box.spec.HostConfig?.Binds ?? []) {
        const [source, target] = bind.split(':');
        if (!source || !target) continue;
        if (containerPath === target) return source;
        if (containerPath.startsWith(`${target}/`)) return path.join(source, containerPath.slice(target.length + 1));
      }
      return undefined;
    };
    const untilKilled = () =>
      new Promise<void>((resolve) => (ended.signal.aborted ? resolve() : ended.signal.addEventListener('abort', () => resolve(), { once: true })));
    return {
      id: info.id,
      name: info.name,
      env: info.env,
      labels: info.labels,
      stdin: box.stdin,
      stdout: box.out,
      stderr: box.err,
      signal: ended.signal,
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const c of box.stdin) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          if (ended.signal.aborted) return resolve();
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            ended.signal.removeEventListener('abort', done);
            resolve();
          }
          ended.signal.addEventListener('abort', done, { once: true });
        }),
      untilKilled,
      exit: (exit) => this.end(box, typeof exit === 'number' ? { code: exit } : exit),
      hostPath,
      listen: async (handler) => {
        const listener = info.env.FN_LISTENER ?? '';
        const target = listener.startsWith('unix:') ? hostPath(listener.slice('unix:'.length)) : undefined;
        if (!target) throw new Error(`no FN_LISTENER on a mounted folder (FN_LISTENER=${listener || 'unset'})`);
        const tmp = path.join(path.dirname(target), `.${LISTENER_NAME}.${randomBytes(4).toString('hex')}`);
        const server = http.createServer(handler);
        // a container lives outside the test process: its listener must not keep that process alive
        server.unref();
        server.on('connection', (socket) => socket.unref());
        box.servers.add(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(tmp, () => resolve());
        });
        if (ended.signal.aborted) server.close(); // killed while binding
        await chmod(tmp, 0o666);
        await rename(tmp, target);
        return server;
      },
    };
  }
}

function envMap(list: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}
