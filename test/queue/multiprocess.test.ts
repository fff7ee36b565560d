// Several gateway processes on ONE libSQL file (test/queue/claim-worker.ts, real processes, real file):
// they share one queue and no call runs twice while both live; a SIGKILLed process's running calls are
// re-run by another after their lease (at-least-once); SIGTERM returns unfinished calls to the queue.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { Enqueuer } from '../../src/queue/enqueue.ts';
import * as calls from '../../src/store/calls.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import { addRoute, gatewayCall, loadedCache, waitFor } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const test = suite<{ t?: TempStore }>('queue: several processes on one database');
let ts: TempStore;
let cache: RouteCache;
let enq: Enqueuer;

test.before(async (ctx) => {
  ctx.t = ts = await tempStore();
  await addRoute(ts.store, 'mp', '/job');
  cache = await loadedCache(ts.store);
  enq = new Enqueuer(ts.store.client, 3, () => {});
});
test.after((ctx) => ctx.t?.dispose());

interface Proc {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

async function startWorker(label: string, runs: string, options: Record<string, unknown>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/queue/claim-worker.ts', ts.url, runs, label, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    child.once('exit', () => reject(new Error(`worker ${label} exited during start:\n${err}`)));
  });
  return { child, exited, stderr: () => err };
}

async function enqueue(n: number): Promise<string[]> {
  const t0 = Date.now() - n;
  const list = Array.from({ length: n }, (_, i) => gatewayCall(cache, 'mp', '/job', `b${i}`, t0 + i));
  await Promise.all(list.map((c, i) => enq.enqueue(c, t0 + i)));
  return list.map((c) => c.id);
}

function runsOf(file: string): Array<[string, string]> {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string]);
}

const allFinal = (ids: string[]) => async () => {
  for (const id of ids) {
    const c = await calls.getCall(ts.store.db, 'mp', id);
    if (!c || c.status === 'queued' || c.status === 'running') return false;
  }
  return true;
};

test('two processes drain one queue: every call runs exactly once, both take part', async () => {
  const runs = path.join(ts.dir, 'runs-a.txt');
  const a = await startWorker('A', runs, { workers: 4, sleepMs: 5 });
  const b = await startWorker('B', runs, { workers: 4, sleepMs: 5 });
  try {
    const ids = await enqueue(400);
    await waitFor('all 400 final', allFinal(ids), 120_000, 100);
    const lines = runsOf(runs);
    const perId = new Map<string, number>();
    for (const [, id] of lines) perId.set(id, (perId.get(id) ?? 0) + 1);
    assert.is(lines.length, 400, 'runs recorded');
    assert.equal(
      [...perId.values()].filter((n) => n !== 1),
      [],
      'no call ran twice',
    );
    const byA = lines.filter(([l]) => l === 'A').length;
    assert.ok(byA > 0 && byA < 400, `A ran ${byA}, B ran ${400 - byA}`);
    for (const id of ids) {
      const c = await calls.getCall(ts.store.db, 'mp', id);
      assert.is(c?.status, 'success');
      assert.is(c?.attempts, 1);
      const runner = lines.find(([, i]) => i === id)![0];
      assert.is(c?.nodeId, runner, 'node_id is the process that ran it');
      assert.is((await calls.getLog(ts.store.db, 'mp', id))?.toString(), `ran on ${runner}\n`);
    }
  } finally {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    assert.equal(await a.exited, { code: 0, signal: null }, a.stderr());
    assert.equal(await b.exited, { code: 0, signal: null }, b.stderr());
  }
});

test('SIGKILL: the calls the dead process was running are re-run by another after their lease', async () => {
  const runs = path.join(ts.dir, 'runs-b.txt');
  const ids = await enqueue(10);
  const a = await startWorker('A', runs, { workers: 4, sleepMs: 60_000, leaseMs: 1000 });
  await waitFor('A runs 4 calls', () => runsOf(runs).length === 4, 60_000);
  a.child.kill('SIGKILL');
  assert.equal(await a.exited, { code: null, signal: 'SIGKILL' });
  const killedIds = runsOf(runs).map(([, id]) => id);
  const b = await startWorker('B', runs, { workers: 4, sleepMs: 5, leaseMs: 1000 });
  try {
    await waitFor('all 10 final', allFinal(ids), 60_000, 100);
    const lines = runsOf(runs);
    for (const id of ids) {
      const c = await calls.getCall(ts.store.db, 'mp', id);
      assert.is(c?.status, 'success');
      const n = lines.filter(([, i]) => i === id).length;
      if (killedIds.includes(id)) {
        assert.is(n, 2, 'ran on A (killed) and again on B');
        assert.is(c?.attempts, 2);
      } else {
        assert.is(n, 1);
        assert.is(c?.attempts, 1);
      }
    }
  } finally {
    b.child.kill('SIGTERM');
    await b.exited;
  }
});

test('SIGTERM: unfinished calls go back to the queue (attempt not counted) and the process exits 0', async () => {
  const runs = path.join(ts.dir, 'runs-c.txt');
  const ids = await enqueue(3);
  const a = await startWorker('A', runs, { workers: 2, sleepMs: 60_000, shutdownGraceMs: 300 });
  await waitFor('A runs 2 calls', () => runsOf(runs).length === 2, 60_000);
  const t0 = Date.now();
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, { code: 0, signal: null }, a.stderr());
  assert.ok(Date.now() - t0 < 60_000, `exit took ${Date.now() - t0} ms: after the 300 ms grace, not once its 60 s calls ended`);
  for (const id of ids) {
    const c = await calls.getCall(ts.store.db, 'mp', id);
    assert.is(c?.status, 'queued');
    assert.is(c?.attempts, 0);
    assert.is(c?.leaseOwner, null);
  }
});

test.run();
