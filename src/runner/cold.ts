// Format `default`: one container per call. Body on stdin, metadata in env, stdout is the response
// and stderr the log. Owns the container's whole life (admission, create, attach, start, deadline,
// caps, exit/OOM mapping, removal) so nothing leaks on any path.
import { randomBytes } from 'node:crypto';
import { coldEnv } from './call-env.ts';
import { buildContainerSpec, containerName, labelValue } from './container-spec.ts';
import { abortedResult, badExitResult, faultResult, oomResult, platformFaultResult, responseTooLargeResult, timeoutResult } from './errors.ts';
import type { MemoryAdmission, Release } from './memory.ts';
import type { RunnerOptions } from './options.ts';
import { CappedBuffer } from './output-limit.ts';
import { Removals } from './removals.ts';
import { LABEL_APP, LABEL_CALL, LABEL_ROUTE, type Attachment, type ContainerRuntime } from './runtime.ts';
import type { CallRequest, CallResult } from './types.ts';
import { CONTAINER_SECRETS_DIR, removeSecretFiles, writeSecretFiles } from './secret-files.ts';

export interface ColdDeps {
  /** the container runtime (named for the default, Podman; any ContainerRuntime) */
  podman: ContainerRuntime;
  options: RunnerOptions;
  memory: MemoryAdmission;
  /** shared with the Runner so its reconnect retries them; absent: this runner keeps its own */
  removals?: Removals;
}

type Stop = 'timeout' | 'overflow' | 'aborted' | 'shutdown';

export class ColdRunner {
  /** in-flight calls, so close() can stop them */
  private readonly inflight = new Set<(why: Stop) => void>();
  private readonly pending = new Set<Promise<CallResult>>();
  private readonly removals: Removals;

  constructor(private readonly deps: ColdDeps) {
    this.removals = deps.removals ?? new Removals(deps.podman);
  }

  get running(): number {
    return this.inflight.size;
  }

