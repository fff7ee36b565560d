// The Host header as Function URLs read it (src/http/server.ts, before anything else routes the
// request): the host name, lower case, without the port and without one trailing dot, so
// `Hello.Example.COM.:8080` is `hello.example.com`. A header that is not `host[:port]` at all (RFC 3986:
// a reg-name of unreserved, sub-delim and %-escaped characters, or a bracketed IP literal; a port of
// at most 5 digits) is refused with 400 by the caller, whatever the path: today's admin app refuses
// most of them too, and /r would otherwise build a call URL from them.

const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]*$/;
const IP_LITERAL = /^\[[0-9A-Fa-f:.]+\]$|^\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\]$/;

/**
 * The name to match claims against: '' when the header is absent or empty (HTTP/1.0, or `Host:`),
 * null when it is malformed (answer 400). An IP literal parses to itself (never claimed). Every
 * request pays for this, so the common form (letters, digits, dots, hyphens, an optional port) is one
 * scan without a regular expression or an allocation beyond the port's slice.
 */
export function requestHostName(header: string | undefined): string | null {
  if (header === undefined || header === '') return '';
  const len = header.length;
  let upper = false;
  let i = 0;
  for (; i < len; i++) {
    const c = header.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45) continue;
    if (c >= 65 && c <= 90) upper = true;
    else break;
  }
  if (i < len) {
    if (header.charCodeAt(i) !== 58 || i === 0) return rareForm(header); // ':' ends the name; anything else is rare
    if (len - i - 1 > 5) return null;
    for (let j = i + 1; j < len; j++) {
      const c = header.charCodeAt(j);
      if (c < 48 || c > 57) return null;
    }
  }
  let name = i === len ? header : header.slice(0, i);
  if (name.length > 1 && name.charCodeAt(name.length - 1) === 46) name = name.slice(0, -1);
  return upper ? name.toLowerCase() : name;
}

/** An IP literal, other reg-name characters (never claimable, but not malformed), a bad port. */
function rareForm(header: string): string | null {
  let name = header;
  const colon = header.lastIndexOf(':');
  if (colon >= 0 && colon > header.lastIndexOf(']')) {
    const port = header.slice(colon + 1);
    if (!/^[0-9]{0,5}$/.test(port)) return null;
    name = header.slice(0, colon);
  }
  if (name.startsWith('[')) return IP_LITERAL.test(name) ? name.toLowerCase() : null;
  if (!REG_NAME.test(name)) return null;
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}
