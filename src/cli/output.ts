// How the CLI prints: `--json` writes one JSON document on stdout (for scripts), otherwise short
// human text and aligned tables. Errors always go to stderr (see main.ts).
export interface Out {
  json: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Aligned columns; an empty table prints `empty` instead (so a script never parses a bare header). */
export function table(header: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    line(empty);
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  line(fmt(header.map((h) => h.toUpperCase())));
  for (const r of rows) line(fmt(r));
}

/** key: value lines for one object; nested objects as indented key: value lines. */
export function details(obj: Record<string, unknown>, indent = ''): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.keys(v);
      if (entries.length === 0) continue;
      line(`${indent}${k}:`);
      details(v as Record<string, unknown>, `${indent}  `);
    } else {
      line(`${indent}${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
  }
}

/** Either the JSON value or the human rendering. */
export function emit(out: Out, value: unknown, human: () => void): void {
  if (out.json) printJson(value);
  else human();
}
