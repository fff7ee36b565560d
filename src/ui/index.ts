// src/ui: the web console at /ui/, served by the gateway's own admin app (same process and port).
// This file is the server side: the static assets scripts/build.mjs bundles from src/ui/client/ into
// dist/ui/ (read once, kept in memory, gzipped once), the security headers every /ui answer carries
// (a strict Content-Security-Policy without inline script, framing refused, nosniff), and the console's
// login when admin authentication is on.
//
// Login: POST /ui/login with the admin token (form field `token`) checks it with the admin API's own
// checker and answers with a session cookie: a random id (never the token), HttpOnly, SameSite=Strict,
// Secure on https, Max-Age = PODFN_CONSOLE_SESSION_MS; the server keeps the session (hashed id ->
// expiry and CSRF token) in memory, so logout and expiry end it for good. The console then calls the
// /v1 API with that cookie; the admin guard (src/http/app.ts) accepts a cookie only together with the
// session's CSRF token in the X-Podfn-Csrf header (which a cross-site page cannot set or read) and an
// Origin, when sent, equal to the request's own. Failed logins are limited per client address.
//
// May import: hono and node built-ins only; src/http mounts it and hands it the credential check.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';

export const SESSION_COOKIE = 'podfn_console';
export const CSRF_HEADER = 'x-podfn-csrf';

/** The Content-Security-Policy of every /ui answer: everything from this origin, no inline script, no framing. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface ConsoleOptions {
  /** the admin API's credential check; undefined when the admin API is open (no login) */
  check: ((credential: string) => boolean) | undefined;
  sessionMs: number;
  /** where the built assets are (default: dist/ui/ next to the bundle or the checkout's) */
  assetDir?: string;
  now?: () => number;
}

interface Session {
  expiresAt: number;
  csrf: string;
}

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

const MAX_SESSIONS = 1000;
const LOGIN_FAILURES_PER_MINUTE = 10;

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** dist/ui next to the bundle (dist/main.js) or, running from the sources, the checkout's dist/ui. */
export function defaultAssetDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'ui'), path.join(here, '..', '..', 'dist', 'ui')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!fs.existsSync(dir)) return assets;
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = fs.readFileSync(path.join(dir, name));
    assets.set(name, { body, gzip: zlib.gzipSync(body, { level: 9 }), type, etag: `"${digest(body.toString('latin1')).slice(0, 20)}"` });
  }
  return assets;
}

/** Reads one cookie from a Cookie header. */
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const sameString = (a: string, b: string) => {
  const x = Buffer.from(digest(a));
  const y = Buffer.from(digest(b));
  return timingSafeEqual(x, y);
};

/** True when the request is https (directly, or as the reverse proxy in front says). */
const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/** An Origin header, when present, must be this server's own origin (scheme-agnostic host match behind proxies). */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, { n: number; resetAt: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  create(): { id: string; csrf: string } {
    const t = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(k);
    // bounded: the oldest sessions go first (Map keeps insertion order)
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    this.sessions.set(digest(id), { expiresAt: t + this.ttlMs, csrf });
    return { id, csrf };
  }

  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const key = digest(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }

  /** Counts a failed login of this client; true while it is under the limit. */
  failed(client: string): void {
    const t = this.now();
    const f = this.failures.get(client);
    if (!f || f.resetAt <= t) {
      if (this.failures.size > 10_000) this.failures.clear();
      this.failures.set(client, { n: 1, resetAt: t + 60_000 });
    } else f.n++;
  }

  throttled(client: string): boolean {
    const f = this.failures.get(client);
    return f !== undefined && f.resetAt > this.now() && f.n >= LOGIN_FAILURES_PER_MINUTE;
  }
}

const jsonError = (c: Context, status: 400 | 401 | 403 | 404 | 429 | 503, message: string) => c.json({ error: { message } }, status);

function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

export interface ConsoleServer {
  /** the Hono app serving /ui and /ui/* (mounted at the root) */
  app: Hono;
  /**
   * For the admin guard: true when the request carries a live console session cookie with its CSRF
   * token and an acceptable Origin. Requests with a cookie but without the rest are refused.
   */
  authenticates(c: Context): boolean;
}

