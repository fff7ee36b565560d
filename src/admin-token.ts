// First-start admin token. With PODFN_ADMIN_TOKEN_FILE set (`npm start` and the gateway image set
// it; unset = off, so programmatic starts and the test suites keep an open admin API unless they
// configure one), podfn reads its admin token(s) from that file, one per line; when the file does not
// exist yet it generates a random token, stores it with mode 0600 and prints it once on stderr (an
// existing file readable by others is made 0600 at start, with a warning).
// Later starts reuse the file and only log where it is. PODFN_ADMIN_TOKEN or PODFN_JWT_KEY set
// explicitly win: the file is then neither read nor created.
//
// `auto` puts the file next to the embedded database (file:./data/podfn.db -> ./data/admin-token;
// with a remote database: ./data/admin-token). Rotation: add the new token as a new first line,
// restart, move clients, delete the old line, restart (tokens are read at start-up only).
//
// May import only node built-ins and log (types).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from './log.ts';

export const TOKEN_FILE_NAME = 'admin-token';

/** The settings this module reads (a subset of Config). */
export interface AdminTokenSettings {
  PODFN_ADMIN_TOKEN: string;
  PODFN_JWT_KEY: string;
  PODFN_ADMIN_TOKEN_FILE: string;
  PODFN_DB_URL: string;
}

export type AdminTokenOutcome =
  /** PODFN_ADMIN_TOKEN / PODFN_JWT_KEY set: used as they are; `file` is the ignored file setting */
  | { kind: 'explicit'; tokens: string; file?: string }
  /** no token anywhere: the admin API is open */
  | { kind: 'off'; tokens: '' }
  /** tokens read from an existing file; `loose` when group or others may read it */
  | { kind: 'file'; tokens: string; file: string; count: number; loose: boolean }
  /** the file did not exist: a token was generated and stored */
  | { kind: 'generated'; tokens: string; file: string; token: string };

export class AdminTokenError extends Error {}

/** A token as PODFN_ADMIN_TOKEN accepts one: printable ASCII, no spaces, no commas. */
const TOKEN_RE = /^[\x21-\x2b\x2d-\x7e]+$/;

/** A new random token: 32 bytes, hex (64 characters), like `openssl rand -hex 32`. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/** Where the token file lives for a setting value; undefined when the feature is off. */
export function tokenFilePath(setting: string, dbUrl: string, cwd = process.cwd()): string | undefined {
  return dataFilePath(setting, dbUrl, TOKEN_FILE_NAME, cwd);
}

/** A file setting's path: '' off, `auto` = `name` next to the embedded database (./data/<name> with a remote one). */
export function dataFilePath(setting: string, dbUrl: string, name: string, cwd = process.cwd()): string | undefined {
  if (!setting) return undefined;
  if (setting !== 'auto') return path.resolve(cwd, setting);
  const dbFile = embeddedDbPath(dbUrl);
  return dbFile ? path.join(path.dirname(path.resolve(cwd, dbFile)), name) : path.resolve(cwd, 'data', name);
}

/** The file path of a `file:` libSQL URL (file:./x.db, file:/x.db, file:///x.db), else undefined. */
function embeddedDbPath(dbUrl: string): string | undefined {
  if (!dbUrl.startsWith('file:')) return undefined;
  const noQuery = dbUrl.split('?')[0]!;
  if (noQuery.startsWith('file://')) return fileURLToPath(noQuery);
  return decodeURIComponent(noQuery.slice('file:'.length));
}

/** Tokens of a token file: one per line; blank lines and lines starting with # are skipped. */
export function parseTokenFile(text: string, file: string): string[] {
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    // never echo the line: it may be a secret with a typo
    if (!TOKEN_RE.test(line)) throw new AdminTokenError(`${file} line ${i + 1}: a token must be printable ASCII without spaces or commas (one token per line)`);
    tokens.push(line);
  });
  if (tokens.length === 0) throw new AdminTokenError(`${file} holds no token; delete it to have podfn generate a new one`);
  return tokens;
}

