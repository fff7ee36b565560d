// Shared pieces of the property-based fuzz suites (test/fuzz/*.test.ts): the seed and run counts
// (fixed by default, FUZZ_SEED / FUZZ_RUNS / FUZZ_PATH to override), a fast-check runner that prints
// how to reproduce a failure, the universal answer checks (no 5xx; every 4xx is a JSON error with a
// non-empty message), a raw-socket HTTP client for what node:http refuses to send, and a canonical
// JSON form for exact comparisons.
import fc from 'fast-check';
import net from 'node:net';
import * as assert from 'uvu/assert';
import type { Res } from '../helpers/http.ts';

const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
};

/** The seed of every property (default fixed, so a plain run is reproducible). */
export const SEED = envInt('FUZZ_SEED') ?? 20_260_501;
/** FUZZ_RUNS replaces every property's run count (default: each property's own). */
export const RUNS_OVERRIDE = envInt('FUZZ_RUNS');
/** FUZZ_PATH (from a failure report) replays one counterexample; use with FUZZ_ONLY=<property name>. */
const PATH = process.env.FUZZ_PATH || undefined;
const ONLY = process.env.FUZZ_ONLY || undefined;

export const runs = (dflt: number) => RUNS_OVERRIDE ?? dflt;

/**
 * fc.assert with the fuzz parameters. On failure the error starts with the command line that replays
 * it. Shrinking runs against the real server too, so it is capped in time. False when skipped (FUZZ_ONLY).
 */
export async function checkProperty<T>(name: string, prop: fc.IAsyncProperty<T> | fc.IAsyncPropertyWithHooks<T>, defaultRuns: number): Promise<boolean> {
  if (ONLY && ONLY !== name) return false;
  const numRuns = runs(defaultRuns);
  const params: fc.Parameters<T> = { seed: SEED, numRuns, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: false, includeErrorInReport: true };
  if (PATH && ONLY === name) params.path = PATH;
  try {
    await fc.assert(prop, params);
  } catch (err) {
    const e = err as Error;
    const m = /path: "([^"]*)"/.exec(e.message);
    const replay = `FUZZ_SEED=${SEED} FUZZ_RUNS=${numRuns}${m ? ` FUZZ_ONLY='${name}' FUZZ_PATH='${m[1]}'` : ''}`;
    e.message = `fuzz property "${name}" failed; reproduce with:\n  ${replay} npx uvu -r tsx test/fuzz "\\.test\\.ts$"\n${e.message}`;
    console.error(`\n[fuzz] ${name}: FAILED with seed ${SEED} (${replay})`);
    throw e;
  }
  return true;
}

/** Canonical JSON (keys sorted at every level) for exact comparisons that ignore key order. */
export function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** An object built with own properties only, so a key like `__proto__` is data, not the prototype. */
export function ownObject<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

export const short = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s);

/** What every answer of podfn must satisfy: no 5xx; a 4xx is `{"error":{"message":"<non-empty>"}}` as JSON. */
export function checkAnswer(res: { status: number; headers: Record<string, unknown>; text: string }, what: string, method = ''): void {
  const ctx = `${what}: ${res.status} ${short(res.text, 300)}`;
  assert.ok(res.status >= 100 && res.status < 500, `no 5xx (or missing status): ${ctx}`);
  if (res.status >= 400 && method !== 'HEAD') checkErrorBody(res, ctx);
}

export function checkErrorBody(res: { headers: Record<string, unknown>; text: string }, ctx: string): string {
  assert.match(String(res.headers['content-type']), /^application\/json/, `error content-type is JSON: ${ctx}`);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    assert.unreachable(`error body is not JSON: ${ctx}`);
  }
  const b = body as { error?: { message?: unknown } };
  assert.equal(Object.keys(b ?? {}), ['error'], `error body has only "error": ${ctx}`);
  assert.equal(Object.keys(b.error ?? {}), ['message'], `error has only "message": ${ctx}`);
  assert.type(b.error?.message, 'string', `error.message is a string: ${ctx}`);
  assert.ok((b.error!.message as string).length > 0, `error.message is not empty: ${ctx}`);
  return b.error!.message as string;
}

export function errorMessage(res: Res): string {
  return (JSON.parse(res.text) as { error: { message: string } }).error.message;
}

// ---------- raw socket HTTP ----------

export interface RawRes {
  status: number;
  headers: Record<string, string>;
  /** body bytes (de-chunked) */
  body: Buffer;
  text: string;
  /** every byte the server sent */
  raw: Buffer;
}

/**
 * Writes `bytes` to a fresh connection (then half-closes it when `halfClose`) and reads until the
 * server closes it (or `timeoutMs`), then parses the first response (`first` undefined: none came).
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  timeoutMs = 5000,
  halfClose = false,
): Promise<{ first?: RawRes; raw: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ first: parseResponse(raw), raw, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => (halfClose ? sock.end(bytes) : sock.write(bytes)));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

/** Parses one HTTP/1.1 response from the start of `raw` (Content-Length, chunked, or to the end). */
export function parseResponse(raw: Buffer): RawRes | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    }
  }
  let rest = raw.subarray(end + 4);
  let body: Buffer;
  if (headers['content-length'] !== undefined) body = rest.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
      if (!Number.isFinite(size) || size === 0) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      rest = rest.subarray(nl + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else body = rest;
  return { status: Number(m[1]), headers, body, text: body.toString('utf8'), raw };
}

/** Log lines of the server process that mark a 500 (an unhandled error reached the error handler). */
export function unhandledErrors(output: string): string[] {
  return output.split('\n').filter((l) => /unhandled error|gateway error|uncaught|unhandledRejection/i.test(l));
}
