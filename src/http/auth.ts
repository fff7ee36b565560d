// Admin authentication: /v1 and /tasks take `Authorization: Bearer <credential>` when
// PODFN_ADMIN_TOKEN and/or PODFN_JWT_KEY is set. A credential is either one of the static tokens
// (compared in constant time: sha256 digests through timingSafeEqual, every token checked so the time
// does not tell which one matched) or an HS256 JWT signed with the key (as IronFunctions' JWT_AUTH_KEY;
// exp and nbf are honoured). No dependency: node:crypto only.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { jsonError } from './errors.ts';

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

/** The bearer credential of an Authorization header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m?.[1];
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact HS256 JWT; returns its claims, or undefined when the token is malformed, uses
 * another algorithm (no `none`, no algorithm confusion), has a bad signature, or is expired/not yet valid.
 */
export function verifyHs256(token: string, key: Buffer, nowMs: number): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = b64urlJson(h);
  if (!header || header.alg !== 'HS256') return undefined;
  const sig = Buffer.from(s, 'base64url');
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined;
  const claims = b64urlJson(p);
  if (!claims) return undefined;
  const nowS = nowMs / 1000;
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || nowS >= claims.exp)) return undefined;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || nowS < claims.nbf)) return undefined;
  return claims;
}

/** Signs claims as an HS256 JWT (tests and the CLI's token helper). */
export function signHs256(claims: Record<string, unknown>, key: string): string {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createHmac('sha256', key).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

/** Hono middleware: 401 with WWW-Authenticate unless the request carries a valid credential. */
export function requireAdmin(check: (credential: string) => boolean, onDenied?: () => void): MiddlewareHandler {
  return async (c, next) => {
    const credential = bearer(c.req.header('authorization'));
    if (credential === undefined || !check(credential)) {
      onDenied?.();
      const message = credential === undefined ? 'Unauthorized: this API needs Authorization: Bearer <token>' : 'Unauthorized: invalid token';
      return jsonError(c, 401, message, { 'WWW-Authenticate': credential === undefined ? 'Bearer realm="podfn"' : 'Bearer realm="podfn", error="invalid_token"' });
    }
    await next();
  };
}
