// Shared set-up for the runtime-*.test.ts suites: the runner's policy on the in-memory FakeRuntime
// (src/runner/fake-runtime.ts), no Podman. Time is node's mock timers (setTimeout, setInterval and
// Date; setImmediate stays real so real I/O — socket files, Unix sockets — can progress while a test
// waits for a state), so nothing sleeps for real and no test depends on how fast this host is.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mock } from 'node:test';
import { defaultRunnerOptions, type RunnerOptions } from '../../src/runner/options.ts';
import type { FakeProcess, FakeProgram } from '../../src/runner/fake-runtime.ts';
import type { RunnerLogger } from '../../src/runner/index.ts';
import type { CallRequest, FunctionSpec } from '../../src/runner/types.ts';

export const quiet: RunnerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Fake timers for one test; call the returned reset() when it ends (uvu: test.after.each). */
export function fakeTime(): { tick(ms: number): void; reset(): void } {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: Date.now() });
  return { tick: (ms) => mock.timers.tick(ms), reset: () => mock.timers.reset() };
}

/** One turn of the real event loop: pending I/O callbacks and promise chains run. */
export function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Yields to the event loop until `probe` holds. Not a time budget: the guard only turns a hang (the
 * state never comes) into a failure naming what was awaited.
 */
export async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (probe()) return;
    await turn();
  }
  throw new Error(`never happened: ${what}`);
}

/** Awaits `p`, turning a hang (a regression that never settles it) into a failure. */
export async function done<T>(p: Promise<T>, what = 'the promise to settle'): Promise<T> {
  let settled = false;
  const tracked = p.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  await until(what, () => settled);
  return tracked;
}

/** A socket folder of the suite's own, removed at exit. */
export function tempSocketDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'podfn-fake-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function fakeOptions(overrides: Partial<RunnerOptions> = {}): RunnerOptions {
  return defaultRunnerOptions({
    socketPath: '/nonexistent/fake-runtime.sock',
    nodeId: `fake-${randomBytes(3).toString('hex')}`,
    totalMemoryMb: 4096,
    ...overrides,
  });
}

export function fnSpec(overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    appName: 'app',
    path: '/fn',
    image: 'fake/echo',
    memory: 128,
    format: 'default',
    timeout: 30,
    idleTimeout: 30,
    maxConcurrency: 0,
    config: {},
    ...overrides,
  };
}

let seq = 0;
export function makeCall(fn: FunctionSpec, body = '', o: { timeoutMs?: number; signal?: AbortSignal } = {}): CallRequest {
  return {
    id: `call-${++seq}`,
    fn,
    method: 'POST',
    url: `http://localhost:8080/r/${fn.appName}${fn.path}`,
    headers: {},
    params: {},
    body: Buffer.from(body),
    deadline: Date.now() + (o.timeoutMs ?? fn.timeout * 1000),
    signal: o.signal,
  };
}

/** A gate a fake program can wait on; open() lets it through. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open: () => open() };
}

/** cold: stdin back on stdout */
export const echo: FakeProgram = async (p) => {
  p.stdout.write(await p.readStdin());
  return 0;
};

/** hot (socket): answers `reply(body)` with 200, runs until killed */
export function httpServer(reply: (body: string, p: FakeProcess) => string | undefined = (b) => `hello ${b}`): FakeProgram {
  return async (p) => {
    await p.listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const out = reply(Buffer.concat(chunks).toString(), p);
        if (out !== undefined) res.writeHead(200, { 'content-type': 'text/plain' }).end(out);
      });
    });
    await p.untilKilled();
  };
}