export function consoleServer(opts: ConsoleOptions): ConsoleServer {
  const assets = loadAssets(opts.assetDir ?? defaultAssetDir());
  const sessions = new ConsoleSessions(opts.sessionMs, opts.now ?? Date.now);
  const auth = opts.check !== undefined;
  const app = new Hono();

  app.use('/ui/*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  const setCookie = (c: Context, value: string, maxAgeS: number) => {
    const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeS}`];
    if (isHttps(c)) attrs.push('Secure');
    c.header('Set-Cookie', attrs.join('; '));
  };

  // what the page needs to start: whether a login is needed, and the CSRF token of its session
  app.get('/ui/session', (c) => {
    c.header('Cache-Control', 'no-store');
    if (!auth) return c.json({ auth: false, logged_in: true, csrf: '' });
    const s = sessions.get(cookie(c.req.header('cookie'), SESSION_COOKIE));
    return c.json({ auth: true, logged_in: s !== undefined, csrf: s?.csrf ?? '', expires_at: s ? new Date(s.expiresAt).toISOString() : null });
  });

  app.post('/ui/login', async (c) => {
    c.header('Cache-Control', 'no-store');
    if (!opts.check) return jsonError(c, 404, 'The admin API is open: the console needs no login');
    if (!originAllowed(c.req.header('origin'), c.req.header('host'))) return jsonError(c, 403, 'Forbidden: cross-origin login');
    const client = clientAddress(c);
    if (sessions.throttled(client)) return jsonError(c, 429, 'Too many failed logins: try again in a minute');
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      return jsonError(c, 400, 'Bad request: a form (application/x-www-form-urlencoded) with the field token');
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > 8192) return jsonError(c, 400, 'Bad request: login form too large');
    const text = await c.req.text();
    if (text.length > 8192) return jsonError(c, 400, 'Bad request: login form too large');
    const token = new URLSearchParams(text).get('token') ?? '';
    if (!token || !opts.check(token)) {
      sessions.failed(client);
      return jsonError(c, 401, 'Unauthorized: invalid token');
    }
    const s = sessions.create();
    setCookie(c, s.id, Math.floor(opts.sessionMs / 1000));
    return c.json({ message: 'Logged in', csrf: s.csrf });
  });

  app.post('/ui/logout', (c) => {
    c.header('Cache-Control', 'no-store');
    const id = cookie(c.req.header('cookie'), SESSION_COOKIE);
    const s = sessions.get(id);
    if (s) {
      const sent = c.req.header(CSRF_HEADER);
      if (!sent || !sameString(sent, s.csrf) || !originAllowed(c.req.header('origin'), c.req.header('host'))) {
        return jsonError(c, 403, 'Forbidden: missing or wrong CSRF token');
      }
      sessions.end(id);
    }
    setCookie(c, '', 0);
    return c.json({ message: 'Logged out' });
  });

  const serve = (c: Context, name: string) => {
    const a = assets.get(name);
    if (!a) {
      if (name === 'index.html') return jsonError(c, 503, 'The console is not built: run npm run build (scripts/build.mjs)');
      return jsonError(c, 404, 'Path not found');
    }
    c.header('Cache-Control', 'no-cache');
    c.header('ETag', a.etag);
    c.header('Vary', 'Accept-Encoding');
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304);
    c.header('Content-Type', a.type);
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(a.gzip));
    }
    return c.body(new Uint8Array(a.body));
  };

  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.get('/ui/', (c) => serve(c, 'index.html'));
  app.get('/ui/:file{[A-Za-z0-9._-]+}', (c) => serve(c, c.req.param('file')));
  app.all('/ui/*', (c) => jsonError(c, 404, 'Path not found'));

  return {
    app,
    authenticates(c) {
      if (!auth) return false;
      const s = sessions.get(cookie(c.req.header('cookie'), SESSION_COOKIE));
      if (!s) return false;
      const sent = c.req.header(CSRF_HEADER);
      return sent !== undefined && sameString(sent, s.csrf) && originAllowed(c.req.header('origin'), c.req.header('host'));
    },
  };
}
