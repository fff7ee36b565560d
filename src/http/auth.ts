// Admin authentication: /v1 and /tasks take `Authorization: Bearer <credential>` when
// PODFN_ADMIN_TOKEN and/or PODFN_JWT_KEY is set. A credential is either one of the static tokens
// (compared in constant time: sha256 digests through timingSafeEqual, every token checked so the time
// does not tell which one matched) or an HS256 JWT signed with the key (as IronFunctions' JWT_AUTH_KEY;
// exp and nbf are honoured, src/request/jwt.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { jsonError } from './errors.ts';
import { bearer, verifyHs256 } from '../request/jwt.ts';

export interface AuthOptions {
  /** PODFN_ADMIN_TOKEN: comma-separated tokens */
  tokens: string;
  /** PODFN_JWT_KEY: HS256 key */
  jwtKey: string;
  /** clock for exp/nbf checks (tests) */
  now?: () => number;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest();

/** Splits PODFN_ADMIN_TOKEN into its tokens (empty entries ignored). */
export function parseTokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** The checker, or undefined when no credential is configured (admin API open). */
export function credentialChecker(opts: AuthOptions): ((credential: string) => boolean) | undefined {
  const digests = parseTokens(opts.tokens).map(sha256);
  const key = opts.jwtKey ? Buffer.from(opts.jwtKey, 'utf8') : undefined;
  if (digests.length === 0 && !key) return undefined;
  const now = opts.now ?? Date.now;
  return (credential) => {
    const d = sha256(credential);
    let ok = false;
    for (const t of digests) ok = timingSafeEqual(d, t) || ok; // no short-circuit
    if (ok) return true;
    return key !== undefined && verifyHs256(credential, key, now()) !== undefined;
  };
}

/** Hono middleware: 401 with WWW-Authenticate unless the request carries a valid credential. */
export function requireAdmin(check: (credential: string) => boolean, onDenied?: () => void): MiddlewareHandler {
  return async (c, next) => {
    const credential = bearer(c.req.header('authorization'));
    if (credential === undefined || !check(credential)) {
      onDenied?.();
      const message = credential === undefined ? 'Unauthorized: this API needs Authorization: Bearer <token>' : 'Unauthorized: invalid token';
      return jsonError(c, 401, message, {
        'WWW-Authenticate': credential === undefined ? 'Bearer realm="podfn"' : 'Bearer realm="podfn", error="invalid_token"',
      });
    }
    await next();
  };
}
