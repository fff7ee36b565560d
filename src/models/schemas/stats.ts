// GET /v1/stats/timeseries on the wire: its query (since) and its answer, the samples of
// src/metrics/timeseries.ts (src/http/admin/stats.ts checks at compile time that they fit); and the
// console's session answers (src/ui).
import { z } from 'zod';
import { absentable } from './kit.ts';

const SINCE = 'Invalid since: unix milliseconds (an integer)';

export const timeseriesQuery = {
  since: absentable(
    z
      .string()
      .regex(/^\d{1,15}$/, SINCE)
      .transform(Number),
    { emptyIsAbsent: true },
  ).meta({ description: "only samples taken after this time (unix ms; a previous answer's last time_ms): what a poller has not seen yet" }),
};

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative().nullable().meta({ description: 'ms, estimated from the duration histogram buckets; null without calls' });

export const routeSampleJson = z.object({
  app: z.string(),
  path: z.string(),
  calls: count,
  calls_per_s: z.number().nonnegative(),
  failed: count.meta({ description: 'calls answered with a 5xx status' }),
  p50_ms: ms,
  p99_ms: ms,
  cold_starts: count,
  hot_containers: count,
});

export const sampleJson = z.object({
  time_ms: z.number().int().meta({ description: 'end of the interval, unix ms' }),
  interval_ms: z.number().int().positive(),
  calls: count,
  calls_per_s: z.number().nonnegative(),
  failed: count.meta({ description: 'calls answered with a 5xx status' }),
  p50_ms: ms,
  p99_ms: ms,
  errors: z.record(z.string(), count).meta({ description: 'failed requests and calls by kind (podfn_errors_total) in the interval' }),
  cold_starts: count,
  hot_containers: count.meta({ description: 'at the end of the interval' }),
  cold_containers: count,
  memory_used_mb: z.number().nonnegative().meta({ description: 'memory promised to running containers' }),
  memory_total_mb: z.number().nonnegative(),
  inflight: count,
  queue_depth: count.nullable().meta({ description: 'async calls waiting (all nodes); null when the database did not answer' }),
  routes: z.array(routeSampleJson).meta({ description: 'routes with calls or hot containers in the interval, busiest first (at most 50)' }),
});

export const timeseriesAnswer = z.object({
  message: z.string(),
  node: z.string().meta({ description: 'the node that answered: each node keeps and serves its own series' }),
  interval_ms: z.number().int().positive(),
  window_ms: z.number().int().positive(),
  samples: z.array(sampleJson).meta({ description: 'oldest first' }),
});

/** GET /ui/session */
export const consoleSession = z.object({
  auth: z.boolean().meta({ description: 'admin authentication is on (the console needs a login)' }),
  logged_in: z.boolean(),
  csrf: z.string().meta({ description: 'send as X-Podfn-Csrf with every /v1 call made with the session cookie; "" without a session' }),
  expires_at: z.iso.datetime().nullable().optional(),
});

/** POST /ui/login */
export const consoleLogin = z.object({ message: z.string(), csrf: z.string() });
