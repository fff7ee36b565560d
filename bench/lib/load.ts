// The load generator: node:http with keep-alive agents, a fixed number of requests per level.
// Latency at concurrency 1 interleaves the paths (one request each, in rotating order) so every path
// sees the same background noise; throughput runs N requests over C workers sharing one counter.
// Every answer is checked (status 200 and the echoed body), so a failing path cannot look fast.
import http from 'node:http';
import { summarizeUs, type LatencySummary } from './stats.ts';

export interface Target {
  name: string;
  /** TCP port on 127.0.0.1, or a Unix socket path */
  port?: number;
  socketPath?: string;
  path: string;
  agent: http.Agent;
  /** a Host header other than 127.0.0.1:port (Function URLs, bench/hosts.ts) */
  host?: string;
  /** the answer a call must get (default: the request body echoed) */
  expect?: Buffer;
}

export function target(name: string, where: { port: number } | { socketPath: string }, path: string, maxSockets: number, host?: string): Target {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  return { name, ...where, path, agent, ...(host ? { host } : {}) };
}

export const BODY = Buffer.from('hello world');

/** One POST; resolves with the latency in ms, rejects on a wrong answer. */
export function request(t: Target, body: Buffer = BODY): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        agent: t.agent,
        ...(t.socketPath ? { socketPath: t.socketPath } : { host: '127.0.0.1', port: t.port }),
        method: 'POST',
        path: t.path,
        headers: { 'Content-Type': 'text/plain', 'Content-Length': body.length, ...(t.host ? { Host: t.host } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const got = Buffer.concat(chunks);
          if (res.statusCode !== 200 || !got.equals(t.expect ?? body)) {
            reject(new Error(`${t.name}: HTTP ${res.statusCode} ${got.toString('utf8').slice(0, 200)}`));
          } else resolve(ms);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Concurrency 1, interleaved: `warmup` then `n` timed requests per target. */
export async function latencyC1(targets: Target[], warmup: number, n: number): Promise<Record<string, LatencySummary>> {
  return (await latencyC1Phases(targets, warmup, n)).steady;
}

/**
 * latencyC1, also summarising each target's first `firstN` warm-up requests (a process just started:
 * its JIT is still cold) apart from the steady state after the whole warm-up.
 */
export async function latencyC1Phases(
  targets: Target[],
  warmup: number,
  n: number,
  firstN = 0,
): Promise<{ steady: Record<string, LatencySummary>; first: Record<string, LatencySummary> }> {
  const samples: number[][] = targets.map(() => []);
  const first: number[][] = targets.map(() => []);
  for (let i = 0; i < warmup + n; i++) {
    for (let k = 0; k < targets.length; k++) {
      const j = (i + k) % targets.length; // rotate who goes first
      const ms = await request(targets[j]!);
      if (i >= warmup) samples[j]!.push(ms);
      else if (i < firstN) first[j]!.push(ms);
    }
  }
  return {
    steady: Object.fromEntries(targets.map((t, j) => [t.name, summarizeUs(samples[j]!)])),
    first: Object.fromEntries(targets.map((t, j) => [t.name, summarizeUs(first[j]!)])),
  };
}

export interface ThroughputResult {
  concurrency: number;
  requests: number;
  rps: number;
  latency: LatencySummary;
}

/** `total` requests over `concurrency` workers; a short untimed warm-up opens the connections first. */
export async function throughput(t: Target, concurrency: number, total: number, warmup = 200): Promise<ThroughputResult> {
  const run = async (count: number, record: number[] | null) => {
    let left = count;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left > 0) {
          left--;
          const ms = await request(t);
          record?.push(ms);
        }
      }),
    );
  };
  await run(warmup, null);
  const samples: number[] = [];
  const t0 = performance.now();
  await run(total, samples);
  const secs = (performance.now() - t0) / 1000;
  return { concurrency, requests: total, rps: Math.round(total / secs), latency: summarizeUs(samples) };
}

export function closeTargets(targets: Target[]): void {
  for (const t of targets) t.agent.destroy();
}
