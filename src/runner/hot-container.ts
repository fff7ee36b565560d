// One hot container as a Slot: runs one call at a time through its transport and format codec, keeps
// the container's stderr (and stdout, for socket containers) as the current call's log, and decides
// when the container is finished (crash, timeout, protocol error, oversize answer). close() kills and
// removes it, deletes its socket dir and hands its memory back, exactly once.
import type { Readable } from 'node:stream';
import { abortedResult, faultResult, platformFaultResult, PodmanUnavailableError, responseTooLargeResult, timeoutResult } from './errors.ts';
import { decodeHttpHead, decodeHttpResponse, encodeHttpRequest } from './formats/http.ts';
import { decodeJsonResponse, encodeJsonRequest } from './formats/json.ts';
import { FunctionProtocolError, type ClientReply, type FunctionRequest, type FunctionResponse } from './formats/message.ts';
import { CappedBuffer } from './output-limit.ts';
import type { Removals } from './removals.ts';
import type { ContainerRuntime } from './runtime.ts';
import { removeSocketDir } from './socket-dir.ts';
import { TransportError, type AnswerStream, type HotTransport } from './transport.ts';
import { removeSecretFiles } from './secret-files.ts';
import type { CallRequest, CallResult, Slot } from './types.ts';

export interface HotContainerParts {
  id: string;
  name: string;
  runtime: ContainerRuntime;
  /** removes it, or retries later when the runtime is away */
  removals: Removals;
  format: 'http' | 'json';
  transport: HotTransport;
  /** 'stdio' adds the seed's Task-Id header */
  transportKind: 'socket' | 'stdio';
  /** streams whose bytes belong to the current call's log */
  logStreams: Readable[];
  /** resolves when the container's attach stream ends, i.e. it exited */
  exited: Promise<void>;
  /** host socket dir to delete on close (socket transport) */
  socketDir?: string;
  /** host folder of its secret files (bound at /run/secrets) to delete on close */
  secretsDir?: string;
  maxLogBytes: number;
  maxResponseBytes: number;
  /** tears the attach stream down (after removal it ends anyway; this makes it immediate) */
  detach?: () => void;
  /** memory admission release etc.; runs once after removal */
  onClosed?: () => void;
}

const LOG_SETTLE_MAX_MS = 5;

export class HotContainer implements Slot {
  readonly id: string;
  private alive = true;
  private closing: Promise<void> | undefined;
  /** why we closed it ourselves; a call cut short by that is not the function's fault */
  private closedFor: string | undefined;
  private log: CappedBuffer | undefined;
  private deathListeners: Array<() => void> = [];
  /** set once the function ever wrote a log byte: only chatty functions pay the settle wait */
  private logs = false;
  private lastLogAt = 0;

  constructor(private readonly p: HotContainerParts) {
    this.id = p.id;
    for (const s of p.logStreams) {
      s.on('data', (c: Buffer) => {
        this.logs = true;
        this.lastLogAt = performance.now();
        this.log?.push(c);
      });
    }
    void p.exited.then(() => {
      this.markDead();
      // The attach stream also ends when the Podman service dies (the function may live on): a ping
      // tells the runner's health state at once, so the next calls get 503 instead of trying.
      if (this.closedFor === undefined) p.runtime.ping().catch(() => undefined);
    });
    // e.g. stdout bytes between calls: the seed stream is misaligned, so retire it before reuse
    p.transport.onFailure?.(() => this.markDead());
  }

  get healthy(): boolean {
    return this.alive;
  }

  get name(): string {
    return this.p.name;
  }

  /** called once when the container stops being usable on its own (exit, broken stream) */
  onDeath(listener: () => void): void {
    if (!this.alive) queueMicrotask(listener);
    else this.deathListeners.push(listener);
  }

  async exec(call: CallRequest): Promise<CallResult> {
    const startedAt = Date.now();
    if (!this.alive) return faultResult(502, 'hot container is no longer running', { startedAt });
    this.log = new CappedBuffer(this.p.maxLogBytes);
    const log = () => this.log?.toBuffer() ?? Buffer.alloc(0);
    // only the socket transport streams; the json format needs the whole envelope, stdio buffers
    const streams = this.p.format === 'http' && this.p.transportKind === 'socket';
    try {
      if (call.bodyStream && !streams) {
        const body = await collect(call.bodyStream).catch((err: Error) => err);
        // the client's fault, not the container's (the gateway answers it with the body's own status)
        if (body instanceof Error) return faultResult(400, `request body failed: ${body.message}`, { startedAt });
        call = { ...call, body, bodyStream: undefined };
      }
      const req = this.encode(call);
      const sink = streams ? call.sink : undefined;
      const stream: AnswerStream | undefined = sink && {
        bytes: 0,
        head: (status, headers, length) => {
          const h = decodeHttpHead(status, headers);
          return sink.start(h.status, h.headers, length);
        },
      };
      let res: FunctionResponse;
      try {
        res = await this.p.transport.roundTrip(req, call.deadline, call.signal, stream);
      } catch (err) {
        this.markDead();
        if (err instanceof FunctionProtocolError) return faultResult(502, err.message, { log: log(), startedAt });
        const fault = await this.transportFault(err, log, startedAt);
        if (!stream?.sent) return fault;
        // the head (and maybe some body) already went out: the client saw the answer cut short
        const error = `${fault.error ?? 'call failed'} (the answer was cut short after ${stream.bytes} body bytes had gone out)`;
        const note = Buffer.from(`\n[podfn: ${error}]\n`);
        return { ...fault, error, streamed: true, log: fault.log.length > 0 ? Buffer.concat([fault.log, note]) : note };
      }
      if (stream) {
        await this.settleLog();
        return { status: res.status, headers: [], body: res.body, streamed: true, log: log(), outcome: 'success', startedAt, completedAt: Date.now() };
      }
      let reply: ClientReply;
      try {
        reply = this.p.format === 'json' ? decodeJsonResponse(res) : decodeHttpResponse(res);
      } catch (err) {
        if (!(err instanceof FunctionProtocolError)) throw err;
        this.markDead();
        return faultResult(502, err.message, { log: log(), startedAt });
      }
      await this.settleLog();
      return { ...reply, log: log(), outcome: 'success', startedAt, completedAt: Date.now() };
    } finally {
      this.log = undefined;
    }
  }

