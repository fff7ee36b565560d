// SlotQueue's shedding of a standing queue (real timers, small numbers): bursts shorter than the
// interval queue normally; once the queue has not been empty for the interval, sheddable waiters
// older than the target are refused at grant time and new ones wait at most the target (it takes a
// call arriving at a queue that stood for the interval, not just a long queue); waiters that
// wait for their own container start are never shed; the state ends after the queue stays empty.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SlotQueue } from '../../src/runner/slot-queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SHED = { targetMs: 20, intervalMs: 80 };

function queue() {
  const q = new SlotQueue<string>(() => SHED);
  const add = (name: string, sheddable = true, waitMs = 5000) =>
    q.wait(
      Date.now() + waitMs,
      undefined,
      (waited) => `${name}:expired@${waited >= SHED.targetMs - 2 ? 'target' : waited}`,
      () => `${name}:aborted`,
      () => {},
      sheddable,
    );
  return { q, add };
}

test('a short burst queues FIFO and nobody is shed', async () => {
  const { q, add } = queue();
  const a = add('a');
  const b = add('b');
  await sleep(40); // older than the target, but the queue is younger than the interval
  assert.ok(q.grantNext('slot1'));
  assert.ok(q.grantNext('slot2'));
  assert.equal(await Promise.all([a, b]), ['slot1', 'slot2']);
  assert.is(q.overloaded, false);
});

test('a queue that stands with nobody else arriving (a burst behind long calls) is served in turn', async () => {
  const { q, add } = queue();
  const a = add('a');
  const b = add('b');
  await sleep(SHED.intervalMs + 10); // not empty for the interval, but no call came to join it
  assert.ok(q.grantNext('slot1'));
  assert.ok(q.grantNext('slot2'));
  assert.equal(await Promise.all([a, b]), ['slot1', 'slot2']);
  assert.is(q.overloaded, false);
});

test('a standing queue sheds stale sheddable waiters at grant, serves the fresh one, never sheds a launching waiter', async () => {
  const { q, add } = queue();
  const stale = add('stale');
  const launching = add('launching', false);
  await sleep(SHED.intervalMs + 10); // queue never empty for the interval
  const fresh = add('fresh'); // joins while standing: waits at most the target
  assert.is(q.overloaded, true);
  assert.ok(q.grantNext('slotA')); // stale is shed, launching (not sheddable) gets it
  assert.is(await stale, 'stale:expired@target');
  assert.is(await launching, 'slotA');
  assert.ok(q.grantNext('slotB'));
  assert.is(await fresh, 'slotB');
  assert.is(q.length, 0);
});

test('while standing, a new waiter expires after the target instead of its own deadline', async () => {
  const { q, add } = queue();
  const keep = add('keep', false); // keeps the queue non-empty
  await sleep(SHED.intervalMs + 10);
  // timers fire in the order they are due, however late: one due well before the waiter's own
  // deadline must still be pending when the waiter expires at the target
  let nearOwnDeadline = false;
  const marker = setTimeout(() => (nearOwnDeadline = true), 4000);
  const late = await add('late', true, 5000);
  clearTimeout(marker);
  assert.is(late, 'late:expired@target');
  assert.not.ok(nearOwnDeadline, 'expired at the target, not at its own 5 s deadline');
  assert.ok(q.grantNext('s'));
  assert.is(await keep, 's');
});

test('the overload state ends once the queue has stayed empty for the interval', async () => {
  const { q, add } = queue();
  const first = add('first', false);
  await sleep(SHED.intervalMs + 10);
  const probe = add('probe');
  assert.is(q.overloaded, true);
  q.grantNext('x');
  q.grantNext('y');
  await Promise.all([first, probe]);
  await sleep(SHED.intervalMs + 10);
  const after = add('after');
  assert.is(q.overloaded, false);
  await sleep(SHED.targetMs + 10);
  assert.ok(q.grantNext('z'), 'not shed: the burst is new');
  assert.is(await after, 'z');
});

test('without shedding settings nothing is ever shed', async () => {
  const q = new SlotQueue<string>();
  const a = q.wait(
    Date.now() + 5000,
    undefined,
    () => 'expired',
    () => 'aborted',
    () => {},
    true,
  );
  await sleep(SHED.intervalMs + 30);
  assert.ok(q.grantNext('slot'));
  assert.is(await a, 'slot');
  assert.is(q.overloaded, false);
});

test.run();
