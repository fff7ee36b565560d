// Route schedules without a database: the expression rules (croner behind src/models/schedule.ts) and
// the scheduler's plan of which ticks are on time and which were missed (src/queue/scheduler.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextTick, scheduleProblem } from '../../src/models/schedule.ts';
import { planTicks } from '../../src/queue/scheduler.ts';

const T = (s: string) => Date.parse(s);

test('expressions: 5 fields, 6 with seconds, nicknames; bad or never-firing ones are explained', () => {
  for (const ok of ['*/5 * * * *', '0 3 * * 1-5', '*/10 * * * * *', '@hourly', '0 0 1 jan *']) assert.is(scheduleProblem(ok), undefined, ok);
  assert.match(scheduleProblem('nope')!, /5 fields/);
  assert.match(scheduleProblem('61 * * * *')!, /minute/);
  assert.match(scheduleProblem('* * * * * * *')!, /5 fields/);
  assert.match(scheduleProblem('0 0 30 2 *')!, /never fires/);
  assert.ok(scheduleProblem(' * * * * *'));
  assert.ok(scheduleProblem(''));
});

test('next tick: UTC, strictly after the given time', () => {
  assert.is(nextTick('0 3 * * *', T('2026-05-01T02:59:59.999Z')), T('2026-05-01T03:00:00Z'));
  assert.is(nextTick('0 3 * * *', T('2026-05-01T03:00:00Z')), T('2026-05-02T03:00:00Z'));
  assert.is(nextTick('* * * * * *', T('2026-05-01T00:00:05Z')), T('2026-05-01T00:00:06Z'));
});

test('plan: nothing due; on-time ticks each get one; ticks older than the window are missed (counted)', () => {
  const every = '* * * * * *';
  const now = T('2026-05-01T00:01:00.300Z');
  assert.is(planTicks(every, now, now, 5000), undefined);
  assert.equal(planTicks(every, T('2026-05-01T00:00:58Z'), now, 5000), {
    to: T('2026-05-01T00:01:00Z'),
    onTime: [T('2026-05-01T00:00:59Z'), T('2026-05-01T00:01:00Z')],
    missed: 0,
    missedFrom: undefined,
  });
  // down from :00:30 to now: :31 .. :55.299 missed (25), :55.300 .. :01:00 on time
  const p = planTicks(every, T('2026-05-01T00:00:30Z'), now, 5000)!;
  assert.is(p.missed, 25);
  assert.is(p.missedFrom, T('2026-05-01T00:00:31Z'));
  assert.equal(p.onTime, [
    T('2026-05-01T00:00:56Z'),
    T('2026-05-01T00:00:57Z'),
    T('2026-05-01T00:00:58Z'),
    T('2026-05-01T00:00:59Z'),
    T('2026-05-01T00:01:00Z'),
  ]);
  assert.is(p.to, T('2026-05-01T00:01:00Z'));
});

test('plan: a daily schedule down over its tick: one missed tick, no on-time one; a week of seconds is counted up to a bound', () => {
  const p = planTicks('0 3 * * *', T('2026-05-01T02:00:00Z'), T('2026-05-01T09:00:00Z'), 5000)!;
  assert.equal(p, { to: T('2026-05-01T03:00:00Z'), onTime: [], missed: 1, missedFrom: T('2026-05-01T03:00:00Z') });
  const now = T('2026-05-08T00:00:00.500Z');
  const q = planTicks('* * * * * *', T('2026-05-01T00:00:00Z'), now, 5000)!;
  assert.is(q.missed, 1001);
  assert.is(q.onTime.length, 5);
  assert.is(q.to, T('2026-05-08T00:00:00Z'));
});

test.run();