function readTokens(file: string): { tokens: string[]; loose: boolean } | undefined {
  let text: string;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
    if (!st.isFile()) throw new AdminTokenError(`${file} is not a regular file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof AdminTokenError) throw e;
    throw new AdminTokenError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return { tokens: parseTokenFile(text, file), loose: (st.mode & 0o077) !== 0 };
}

/**
 * Creates `file` holding `text` with mode 0600, atomically: the text is written to a private temp
 * file that is then hard-linked to the final name, so a reader never sees a half-written file and of
 * two gateways starting at once exactly one creates it. Returns false when the file already existed.
 * A missing folder is made 0700. Also the secrets key file's writer (src/secrets-key.ts).
 */
export function createPrivateFile(file: string, text: string): boolean {
  const dir = path.dirname(file);
  try {
    const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode passes through the umask: folders made here are set to 0700 outright
    for (let d = dir; created !== undefined; d = path.dirname(d)) {
      fs.chmodSync(d, 0o700);
      if (d === created || d === path.dirname(d)) break;
    }
  } catch (e) {
    throw new Error(`cannot create ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // whatever the umask
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    return true;
  } catch (e) {
    throw new Error(`cannot create ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function createTokenFile(file: string, token: string): boolean {
  try {
    return createPrivateFile(file, `${token}\n`);
  } catch (e) {
    throw new AdminTokenError((e as Error).message);
  }
}

/** Decides the admin tokens (pure apart from the token file). */
export function resolveAdminToken(s: AdminTokenSettings, opts: { cwd?: string; generate?: () => string } = {}): AdminTokenOutcome {
  const file = tokenFilePath(s.PODFN_ADMIN_TOKEN_FILE, s.PODFN_DB_URL, opts.cwd);
  if (s.PODFN_ADMIN_TOKEN || s.PODFN_JWT_KEY) return { kind: 'explicit', tokens: s.PODFN_ADMIN_TOKEN, file };
  if (!file) return { kind: 'off', tokens: '' };
  const existing = readTokens(file);
  if (existing) return { kind: 'file', tokens: existing.tokens.join(','), file, count: existing.tokens.length, loose: existing.loose };
  const token = (opts.generate ?? generateToken)();
  if (!TOKEN_RE.test(token)) throw new AdminTokenError('generated token is malformed');
  if (createTokenFile(file, token)) return { kind: 'generated', tokens: token, file, token };
  // another gateway created it between our read and our link: use theirs (it printed it)
  const theirs = readTokens(file);
  if (!theirs) throw new AdminTokenError(`${file} vanished while starting`);
  return { kind: 'file', tokens: theirs.tokens.join(','), file, count: theirs.tokens.length, loose: theirs.loose };
}

/** The text printed once, on stderr, when a token was generated. */
export function generatedBanner(token: string, file: string, baseUrl: string): string {
  const rule = '='.repeat(78);
  return [
    rule,
    'podfn: generated an admin API token (shown only this once). It is stored in',
    `  ${file}  (mode 0600; later starts reuse it)`,
    '',
    `  ${token}`,
    '',
    '/v1 and /tasks now need it:',
    `  curl -H "Authorization: Bearer ${token}" ${baseUrl}/v1/apps`,
    'podfn CLI:',
    `  export PODFN_ADMIN_TOKEN=${token}`,
    `  (later: export PODFN_ADMIN_TOKEN=$(head -n1 ${file}))`,
    'Explicit PODFN_ADMIN_TOKEN / PODFN_JWT_KEY settings take precedence over the file.',
    rule,
    '',
  ].join('\n');
}

type Log = Pick<Logger, 'info' | 'warn'>;

/** A token file readable by group or others (an older podfn's, or a copy) is made 0600, and said so. */
function tightenTokenFile(file: string, log: Log): void {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    fs.chmodSync(file, 0o600);
    log.warn(
      { tokenFile: file, was: `0${(st.mode & 0o777).toString(8)}` },
      'the admin token file was readable by group or others: made it 0600 (rotate the token if others may have read it)',
    );
  } catch (e) {
    log.warn({ tokenFile: file, err: (e as Error).message }, 'the admin token file is readable by group or others: chmod 600 it');
  }
}

/**
 * Start-up step for src/main.ts: resolves the admin tokens, stores them in config.PODFN_ADMIN_TOKEN,
 * prints a generated token once and logs where tokens come from. Exits with status 2 (like a bad
 * setting) when the token file is unusable.
 */
export function applyAdminToken(
  config: AdminTokenSettings & { HOST: string; PORT: number },
  log: Log,
  stderr: (s: string) => void = (s) => process.stderr.write(s),
): AdminTokenOutcome {
  let outcome: AdminTokenOutcome;
  try {
    outcome = resolveAdminToken(config);
  } catch (e) {
    if (!(e instanceof AdminTokenError)) throw e;
    stderr(`podfn: PODFN_ADMIN_TOKEN_FILE=${JSON.stringify(config.PODFN_ADMIN_TOKEN_FILE)}: ${e.message}\n`);
    process.exit(2);
  }
  config.PODFN_ADMIN_TOKEN = outcome.tokens;
  switch (outcome.kind) {
    case 'generated': {
      const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
      stderr(generatedBanner(outcome.token, outcome.file, `http://${host}:${config.PORT}`));
      log.info({ tokenFile: outcome.file }, 'admin authentication on: generated a token and stored it');
      break;
    }
    case 'file':
      log.info({ tokenFile: outcome.file, tokens: outcome.count }, 'admin authentication on: token(s) read from the token file');
      if (outcome.loose) tightenTokenFile(outcome.file, log);
      break;
    case 'explicit':
      if (outcome.file) log.info({ tokenFile: outcome.file }, 'PODFN_ADMIN_TOKEN/PODFN_JWT_KEY set: the admin token file is ignored');
      break;
    case 'off':
      break;
  }
  return outcome;
}
