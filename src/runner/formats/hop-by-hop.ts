// Header filtering shared by the hot formats: hop-by-hop headers describe one connection, so they must
// never cross the gateway in either direction (RFC 9110 7.6.1), and `Fn-*` names are reserved for the
// runner so a client cannot spoof a call id or deadline.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** Names listed in a Connection header are hop-by-hop too (undefined: none, the usual case). */
function connectionListed(headers: ReadonlyArray<readonly [string, string]>): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const [name, value] of headers) {
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) (out ??= new Set()).add(t);
    }
  }
  return out;
}

export function isHopByHop(name: string): boolean {
  const n = name.toLowerCase();
  return HOP_BY_HOP.has(n) || n.startsWith('proxy-');
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The pairs minus hop-by-hop headers, Connection-listed ones, and any name in `drop` (lower-case).
 * Values keep their order; one pass, the pairs themselves are reused.
 */
export function filterHeaderPairs(pairs: ReadonlyArray<[string, string]>, drop: ReadonlySet<string> = NONE): Array<[string, string]> {
  const listed = connectionListed(pairs);
  const out: Array<[string, string]> = [];
  for (const pair of pairs) {
    const n = pair[0].toLowerCase();
    if (HOP_BY_HOP.has(n) || n.startsWith('proxy-') || listed?.has(n) || drop.has(n)) continue;
    out.push(pair);
  }
  return out;
}

export function pairsOf(headers: Record<string, string[] | string | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name in headers) {
    const values = headers[name];
    if (values === undefined) continue;
    if (typeof values === 'string') out.push([name, values]);
    else for (const v of values) out.push([name, v]);
  }
  return out;
}

/**
 * Request headers a function may see: client headers minus hop-by-hop, framing and reserved `fn-*`.
 * Names pass as sent (`X_A` and `X-A` stay two headers), but `fn_*` goes too: a CGI-style server in the
 * function (WSGI, PHP) maps `Fn_Call_Id` and `Fn-Call-Id` to the same HTTP_FN_CALL_ID.
 */
export function functionRequestHeaders(headers: Record<string, string[]>): Array<[string, string]> {
  let listed: Set<string> | undefined;
  for (const name in headers) {
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const v of headers[name]!) {
      for (const token of v.split(',')) {
        const t = token.trim().toLowerCase();
        if (t) (listed ??= new Set()).add(t);
      }
    }
  }
  const out: Array<[string, string]> = [];
  for (const name in headers) {
    const n = name.toLowerCase();
    if (HOP_BY_HOP.has(n) || n.startsWith('proxy-') || listed?.has(n) || REQUEST_DROP.has(n)) continue;
    // fn-* and fn_* are the runner's
    if (n.length > 2 && n.charCodeAt(0) === 102 && n.charCodeAt(1) === 110 && (n.charCodeAt(2) === 45 || n.charCodeAt(2) === 95)) continue;
    const values = headers[name];
    if (values) for (const v of values) out.push([name, v]);
  }
  return out;
}

/** Response headers a client may see: function headers minus hop-by-hop and framing. */
export function clientResponseHeaders(pairs: ReadonlyArray<[string, string]>): Array<[string, string]> {
  return filterHeaderPairs(pairs, RESPONSE_DROP);
}

// content-length is recomputed from the buffered body; expect would make the function wait for a 100.
const REQUEST_DROP: ReadonlySet<string> = new Set(['content-length', 'expect']);
const RESPONSE_DROP: ReadonlySet<string> = new Set(['content-length']);
