// The request target exactly as the client sent it. Request/URL objects normalise `..`, `%2e%2e` and
// `./` away before handlers see them, which would let `/routes/a/%2e%2e/b` address `/b`; validation
// must see the raw form to refuse it.
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

export function rawPathname(c: Context): string {
  const env = c.env as Partial<HttpBindings> | undefined;
  const target = env?.incoming?.url;
  if (typeof target === 'string' && target.startsWith('/')) {
    const q = target.indexOf('?');
    return q < 0 ? target : target.slice(0, q);
  }
  return new URL(c.req.url).pathname;
}

/** True when any segment, decoded, is `.` or `..` (plain, `%2e%2e`, or hidden in an encoded `%2F`). */
export function hasDotSegment(pathname: string): boolean {
  for (const seg of pathname.split('/')) {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      // malformed escapes are judged by the handlers; here only dot segments matter
    }
    if (decoded.split('/').some((s) => s === '.' || s === '..')) return true;
  }
  return false;
}
