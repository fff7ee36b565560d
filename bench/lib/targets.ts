// Issue 15's (and issue 3's cold) targets for this machine kind, evaluated on one benchmark result: each names the measured
// value, its limit and pass/fail, so a reader sees by how much a target is met or missed.

export interface TargetCheck {
  pass: boolean;
  value: number | null;
  limit: number;
  rule: string;
}

/** The fields of the benchmark result the targets read. */
export interface TargetInput {
  hot: {
    gateway: { p50_us: number; p99_us: number };
    direct: { p50_us: number; p99_us: number };
    proxy: { p50_us: number };
    first_1000: { gateway: { p50_us: number }; own_warmup: { ratio_first_steady_p50: number | null } };
    rps_c32: { gateway: number; proxy: number; gateway_mc4: number; io: { mc1: number; mc4: number } };
  };
  cold: { gateway: { p50_ms: number; max_ms: number }; bare: { p50_ms: number } };
  rss: { idle_after_calls_mb: number; load_mb: number };
  startup: { median_ms: number };
  recording: { ratio_p99_on_off: number | null };
  overload: { p99_ratio: number | null } | null;
}

const check = (value: number | null, limit: number, rule: string, le = true): TargetCheck => ({
  pass: value !== null && Number.isFinite(value) && (le ? value <= limit : value >= limit),
  value: value === null ? null : Math.round(value * 100) / 100,
  limit,
  rule,
});

/** Issue 15's targets (steady state after the warm-up), and issue 3's cold ones. */
export function evaluateTargets(r: TargetInput): Record<string, TargetCheck> {
  const { hot, cold, rss } = r;
  return {
    hot_p50_vs_direct: check(hot.gateway.p50_us / hot.direct.p50_us, 2, 'hot gateway p50 <= 2x direct socket call p50 (must: 2.5x)'),
    hot_p50_vs_direct_must: check(hot.gateway.p50_us / hot.direct.p50_us, 2.5, 'hot gateway p50 <= 2.5x direct socket call p50'),
    hot_p99_vs_direct: check(hot.gateway.p99_us / hot.direct.p99_us, 3, 'hot gateway p99 <= 3x direct p99'),
    hot_rps_vs_proxy: check(hot.rps_c32.gateway / hot.rps_c32.proxy, 1, 'hot req/s at c=32 >= 1.0x the bare Hono proxy (both 1 container / 1 socket)', false),
    hot_rps_mc4_vs_mc1: check(
      hot.rps_c32.io.mc4 / hot.rps_c32.io.mc1,
      2.5,
      'hot req/s at c=32 with 4 containers >= 2.5x one container (a function that waits 5 ms a call; with the ~20 us echo function the gateway CPU is the limit: rps_c32.ratio_mc4_mc1, reported as hot_rps_mc4_vs_mc1_echo)',
      false,
    ),
    hot_rps_mc4_vs_mc1_echo: check(
      hot.rps_c32.gateway_mc4 / hot.rps_c32.gateway,
      2.5,
      'the same with the echo function (bound by the gateway CPU on 2 cores)',
      false,
    ),
    first_1000_p50_vs_steady: check(
      hot.first_1000.own_warmup.ratio_first_steady_p50,
      1.5,
      "p50 of the gateway's first 1,000 calls after start <= 1.5x steady (a fresh gateway; its function warmed by direct calls first)",
    ),
    first_1000_p50_vs_steady_fresh_function: check(
      hot.first_1000.gateway.p50_us / hot.gateway.p50_us,
      1.5,
      "the same with the function's own warm-up in it (a fresh container: its node JIT too, see first_1000.direct) and three other fresh processes warming beside it",
    ),
    rss_idle_le_60mb: check(rss.idle_after_calls_mb, 60, 'gateway RSS idle after >= 5,000 calls <= 60 MB'),
    rss_load_le_80mb: check(rss.load_mb, 80, 'gateway RSS under load <= 80 MB'),
    startup_le_300ms: check(r.startup.median_ms, 300, 'gateway start-up to listening <= 300 ms (median of the starts)'),
    recording_p99_on_vs_off: check(r.recording.ratio_p99_on_off, 1.1, 'hot p99 with call recording on <= 1.1x off'),
    overload_p99_4x_vs_half: check(r.overload?.p99_ratio ?? null, 2, 'admitted p99 at 4x load <= 2x the p99 at 0.5x load, default settings'),
    cold_p50_vs_bare: check(cold.gateway.p50_ms / cold.bare.p50_ms, 1.5, 'cold gateway p50 <= 1.5x bare create+start+wait+remove p50'),
    cold_p50_le_300ms: check(cold.gateway.p50_ms, 300, 'cold gateway p50 <= 300 ms'),
  };
}
