// Bearer credentials and HS256 JWTs, the same for /r's per-route jwt_key (src/gateway/handler.ts) and
// the admin API's PODFN_JWT_KEY (src/http/auth.ts): as IronFunctions' JWT_AUTH_KEY, exp and nbf are
// honoured; no `none`, no other algorithm. No dependency: node:crypto only.
import { createHmac, timingSafeEqual } from 'node:crypto';

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
