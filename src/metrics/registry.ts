// A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
// fixed buckets and labels. Written here instead of depending on prom-client. Hot-path recording is
// O(1): callers keep the series handle (`series(...)`) and bump its numbers; the label key string is
// only built when a handle is first asked for. Rendering (a scrape) does the formatting work.

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Label value escaping of the text format: backslash, double quote, newline. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric<S> {
  protected readonly children = new Map<string, { values: readonly string[]; s: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[] = [],
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
  }

  protected abstract fresh(): S;

  /** The series of these label values (created on first use); keep it to record in O(1). */
  series(...values: string[]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values`);
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = { values, s: this.fresh() };
      this.children.set(key, child);
    }
    return child.s;
  }

  /** Every series with its label values (read by the time-series sampler every few seconds, never per call). */
  entries(): IterableIterator<{ values: readonly string[]; s: S }> {
    return this.children.values();
  }

  /** Drops every series (gauges rebuilt at each scrape). */
  reset(): void {
    this.children.clear();
  }

  render(): string {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, s } of this.children.values()) this.lines(out, values, s);
    return out.join('\n');
  }

  protected abstract lines(out: string[], values: readonly string[], s: S): void;
}

export interface Cell {
  value: number;
}

export class Counter extends Metric<Cell> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }
  protected fresh(): Cell {
    return { value: 0 };
  }
  inc(values: string[] = [], n = 1): void {
    if (n < 0) throw new Error('counters only go up');
    this.series(...values).value += n;
  }
  protected lines(out: string[], values: readonly string[], s: Cell): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(s.value)}`);
  }
}

export class Gauge extends Metric<Cell> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames);
  }
  protected fresh(): Cell {
    return { value: 0 };
  }
  set(values: string[], v: number): void {
    this.series(...values).value = v;
  }
  protected lines(out: string[], values: readonly string[], s: Cell): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(s.value)}`);
  }
}

export class HistogramSeries {
  /** per-bucket counts (not cumulative); the last slot is +Inf */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += v;
    this.count += 1;
  }
}

export class Histogram extends Metric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram', labelNames);
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`${name}: buckets must increase`);
  }
  protected fresh(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }
  observe(values: string[], v: number): void {
    this.series(...values).observe(v);
  }
  protected lines(out: string[], values: readonly string[], s: HistogramSeries): void {
    let cum = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cum += s.counts[i]!;
      const le = i < this.buckets.length ? formatValue(this.buckets[i]!) : '+Inf';
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, ['le', le])} ${cum}`);
    }
    const l = labelText(this.labelNames, values);
    out.push(`${this.name}_sum${l} ${formatValue(s.sum)}`, `${this.name}_count${l} ${s.count}`);
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class Registry {
  private readonly metrics: AnyMetric[] = [];
  private readonly collectors: Array<() => void | Promise<void>> = [];
  private constLabels = '';

  /** Labels put on every series (the node id: several nodes behind one scrape target stay apart). */
  setConstLabels(labels: Record<string, string>): void {
    this.constLabels = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
  }

  register<M extends AnyMetric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }

  /** Runs before each scrape (fills gauges from live state). */
  onCollect(fn: () => void | Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) await c();
    const text = this.metrics.map((m) => m.render()).join('\n');
    return `${this.constLabels ? withConstLabels(text, this.constLabels) : text}\n`;
  }
}

/** Adds the constant labels to each sample line (`name{a="b"} 1` or `name 1`); comments stay. */
function withConstLabels(text: string, labels: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('#') || line === '') return line;
      const brace = line.indexOf('{');
      const space = line.indexOf(' ');
      return brace >= 0 && brace < space
        ? `${line.slice(0, brace + 1)}${labels},${line.slice(brace + 1)}`
        : `${line.slice(0, space)}{${labels}}${line.slice(space)}`;
    })
    .join('\n');
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
