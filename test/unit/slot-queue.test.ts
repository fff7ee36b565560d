// SlotQueue's load shedding (node's mock timers: deterministic): a queue is overloaded only while it
// keeps growing (calls come faster than containers are handed out), not because it stands. Bursts,
// a queue standing behind long calls, and a few stragglers queue normally; growth past the queue's
// size once formed (by more than GROWTH_SLACK plus the calls taken since) sheds: sheddable waiters
// older than the target are refused at grant and new ones wait at most the target; waiters that wait
// for their own container start are never shed, and a queue forms until their containers are up;
// calls refused because the queue is full count as growth; the state ends when the queue stops
// growing for an interval or stays empty for one.
import { mock } from 'node:test';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT_INTERVALS, GROWTH_SLACK, SlotQueue } from '../../src/runner/slot-queue.ts';

const SHED = { targetMs: 20, intervalMs: 80 };

test.before.each(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
});
test.after.each(() => mock.timers.reset());

const tick = (ms: number) => mock.timers.tick(ms);

function queue(shedding: typeof SHED | null = SHED) {
  const pool = { starting: false };
  const q = new SlotQueue<string>(
    () => shedding ?? undefined,
    () => pool.starting,
  );
  const add = (name: string, sheddable = true, waitMs = 5000) =>
    q.wait(
      Date.now() + waitMs,
      undefined,
      (waited) => `${name}:expired@${waited}`,
      () => `${name}:aborted`,
      () => {},
      sheddable,
    );
  return { q, add, pool };
}

/** `n` more calls join, `gapMs` apart */
function trickle(add: (name: string) => Promise<string>, n: number, gapMs: number, prefix = 'c'): Array<Promise<string>> {
  const out: Array<Promise<string>> = [];
  for (let i = 0; i < n; i++) {
    out.push(add(`${prefix}${i}`));
    tick(gapMs);
  }
  return out;
}

test('a burst queues FIFO and nobody is shed, however long it waits', async () => {
  const { q, add } = queue();
  const burst = trickle(add, 10, 0);
  tick(500); // far older than the target, the queue stood far longer than the interval
  for (let i = 0; i < 10; i++) assert.ok(q.grantNext(`slot${i}`));
  assert.equal(
    await Promise.all(burst),
    burst.map((_, i) => `slot${i}`),
  );
  assert.is(q.overloaded, false);
});

test(`a queue standing behind long calls takes up to ${GROWTH_SLACK} stragglers without shedding`, async () => {
  const { q, add } = queue();
  const first = trickle(add, 3, 0, 'a');
  tick(SHED.intervalMs); // formed: the baseline is 3
  const late = trickle(add, GROWTH_SLACK, 30, 'b'); // nothing taken meanwhile
  assert.is(q.overloaded, false);
  for (let i = 0; i < 3 + GROWTH_SLACK; i++) assert.ok(q.grantNext(`s${i}`));
  assert.ok((await Promise.all([...first, ...late])).every((v) => v.startsWith('s')));
  assert.is(q.overloaded, false);
});

test('a growing queue sheds stale sheddable waiters at grant, serves the fresh one, never sheds a launching waiter', async () => {
  const { q, add, pool } = queue();
  pool.starting = true; // a cold route: its containers start
  const launching = add('launching', false);
  const stale = add('stale');
  tick(SHED.intervalMs);
  const early = trickle(add, GROWTH_SLACK + 1, 5, 'e');
  assert.is(q.overloaded, false, 'a queue forms while containers start for it');
  pool.starting = false;
  tick(SHED.intervalMs);
  const more = trickle(add, GROWTH_SLACK + 1, 5, 'm');
  assert.is(q.overloaded, true, 'grew by more than the slack with nothing taken');
  tick(SHED.targetMs); // all of them stale now
  const fresh = add('fresh');
  assert.ok(q.grantNext('slotA')); // the launching waiter first: never shed
  assert.is(await launching, 'slotA');
  assert.ok(q.grantNext('slotB')); // every sheddable waiter but the fresh one is older than the target
  for (const p of [stale, ...early, ...more]) assert.match(await p, /:expired@/);
  assert.is(await fresh, 'slotB');
  assert.is(q.length, 0);
});

