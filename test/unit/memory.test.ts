import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NoMemoryError } from '../../src/runner/errors.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';

test('grants within the total, release is idempotent', async () => {
  const m = new MemoryAdmission(256);
  const r1 = await m.acquire(128);
  const r2 = await m.acquire(128);
  assert.is(m.used, 256);
  r1();
  r1();
  assert.is(m.used, 128);
  r2();
  assert.is(m.used, 0);
});

test('a request larger than the total fails at once', async () => {
  const m = new MemoryAdmission(100);
  // at once: settled before even a 0 ms timer fires (a wait would need the 5 s one), never queued
  const err = await Promise.race([
    m.acquire(101, { waitMs: 5000 }).catch((e: unknown) => e),
    new Promise((r) => setTimeout(() => r('a timer fired first'), 0)),
  ]);
  assert.is(m.waiting, 0);
  assert.instance(err, NoMemoryError);
  assert.match((err as Error).message, 'Task timed out. No available memory.');
  assert.match((err as Error).message, 'needs 101 MiB, node has 100 MiB');
});

test('waits, then fails with the seed message', async () => {
  const m = new MemoryAdmission(100);
  const hold = await m.acquire(80);
  const t = Date.now();
  const waiting = m.acquire(40, { waitMs: 150 }).catch((e: unknown) => e);
  assert.is(m.waiting, 1, 'it waits');
  const err = await waiting;
  const waited = Date.now() - t;
  assert.instance(err, NoMemoryError);
  assert.is((err as Error).message, 'Task timed out. No available memory.');
  assert.ok(waited >= 140, `waited ${waited} ms (150 ms)`);
  assert.is(m.waiting, 0);
  hold();
});

test('FIFO: a small later request does not overtake a big earlier one', async () => {
  const m = new MemoryAdmission(100);
  const hold = await m.acquire(60);
  const order: string[] = [];
  const big = m.acquire(80, { waitMs: 2000 }).then((r) => {
    order.push('big');
    return r;
  });
  const small = m.acquire(30, { waitMs: 2000 }).then((r) => {
    order.push('small');
    return r;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(order, [], 'small fits (60+30) but must queue behind big');
  hold();
  const rb = await big;
  assert.equal(order, ['big']);
  rb();
  (await small)();
  assert.equal(order, ['big', 'small']);
  assert.is(m.used, 0);
});

test('a waiter that times out lets the ones behind it proceed', async () => {
  const m = new MemoryAdmission(100);
  const hold = await m.acquire(50);
  const big = m.acquire(100, { waitMs: 50 }).catch((e: unknown) => e);
  const small = m.acquire(40, { waitMs: 2000 });
  assert.instance(await big, NoMemoryError);
  const r = await small;
  assert.is(m.used, 90);
  r();
  hold();
});

test('abort signal cancels a wait', async () => {
  const m = new MemoryAdmission(10);
  const hold = await m.acquire(10);
  const ac = new AbortController();
  const p = m.acquire(5, { waitMs: 5000, signal: ac.signal }).catch((e: unknown) => e);
  ac.abort();
  const err = await p;
  assert.is((err as Error).name, 'AbortError');
  assert.is(m.waiting, 0);
  hold();
});

test('the evictor is asked for what the waiters lack, once, and only the first uncovered waiter counts as the minimum', async () => {
  const m = new MemoryAdmission(100);
  const asks: Array<[number, number, string | undefined]> = [];
  const held = [await m.acquire(60), await m.acquire(30)];
  m.setEvictor((need, min, owner) => {
    asks.push([need, min, owner]);
    // frees the 60 MiB holder once "removed"
    return [{ mb: 60, done: Promise.resolve().then(() => held[0]!()) }];
  });
  const a = m.acquire(40, { waitMs: 5000, owner: 'pool-a' });
  const b = m.acquire(20, { waitMs: 5000, owner: 'pool-b' }); // covered by the eviction under way: no second ask
  assert.equal(asks, [[30, 30, 'pool-a']]);
  (await a)();
  (await b)();
  held[1]!();
  assert.is(m.used, 0);
});

test('the evictor finding too little evicts nothing: the call waits as before', async () => {
  const m = new MemoryAdmission(100);
  const hold = await m.acquire(90);
  let asked = 0;
  m.setEvictor((_need, min) => {
    asked++;
    assert.is(min, 40);
    return [];
  });
  const err = await m.acquire(50, { waitMs: 30 }).catch((e: unknown) => e);
  assert.instance(err, NoMemoryError);
  assert.is(asked, 1);
  m.reclaim(); // nobody waits: no ask
  assert.is(asked, 1);
  hold();
});

test.run();
