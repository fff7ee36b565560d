// GET /v1/stats/timeseries: this node's recent samples (src/metrics/timeseries.ts: calls/s, latency,
// errors, cold starts, hot containers, memory, queue depth; per route), oldest first, for the console's
// charts. ?since=<unix ms> returns only newer samples, so a poller fetches a few hundred bytes.
import { Hono } from 'hono';
import type { z } from 'zod';
import type { Sample, TimeSeries } from '../../metrics/timeseries.ts';
import { parseOr400, type Conforms } from '../../models/schemas/kit.ts';
import { sampleJson, timeseriesQuery } from '../../models/schemas/stats.ts';

export type _SampleFits = Conforms<Sample, z.input<typeof sampleJson>>;

export interface StatsApiDeps {
  node: string;
  series: Pick<TimeSeries, 'since' | 'options'>;
}

export function statsApi(deps: StatsApiDeps) {
  const api = new Hono();
  api.get('/timeseries', (c) => {
    const since = parseOr400(timeseriesQuery.since, c.req.query('since'));
    return c.json({
      message: 'Successfully loaded stats',
      node: deps.node,
      interval_ms: deps.series.options.intervalMs,
      window_ms: deps.series.options.windowMs,
      samples: deps.series.since(since),
    });
  });
  return api;
}
