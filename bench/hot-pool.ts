// Hot path micro-benchmark: a hot echo call through HotPools.run vs a direct node:http request to the
// same container's Unix socket (the floor), at concurrency 1 (latency) and 32 (throughput).
// Usage: npx tsx bench/hot-pool.ts [calls=500] ; PODFN_CONTAINER_HOST picks the Podman socket.
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import { HotPools } from '../src/runner/hot-pool.ts';
import { MemoryAdmission } from '../src/runner/memory.ts';
import { Podman } from '../src/runner/podman.ts';
import { fnSpec, image, makeCall, testOptions } from '../test/helpers/podman.ts';
import type { FunctionSpec } from '../src/runner/types.ts';

const N = Number(process.argv[2] ?? 500);
const socketDir = `/run/podfn/bench-${process.pid}`;
const options = testOptions({ socketDir });
const podman = new Podman(options.socketPath);
const pools = new HotPools({ podman, options, memory: new MemoryAdmission(8192) });
const body = Buffer.from('hello world');

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000); // µs
}

/** Latency of each path, measured alternately so both see the same background noise. */
async function latency(paths: Record<string, () => Promise<void>>): Promise<Record<string, { p50_us: number; p99_us: number }>> {
  const names = Object.keys(paths);
  const t: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < N + 50; i++) {
    for (const n of names) {
      const t0 = performance.now();
      await paths[n]!();
      if (i >= 50) t[n]!.push(performance.now() - t0); // first 50: warm-up
    }
  }
  return Object.fromEntries(names.map((n) => [n, { p50_us: pct(t[n]!, 50), p99_us: pct(t[n]!, 99) }]));
}

async function throughput(one: () => Promise<void>, conc: number, total = N * 4): Promise<number> {
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (left-- > 0) await one();
    }),
  );
  return Math.round(total / ((performance.now() - t0) / 1000));
}

const viaPool = (fn: FunctionSpec) => async () => {
  const r = await pools.run(makeCall(fn, { body }));
  if (r.status !== 200) throw new Error(`pool call failed: ${r.status} ${r.error}`);
};

function direct(sock: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ agent, socketPath: sock, method: 'POST', path: '/echo', headers: { 'Content-Length': body.length } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
}

const one = fnSpec({ image: image('echo'), format: 'http', path: '/echo', maxConcurrency: 1 });
const eight = fnSpec({ image: image('echo'), format: 'http', path: '/echo8', maxConcurrency: 8 });
await viaPool(one)();
const [dir] = await readdir(socketDir);
const sock = `${socketDir}/${dir}/lsnr.sock`;
await Promise.all(Array.from({ length: 32 }, viaPool(eight))); // start the 8 containers before timing
const result = {
  podman: options.socketPath,
  calls: N,
  c1: await latency({ pool: viaPool(one), direct: direct(sock, 1) }),
  c32_rps: {
    pool_1_container: await throughput(viaPool(one), 32),
    direct_1_connection: await throughput(direct(sock, 1), 32),
    pool_8_containers: await throughput(viaPool(eight), 32),
  },
};
console.log(JSON.stringify(result, null, 2));
await pools.close();
