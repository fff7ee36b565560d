// Route schedules: a cron expression in UTC, parsed by croner (a maintained, dependency-free cron
// library; no hand-written parser): 5 fields (minute hour day-of-month month day-of-week) or 6 with
// seconds first, plus croner's nicknames (@hourly, @daily, ...). Pure: no I/O, no timers (croner's
// job runner is never started; only its next-run arithmetic is used).
import { Cron } from 'croner';

export const SCHEDULE_MAX = 256;
export const SCHEDULE_HELP =
  'a cron expression in UTC: 5 fields (minute hour day-of-month month day-of-week, e.g. "*/5 * * * *") or 6 with seconds first (e.g. "*/10 * * * * *")';

// parsed expressions, bounded (a route's expression is parsed once per process, not per tick)
const parsed = new Map<string, Cron>();

function cron(expr: string): Cron {
  let c = parsed.get(expr);
  if (!c) {
    // utcOffset 0 (not timezone 'UTC'): UTC without DST lookups, ~10x faster per next run
    c = new Cron(expr, { utcOffset: 0, paused: true, mode: '5-or-6-parts' });
    if (parsed.size >= 1000) parsed.delete(parsed.keys().next().value!);
    parsed.set(expr, c);
  }
  return c;
}

/** Why this expression is not a usable schedule, or undefined when it is. */
export function scheduleProblem(expr: string): string | undefined {
  if (expr.trim() !== expr || expr === '') return `must be ${SCHEDULE_HELP}`;
  let c: Cron;
  try {
    c = cron(expr);
  } catch (e) {
    return `${(e as Error).message.replace(/^CronPattern: /, '')}; must be ${SCHEDULE_HELP}`;
  }
  if (!c.nextRun(new Date())) return 'it never fires (no date matches it)';
  return undefined;
}

/** The first tick strictly after `after` (epoch ms), or undefined when there is none. */
export function nextTick(expr: string, after: number): number | undefined {
  return cron(expr).nextRun(new Date(after))?.getTime();
}
