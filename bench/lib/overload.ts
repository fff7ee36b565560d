// Open-loop load on one hot route (the overload benchmark, issue 5; also a phase of bench/run.ts): a
// fixed arrival rate regardless of how fast answers come, then the statuses, the goodput and the
// latency of the admitted (200) and of the refused (429/503) calls.
import http from 'node:http';
import { percentile } from './stats.ts';

interface Outcome {
  status: number; // 0 = connection error
  ms: number;
  retryAfter: boolean;
}

function post(port: number, path: string, agent: http.Agent): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path, headers: { 'Content-Length': 1 } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, retryAfter: res.headers['retry-after'] !== undefined }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - t0, retryAfter: false }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, retryAfter: false }));
    req.end('x');
  });
}

/** Open loop: `rate` calls/s for `seconds`, regardless of how fast answers come. */
export async function overloadPhase(port: number, path: string, rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const pending: Array<Promise<Outcome>> = [];
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(post(port, path, agent));
  }
  const all = await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const by: Record<string, number> = {};
  for (const o of all) by[o.status] = (by[o.status] ?? 0) + 1;
  const ok = all
    .filter((o) => o.status === 200)
    .map((o) => o.ms)
    .sort((a, b) => a - b);
  const shed = all.filter((o) => o.status === 429 || o.status === 503);
  const shedMs = shed.map((o) => o.ms).sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    offered_per_s: rate,
    sent: all.length,
    statuses: by,
    connection_errors: by[0] ?? 0,
    goodput_per_s: r(ok.length / elapsed),
    ok_ms: { p50: r(percentile(ok, 50)), p99: r(percentile(ok, 99)), max: r(ok[ok.length - 1] ?? NaN) },
    shed_ms: { p50: r(percentile(shedMs, 50)), p99: r(percentile(shedMs, 99)), max: r(shedMs[shedMs.length - 1] ?? NaN) },
    shed_without_retry_after: shed.filter((o) => !o.retryAfter).length,
  };
}