test('while overloaded, a new waiter expires after the target instead of its own deadline', async () => {
  const { q, add } = queue();
  const keep = add('keep', true);
  tick(SHED.intervalMs);
  const more = trickle(add, GROWTH_SLACK + 1, 1, 'm');
  assert.is(q.overloaded, true);
  const late = add('late', true, 5000);
  tick(SHED.targetMs);
  assert.is(await late, `late:expired@${SHED.targetMs}`);
  assert.not.ok(q.grantNext('s'), 'all older than the target: shed, nobody left to serve');
  assert.is(q.length, 0);
  assert.match(await keep, /expired/);
  for (const p of more) assert.match(await p, /expired/);
});

test('calls refused because the queue was full count as growth', async () => {
  const { q, add } = queue();
  const held = [add('a'), add('b')];
  tick(SHED.intervalMs);
  for (let i = 0; i <= GROWTH_SLACK; i++) {
    q.refused();
    tick(2);
  }
  assert.is(q.overloaded, true);
  const fresh = add('fresh');
  assert.ok(q.grantNext('s'));
  const waited = SHED.intervalMs + 2 * (GROWTH_SLACK + 1);
  assert.equal(await Promise.all(held), [`a:expired@${waited}`, `b:expired@${waited}`], 'both older than the target: shed at grant');
  assert.is(await fresh, 's');
});

test('the overload state ends when the queue stops growing for EXIT_INTERVALS intervals (calls come no faster than they are taken)', () => {
  const { q, add } = queue();
  void add('a');
  tick(SHED.intervalMs);
  void Promise.all(trickle(add, GROWTH_SLACK + 1, 1, 'm'));
  assert.is(q.overloaded, true);
  // from now on, one call comes for each one taken (a closed loop): no growth
  for (let i = 0; i < (EXIT_INTERVALS * SHED.intervalMs) / 10; i++) {
    tick(10);
    q.grantNext(`s${i}`);
    void add(`n${i}`);
    if (i === 5) assert.is(q.overloaded, true, 'not at the first pause in growth');
  }
  for (let i = 0; i < 20; i++) {
    tick(10);
    q.grantNext(`s${i}`);
    void add(`n${i}`);
  }
  assert.is(q.overloaded, false);
  // and it stays off: the queue stands, but does not grow
  for (let i = 0; i < 100; i++) {
    tick(10);
    assert.ok(q.grantNext(`t${i}`));
    void add(`k${i}`);
  }
  assert.is(q.overloaded, false);
});

test('the overload state ends once the queue has stayed empty for EXIT_INTERVALS intervals', async () => {
  const { q, add } = queue();
  const first = add('first', false);
  tick(SHED.intervalMs);
  const more = trickle(add, GROWTH_SLACK + 1, 1, 'm');
  assert.is(q.overloaded, true);
  while (q.grantNext('x'));
  assert.is(await first, 'x');
  await Promise.all(more);
  tick(SHED.intervalMs);
  void add('gap').then((v) => assert.match(v, /expired/, 'a short gap does not end it'));
  tick(SHED.targetMs + 1);
  assert.is(q.overloaded, true);
  tick(EXIT_INTERVALS * SHED.intervalMs);
  const after = add('after');
  assert.is(q.overloaded, false);
  tick(SHED.targetMs + 10);
  assert.ok(q.grantNext('z'), 'not shed: a new queue');
  assert.is(await after, 'z');
});

test('without shedding settings nothing is ever shed', async () => {
  const { q, add } = queue(null);
  const a = add('a');
  tick(SHED.intervalMs);
  const more = trickle(add, 50, 1);
  assert.is(q.overloaded, false);
  tick(1000);
  assert.ok(q.grantNext('slot'));
  assert.is(await a, 'slot');
  q.settleAll('end');
  assert.ok((await Promise.all(more)).every((v) => v === 'end'));
});

test.run();
