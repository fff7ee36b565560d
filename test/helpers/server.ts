// Runs a real podfn server process for black-box tests and benchmarks: a free port, a temp embedded
// database, a clean environment (the caller's PODFN_* and PORT never leak in), readiness by /healthz,
// and stop/restart/kill so suites can prove what survives a restart. Temp dirs and stray processes are
// cleaned up even when a suite crashes.
//
// The server runs as `node --import tsx src/main.ts` (one process), not through the tsx CLI wrapper:
// the wrapper forks a second node and cannot forward SIGKILL, so a kill test would leave the real
// server running on the port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startSqld } from './sqld.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How production runs the gateway (npm start, the Containerfile, the systemd unit): the compiled
 * bundle from scripts/build.mjs with these node flags. test/deploy/bundle.test.ts keeps them in step. */
export const BUNDLE_ENTRY = 'dist/main.js';
export const BUNDLE_NODE_ARGS = ['--max-semi-space-size=4', '--single-threaded-gc', '--interrupt-budget=8192'];
/** ...and this environment (glibc: 2 malloc arenas, less RSS), unless the caller sets it. */
export const BUNDLE_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2' };

/** Extra environment; a value of undefined removes the variable. */
export type Env = Record<string, string | undefined>;

export interface ServerOptions {
  env?: Env;
  /** default: file:<tmpdir>/podfn.db */
  dbUrl?: string;
  /** default: a free port */
  port?: number;
  /** how long to wait for /healthz (default 60 s: a ceiling, a loaded host's tsx start-up can take a while) */
  readyTimeoutMs?: number;
  /** 'source' (default): src/main.ts through tsx; 'bundle': BUNDLE_ENTRY as production runs it (build it first) */
  entry?: 'source' | 'bundle';
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TestServer {
  url: string;
  port: number;
  /** temp dir holding the database (removed by stop()) */
  dir: string;
  dbUrl: string;
  pid(): number | undefined;
  /** stdout + stderr of the current process so far (tail) */
  output(): string;
  /** SIGTERM, wait for exit, remove the temp dir. Final. */
  stop(): Promise<ExitInfo | undefined>;
  /** SIGTERM (if running), then start again on the same port and database; env is merged in. */
  restart(env?: Env): Promise<void>;
  /** Sends a signal and waits for the exit; the data stays, so restart() can follow. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
}

const OUTPUT_CAP = 64 * 1024;
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The caller's environment without podfn settings, plus podfn's test defaults and `extra`. */
export function serverEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PODFN_') || k === 'PORT' || k === 'HOST') continue;
    env[k] = v;
  }
  env.HOST = '127.0.0.1';
  env.PODFN_LOG_LEVEL = 'warn';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function spawnServer(env: NodeJS.ProcessEnv, entry: 'source' | 'bundle'): { child: ChildProcess; output: () => string } {
  const args = entry === 'bundle' ? [...BUNDLE_NODE_ARGS, BUNDLE_ENTRY] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: entry === 'bundle' ? { ...BUNDLE_ENV, ...env } : env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  const append = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > OUTPUT_CAP) out = out.slice(-OUTPUT_CAP);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // say how it ended: a signal from elsewhere (OOM killer, a stray pkill) leaves no output of its own
  child.once('exit', (code, signal) => append(Buffer.from(`\n[podfn process exited: code ${code}, signal ${signal}]\n`)));
  return { child, output: () => out };
}

function waitExit(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function probe(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** True while /readyz reports the runner's start-up still under way. */
function starting(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/readyz`, { agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(res.statusCode !== 200 && text.includes('"podman":"starting"')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`podfn exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    }
    // listening (/healthz), and past the runner's start-up: the server listens before its first
    // Podman round trip is done (/readyz says "starting" meanwhile); a Podman that is down is a state
    // some suites start in on purpose, so only "starting" is waited out
    if ((await probe(`${url}/healthz`)) && !(await starting(url))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`podfn did not answer /healthz within ${timeoutMs} ms:\n${output()}`);
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
async function terminate(child: ChildProcess, graceMs = 30_000): Promise<ExitInfo> {
  const exited = waitExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const info = await exited;
  clearTimeout(timer);
  return info;
}

/** The server process still runs and /healthz answers 200: what the fault suites check after each fault. */
export async function assertServing(srv: TestServer): Promise<void> {
  const pid = srv.pid();
  if (pid === undefined) throw new Error('the gateway process is gone');
  process.kill(pid, 0); // throws when the process died
  if (!(await probe(`${srv.url}/healthz`, 30_000))) throw new Error(`/healthz did not answer 200:\n${srv.output()}`);
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-test-'));
  dirs.add(dir);
  // PODFN_TEST_DB=sqld: every server gets its own fresh libSQL server instead of an embedded file
  // (the suites that must hold for a remote database run this way in CI)
  const sqld = !opts.dbUrl && process.env.PODFN_TEST_DB === 'sqld' ? await startSqld() : undefined;
  const dbUrl = opts.dbUrl ?? sqld?.url ?? `file:${path.join(dir, 'podfn.db')}`;
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  let extra: Env = { ...opts.env, PORT: String(port), PODFN_DB_URL: dbUrl };
  let current: { child: ChildProcess; output: () => string } | undefined;

  const launch = async () => {
    current = spawnServer(serverEnv(extra), opts.entry ?? 'source');
    await waitReady(url, current.child, current.output, readyTimeout);
  };
  try {
    await launch();
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    await sqld?.stop();
    throw e;
  }

  return {
    url,
    port,
    dir,
    dbUrl,
    pid: () => current?.child.pid,
    output: () => current?.output() ?? '',
    async stop() {
      const info = current ? await terminate(current.child) : undefined;
      current = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
      await sqld?.stop();
      return info;
    },
    async restart(env?: Env) {
      if (current) await terminate(current.child);
      extra = { ...extra, ...env, PORT: String(port), PODFN_DB_URL: dbUrl };
      await launch();
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!current) throw new Error('server is not running');
      const exited = waitExit(current.child);
      current.child.kill(signal);
      const info = await exited;
      return info;
    },
  };
}

export interface RunResult extends ExitInfo {
  output: string;
  /** true when the process was still running at the deadline (it was killed) */
  timedOut: boolean;
}

/** Runs the server with `env` until it exits on its own (for start-up failures). */
export async function runServerToExit(env: Env, timeoutMs = 60_000): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-test-'));
  dirs.add(dir);
  const port = await freePort();
  const { child, output } = spawnServer(serverEnv({ PORT: String(port), PODFN_DB_URL: `file:${path.join(dir, 'podfn.db')}`, ...env }), 'source');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const info = await waitExit(child);
  clearTimeout(timer);
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
  return { ...info, output: output(), timedOut };
}