  close(reason = 'closed'): Promise<void> {
    this.closedFor ??= reason;
    this.closing ??= this.doClose();
    return this.closing;
  }

  /**
   * Log lines travel through conmon and the attach stream, the response straight over the socket, so
   * a call's last lines usually land after its response (measured here: rootful p50 0.1 ms, max 2 ms;
   * rootless p50 0.3 ms, p90 5 ms, max 22 ms). For functions that log at all, wait until the stream
   * was quiet for ~1 ms (at most 5 ms), so those lines mostly stay with their call. Best effort:
   * later lines are dropped or, if the next call has begun, land in its log.
   */
  private async settleLog(): Promise<void> {
    if (!this.logs) return;
    const until = performance.now() + LOG_SETTLE_MAX_MS;
    do await new Promise((r) => setTimeout(r, 1));
    while (performance.now() - this.lastLogAt < 1 && performance.now() < until);
  }

  private encode(call: CallRequest): FunctionRequest {
    const req = this.p.format === 'json' ? encodeJsonRequest(call) : encodeHttpRequest(call);
    if (this.p.transportKind === 'stdio') req.headers.push(['Task-Id', call.id]);
    return req;
  }

  private async transportFault(err: unknown, log: () => Buffer, startedAt: number): Promise<CallResult> {
    if (!(err instanceof TransportError)) throw err;
    const extra = { log: log(), startedAt };
    switch (err.kind) {
      case 'timeout':
        void this.close('timeout'); // kill now; the 504 need not wait for Podman
        return timeoutResult(extra);
      case 'too_large':
        void this.close('response too large');
        return responseTooLargeResult(this.p.maxResponseBytes, extra);
      case 'aborted':
        void this.close('aborted');
        return abortedResult(extra);
      case 'broken': {
        if (this.closedFor === 'shutdown') return faultResult(503, 'server is shutting down', { ...extra, platformError: true });
        if (this.closedFor) return faultResult(502, `hot container closed during the call (${this.closedFor})`, extra);
        const code = await this.exitCode(1000);
        extra.log = log(); // the attach stream has ended by now: the function's last words are in
        if (code !== undefined) return faultResult(502, `function exited with code ${code} during the call`, { ...extra, reason: 'bad_exit' });
        // no exit code: maybe the Podman service itself went away (the stdio transport runs through it)
        const down = await this.p.runtime.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
        if (down instanceof PodmanUnavailableError) return platformFaultResult(down, extra);
        return faultResult(502, err.message, extra);
      }
    }
  }

  private async exitCode(ms: number): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([this.p.exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    return stopped ? settledExitCode(this.p.runtime, this.id, ms) : undefined;
  }

  private markDead(): void {
    if (!this.alive) return;
    this.alive = false;
    const listeners = this.deathListeners;
    this.deathListeners = [];
    for (const l of listeners) l();
  }

  private async doClose(): Promise<void> {
    this.markDead();
    this.p.transport.close();
    // Podman unreachable: the function lives on under conmon; removed once Podman is back. Its socket
    // folder goes only after that: while the container may run, it could still plant links there.
    const { socketDir, secretsDir } = this.p;
    const after =
      socketDir || secretsDir
        ? async () => {
            if (socketDir) await removeSocketDir(socketDir);
            if (secretsDir) await removeSecretFiles(secretsDir);
          }
        : undefined;
    await this.p.removals.removeOrDefer(this.id, after);
    this.p.onClosed?.();
    this.p.detach?.();
  }
}

/**
 * Exit code of a container whose attach stream has ended; Podman's state lags that end by a few ms,
 * so poll for up to `ms`. undefined when it still runs or cannot be inspected.
 */
export async function settledExitCode(runtime: ContainerRuntime, id: string, ms: number): Promise<number | undefined> {
  const until = Date.now() + ms;
  do {
    try {
      const state = await runtime.inspectState(id);
      if (!state.running) return state.exitCode;
    } catch {
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 20));
  } while (Date.now() < until);
  return undefined;
}

/** A streamed request body, whole, for the transports and formats that need it so (stdio, json). */
async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
