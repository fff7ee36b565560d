// The request target exactly as the client sent it. Request/URL objects normalise `..`, `%2e%2e` and
// `./` away before handlers see them, which would let `/routes/a/%2e%2e/b` address `/b`; validation
// must see the raw form to refuse it (src/request/dot-segments.ts).
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
