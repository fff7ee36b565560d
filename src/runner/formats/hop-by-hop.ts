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

/** Names listed in a Connection header are hop-by-hop too. */
function connectionListed(headers: Iterable<[string, string]>): Set<string> {
  const out = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) out.add(t);
    }
  }
  return out;
}

export function isHopByHop(name: string): boolean {
  const n = name.toLowerCase();
  return HOP_BY_HOP.has(n) || n.startsWith('proxy-');
}

/**
 * Flattens a `{name: [values]}` map into pairs, dropping hop-by-hop headers, Connection-listed ones,
 * and any name in `drop` (lower-case). Values keep their order.
 */
export function filterHeaderPairs(pairs: Iterable<[string, string]>, drop: ReadonlySet<string> = new Set()): Array<[string, string]> {
  const list = [...pairs];
  const listed = connectionListed(list);
  const out: Array<[string, string]> = [];
  for (const [name, value] of list) {
    const n = name.toLowerCase();
    if (isHopByHop(n) || listed.has(n) || drop.has(n)) continue;
    out.push([name, value]);
  }
  return out;
}

export function pairsOf(headers: Record<string, string[] | string | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(headers)) {
    if (values === undefined) continue;
    for (const v of Array.isArray(values) ? values : [values]) out.push([name, v]);
  }
  return out;
}

/**
 * Request headers a function may see: client headers minus hop-by-hop, framing and reserved `fn-*`.
 * Names pass as sent (`X_A` and `X-A` stay two headers), but `fn_*` goes too: a CGI-style server in the
 * function (WSGI, PHP) maps `Fn_Call_Id` and `Fn-Call-Id` to the same HTTP_FN_CALL_ID.
 */
export function functionRequestHeaders(headers: Record<string, string[]>): Array<[string, string]> {
  return filterHeaderPairs(pairsOf(headers), REQUEST_DROP).filter(([n]) => !/^fn[-_]/i.test(n));
}

/** Response headers a client may see: function headers minus hop-by-hop and framing. */
export function clientResponseHeaders(pairs: Iterable<[string, string]>): Array<[string, string]> {
  return filterHeaderPairs(pairs, RESPONSE_DROP);
}

// content-length is recomputed from the buffered body; expect would make the function wait for a 100.
const REQUEST_DROP: ReadonlySet<string> = new Set(['content-length', 'expect']);
const RESPONSE_DROP: ReadonlySet<string> = new Set(['content-length']);
