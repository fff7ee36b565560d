// Child processes the benchmark starts (the gateway, the bare Hono proxy) and their memory: spawn with
// `node --import tsx` (one process, as the Containerfile runs the gateway, so /proc/<pid> is the
// gateway itself and not a tsx wrapper), wait for a readiness line, read VmRSS, stop them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** last output lines, for error messages */
  tail: string[];
  exited: Promise<number | null>;
}

/**
 * Starts `node [nodeArgs] --import tsx <script> [args]` (plain `node` for .js/.mjs files) and resolves once a stdout/stderr line matches
 * `ready` (returning that line), or rejects on exit/timeout with the process's last output.
 */
export function startTs(
  script: string,
  opts: { args?: string[]; env?: NodeJS.ProcessEnv; nodeArgs?: string[]; cwd: string; ready: RegExp; timeoutMs: number },
): Promise<{ child: Child; line: string }> {
  const loader = /\.m?js$/.test(script) ? [] : ['--import', 'tsx'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, script, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const child: Child = { proc, pid: proc.pid ?? -1, tail, exited };
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${script} not ready within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${err.message}\n  last output:\n    ${tail.join('\n    ')}`));
    };
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (!done && opts.ready.test(line)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, line });
      }
    };
    createInterface({ input: proc.stdout }).on('line', onLine);
    createInterface({ input: proc.stderr }).on('line', onLine);
    proc.on('error', (err) => fail(err));
    void exited.then((code) => fail(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stop(child: Child, graceMs = 15_000): Promise<number | null> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.proc.exitCode;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/** VmRSS (or another /proc/<pid>/status kB field, e.g. RssAnon) in MiB (1 decimal); NaN when gone. */
export function rssMb(pid: number, field = 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` while load runs; peak() is the largest value seen. */
export class RssSampler {
  private max = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 50,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.max;
  }

  private sample(): void {
    const v = rssMb(this.pid);
    if (v > this.max) this.max = v;
  }
}

/** The process and all its descendants (via /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** user + system CPU time a process has used so far, in ms (/proc/<pid>/stat, USER_HZ = 100). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    return (Number(fields[11]) + Number(fields[12])) * 10; // #14 utime, #15 stime
  } catch {
    return NaN;
  }
}

/** CPU µs per request a set of processes spent over a measured phase. */
export class CpuMeter {
  private readonly before: number[];

  constructor(private readonly pids: number[]) {
    this.before = pids.map(cpuMs);
  }

  perRequestUs(requests: number): number {
    const used = this.pids.map(cpuMs).reduce((a, v, i) => a + (v - this.before[i]!), 0);
    return Math.round((used * 1000) / requests);
  }
}