  run(call: CallRequest): Promise<CallResult> {
    const p = this.runOne(call);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private async runOne(call: CallRequest): Promise<CallResult> {
    const { podman, options, memory } = this.deps;
    const startedAt = Date.now();
    const extra = { startedAt, coldStart: true };
    if (call.signal?.aborted) return abortedResult(extra);
    if (call.deadline <= startedAt) return timeoutResult(extra);

    let stop: Stop | undefined;
    let containerId: string | undefined;
    let attachment: Attachment | undefined;
    let release: Release | undefined;
    /** host folder of the call's secret files, bound at /run/secrets */
    let secretsDir: string | undefined;
    const stdout = new CappedBuffer(options.maxResponseBytes);
    const stderr = new CappedBuffer(options.maxLogBytes);
    const log = () => stderr.toBuffer();

    // Once stopped, the exit must show within the grace period; a Podman that cannot even say so
    // must not hold the call (its outcome is the stop's anyway).
    const giveUp = new AbortController();
    // First stop reason wins; the container (if any yet) is killed at once.
    const halt = (why: Stop) => {
      if (stop !== undefined) return;
      stop = why;
      if (containerId !== undefined) podman.kill(containerId).catch(() => undefined);
      setTimeout(() => giveUp.abort(), options.killGraceMs).unref();
    };
    const onAbort = () => halt('aborted');
    const deadlineTimer = setTimeout(() => halt('timeout'), call.deadline - startedAt);
    call.signal?.addEventListener('abort', onAbort, { once: true });
    this.inflight.add(halt);

    try {
      const waitMs = Math.min(options.memoryWaitMs, Math.max(0, call.deadline - Date.now()));
      release = await memory.acquireContainer(call.fn.memory, options, { waitMs, signal: call.signal });
      if (stop !== undefined) return this.stopped(stop, log(), extra);

      const name = containerName('cold', randomBytes(8).toString('hex'));
      if (call.fn.secrets?.length) {
        secretsDir = await writeSecretFiles(options.secretsDir, await podman.socketDirPolicy(), name, call.fn.secrets);
        if (stop !== undefined) return this.stopped(stop, log(), extra);
      }
      const spec = buildContainerSpec({
        name,
        image: call.fn.image,
        env: coldEnv(call, options),
        memoryMb: call.fn.memory,
        labels: {
          [LABEL_APP]: labelValue(call.fn.appName),
          [LABEL_ROUTE]: labelValue(call.fn.path),
          [LABEL_CALL]: labelValue(call.id),
        },
        mounts: secretsDir ? [{ source: secretsDir, target: CONTAINER_SECRETS_DIR, readOnly: true }] : undefined,
        stdin: 'once',
        options,
      });
      containerId = await podman.createContainer(spec);
      if (stop !== undefined) return this.stopped(stop, log(), extra);

      attachment = await podman.attach(containerId, { timeoutMs: options.apiTimeoutMs });
      attachment.stdout.on('data', (chunk: Buffer) => {
        if (!stdout.push(chunk)) halt('overflow');
      });
      attachment.stderr.on('data', (chunk: Buffer) => void stderr.push(chunk));

      await podman.start(containerId);
      if (stop !== undefined) podman.kill(containerId).catch(() => undefined);
      attachment.stdin.end(call.body);

      const exitCode = await this.waitExit(containerId, attachment, giveUp.signal);
      if (stop !== undefined) return this.stopped(stop, log(), extra);
      if (exitCode !== 0) {
        // conmon 2.1 on hybrid cgroup v1 never sets OOMKilled, so a SIGKILL (137) we did not send
        // counts as the OOM killer's too.
        const state = await podman.inspectState(containerId).catch(() => undefined);
        if (state?.oomKilled || exitCode === 137) return oomResult(call.fn.memory, { log: log(), ...extra });
        return badExitResult(exitCode, { log: log(), ...extra });
      }
      return {
        status: 200,
        headers: [],
        body: stdout.toBuffer(),
        log: log(),
        outcome: 'success',
        startedAt,
        completedAt: Date.now(),
        coldStart: true,
      };
    } catch (err) {
      // A fault of ours after a stop (e.g. Podman answering an error to a killed container) is still
      // the stop's outcome.
      if (stop !== undefined) return this.stopped(stop, log(), extra);
      if (err instanceof Error && err.name === 'AbortError') return abortedResult(extra);
      return platformFaultResult(err, { log: log(), ...extra });
    } finally {
      clearTimeout(deadlineTimer);
      call.signal?.removeEventListener('abort', onAbort);
      attachment?.destroy();
      // Podman gone mid-call: removed once it is back (Runner.connect -> Removals.retry); the secret
      // files go after the container (a deferred removal keeps them until then)
      const dir = secretsDir;
      const filesGone = dir ? () => removeSecretFiles(dir) : undefined;
      if (containerId !== undefined) await this.removals.removeOrDefer(containerId, filesGone);
      else await filesGone?.();
      release?.();
      this.inflight.delete(halt);
    }
  }

  /**
   * Exit code once the container exited AND its output stream ended: Podman's wait can resolve
   * before the last output arrived. A stream that never ends after exit is cut after a grace period.
   */
  private async waitExit(id: string, attachment: Attachment, signal: AbortSignal): Promise<number> {
    const code = await this.deps.podman.wait(id, signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      attachment.closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.deps.options.killGraceMs);
      }),
    ]);
    clearTimeout(timer);
    return code;
  }

  private stopped(why: Stop, log: Buffer, extra: { startedAt: number; coldStart: boolean }): CallResult {
    switch (why) {
      case 'timeout':
        return timeoutResult({ log, ...extra });
      case 'overflow':
        return responseTooLargeResult(this.deps.options.maxResponseBytes, { log, ...extra });
      case 'aborted':
        return abortedResult({ log, ...extra });
      case 'shutdown':
        return faultResult(503, 'Server shutting down', { log, reason: 'killed', platformError: true, ...extra });
    }
  }

  /** Kills every in-flight cold container (server shutdown); their calls end with 503 once removed. */
  async close(): Promise<void> {
    for (const halt of [...this.inflight]) halt('shutdown');
    await Promise.allSettled([...this.pending]);
  }
}
