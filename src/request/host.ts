// The Host header as Function URLs read it (src/http/server.ts, before anything else routes the
// request): the host name, lower case, without the port and without one trailing dot, so
// `Hello.Example.COM.:8080` is `hello.example.com`. A header that is not `host[:port]` at all (RFC 3986:
// a reg-name of unreserved, sub-delim and %-escaped characters, or a bracketed IP literal; a port of
// at most 5 digits) is refused with 400 by the caller, whatever the path: today's admin app refuses
// most of them too, and /r would otherwise build a call URL from them.

/** Matches the common case in one step: a DNS-like name and an optional port. */
const PLAIN = /^([A-Za-z0-9.-]+?)\.?(?::[0-9]{1,5})?$/;
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]*$/;
const IP_LITERAL = /^\[[0-9A-Fa-f:.]+\]$|^\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\]$/;

/**
 * The name to match claims against: '' when the header is absent or empty (HTTP/1.0, or `Host:`),
 * null when it is malformed (answer 400). An IP literal parses to itself (never claimed).
 */
export function requestHostName(header: string | undefined): string | null {
  if (header === undefined || header === '') return '';
  const m = PLAIN.exec(header);
  if (m) return lower(m[1]!);
  // the rare forms: an IP literal, other reg-name characters, a bad port
  let name = header;
  const colon = header.lastIndexOf(':');
  if (colon >= 0 && colon > header.lastIndexOf(']')) {
    const port = header.slice(colon + 1);
    if (!/^[0-9]{0,5}$/.test(port)) return null;
    name = header.slice(0, colon);
  }
  if (name.startsWith('[')) return IP_LITERAL.test(name) ? name.toLowerCase() : null;
  if (!REG_NAME.test(name)) return null;
  return lower(name.endsWith('.') ? name.slice(0, -1) : name);
}

/** toLowerCase allocates; most Host headers are already lower case. */
function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}
