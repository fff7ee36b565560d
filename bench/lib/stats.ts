// Summaries of latency samples (percentiles in microseconds) and small number helpers for the
// benchmark's JSON, kept apart so every phase reports the same shape.

export interface LatencySummary {
  n: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  mean_us: number;
  max_us: number;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** samples in milliseconds (performance.now deltas) -> summary in whole microseconds */
export function summarizeUs(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const us = (ms: number) => Math.round(ms * 1000);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    p50_us: us(percentile(s, 50)),
    p90_us: us(percentile(s, 90)),
    p99_us: us(percentile(s, 99)),
    mean_us: us(mean),
    max_us: us(s[s.length - 1] ?? NaN),
  };
}

export interface MsSummary {
  n: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  min_ms: number;
  max_ms: number;
}

export function summarizeMs(samplesMs: number[]): MsSummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const r = (ms: number) => Math.round(ms * 10) / 10;
  return {
    n: s.length,
    p50_ms: r(percentile(s, 50)),
    p90_ms: r(percentile(s, 90)),
    p99_ms: r(percentile(s, 99)),
    min_ms: r(s[0] ?? NaN),
    max_ms: r(s[s.length - 1] ?? NaN),
  };
}

/** a / b rounded to 2 decimals (NaN-safe for the JSON: null when undefined) */
export function ratio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
