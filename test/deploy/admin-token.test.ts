// First-start admin token (src/admin-token.ts, PODFN_ADMIN_TOKEN_FILE). Unit part: where the file
// goes, generation with mode 0600 whatever the umask, reuse, explicit settings winning, the file format
// (one token per line, comments), concurrent first starts. End to end: the gateway started exactly as
// the README says (`npm start`, whose script sets PODFN_ADMIN_TOKEN_FILE=auto unless the caller set it),
// on a temp database: the first start prints the token once on stderr and stores it next to the
// database; the admin API answers 401 without it and 200 with it; a second start reuses it without
// printing it; PODFN_ADMIN_TOKEN wins; rotation through the file; PODFN_ADMIN_TOKEN_FILE= turns it off.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminTokenError, parseTokenFile, resolveAdminToken, tokenFilePath, type AdminTokenSettings } from '../../src/admin-token.ts';
import { loadConfig } from '../../src/config.ts';
import { ROOT, freePort, serverEnv } from '../helpers/server.ts';
import { request } from '../helpers/http.ts';

const unit = suite('admin token file (unit)');
const e2e = suite('admin token: npm start end to end');

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-token-'));
  dirs.push(d);
  return d;
};
process.once('exit', () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const settings = (over: Partial<AdminTokenSettings>): AdminTokenSettings => ({
  PODFN_ADMIN_TOKEN: '',
  PODFN_JWT_KEY: '',
  PODFN_ADMIN_TOKEN_FILE: '',
  PODFN_DB_URL: 'file:./data/podfn.db',
  ...over,
});
const mode = (f: string) => fs.statSync(f).mode & 0o777;

unit('the setting is off by default (programmatic starts keep an open admin API)', () => {
  assert.is(loadConfig({}).PODFN_ADMIN_TOKEN_FILE, '');
  const d = tmp();
  assert.equal(resolveAdminToken(settings({}), { cwd: d }), { kind: 'off', tokens: '' });
  assert.equal(fs.readdirSync(d), []);
});

unit('auto: next to the embedded database; ./data with a remote one; a path is taken as given', () => {
  assert.is(tokenFilePath('auto', 'file:./data/podfn.db', '/srv/x'), '/srv/x/data/admin-token');
  assert.is(tokenFilePath('auto', 'file:/var/lib/podfn/db/podfn.db', '/srv/x'), '/var/lib/podfn/db/admin-token');
  assert.is(tokenFilePath('auto', 'file:///data/podfn.db', '/srv/x'), '/data/admin-token');
  assert.is(tokenFilePath('auto', 'libsql://db.example:8080', '/srv/x'), '/srv/x/data/admin-token');
  assert.is(tokenFilePath('auto', 'http://127.0.0.1:8080', '/srv/x'), '/srv/x/data/admin-token');
  assert.is(tokenFilePath('secrets/tok', 'file:./data/podfn.db', '/srv/x'), '/srv/x/secrets/tok');
  assert.is(tokenFilePath('/etc/podfn/tok', 'file:./data/podfn.db', '/srv/x'), '/etc/podfn/tok');
  assert.is(tokenFilePath('', 'file:./data/podfn.db', '/srv/x'), undefined);
});

unit('first resolve generates a 0600 file (even with umask 0), later ones reuse it', () => {
  const d = tmp();
  const old = process.umask(0);
  let first;
  try {
    first = resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: 'auto', PODFN_DB_URL: `file:${d}/sub/podfn.db` }));
  } finally {
    process.umask(old);
  }
  assert.is(first.kind, 'generated');
  const file = path.join(d, 'sub', 'admin-token');
  assert.is(first.kind === 'generated' && first.file, file);
  assert.match(first.tokens, /^[0-9a-f]{64}$/);
  assert.is(mode(file), 0o600);
  assert.is(fs.readFileSync(file, 'utf8'), `${first.tokens}\n`);
  assert.equal(fs.readdirSync(path.join(d, 'sub')), ['admin-token'], 'no temp file left');
  const second = resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: 'auto', PODFN_DB_URL: `file:${d}/sub/podfn.db` }));
  assert.equal(second, { kind: 'file', tokens: first.tokens, file, count: 1, loose: false });
  const other = resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: path.join(d, 'other') }));
  assert.is(other.kind, 'generated');
  assert.is.not(other.tokens, first.tokens, 'tokens are random');
});

unit('PODFN_ADMIN_TOKEN or PODFN_JWT_KEY set: the file is neither read nor created', () => {
  const d = tmp();
  const file = path.join(d, 'tok');
  assert.equal(resolveAdminToken(settings({ PODFN_ADMIN_TOKEN: 'a,b', PODFN_ADMIN_TOKEN_FILE: file })), { kind: 'explicit', tokens: 'a,b', file });
  assert.equal(resolveAdminToken(settings({ PODFN_JWT_KEY: 'k', PODFN_ADMIN_TOKEN_FILE: file })), { kind: 'explicit', tokens: '', file });
  assert.not.ok(fs.existsSync(file));
  fs.writeFileSync(file, 'from-file\n', { mode: 0o600 });
  assert.is(resolveAdminToken(settings({ PODFN_ADMIN_TOKEN: 'env-token', PODFN_ADMIN_TOKEN_FILE: file })).tokens, 'env-token');
});

unit('file format: one token per line, blank lines and # comments skipped; bad lines refused without echoing them', () => {
  assert.equal(parseTokenFile('# new one first\nnew-token\n\n  old-token  \r\n', 'f'), ['new-token', 'old-token']);
  for (const bad of ['two words\n', 'a,b\n', 'caf\u00e9\n']) {
    try {
      parseTokenFile(`ok\n${bad}`, 'f');
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (e) {
      assert.instance(e, AdminTokenError);
      assert.match((e as Error).message, 'f line 2');
      assert.not.match((e as Error).message, bad.trim(), 'the bad line is not echoed');
    }
  }
  assert.throws(() => parseTokenFile('# only a comment\n\n', 'f'), /holds no token; delete it/);
  const d = tmp();
  const file = path.join(d, 'tok');
  fs.writeFileSync(file, 'x1\nx2\n', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  assert.equal(resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: file })), { kind: 'file', tokens: 'x1,x2', file, count: 2, loose: true });
  fs.mkdirSync(path.join(d, 'dir'));
  assert.throws(() => resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: path.join(d, 'dir') })), /not a regular file/);
});

unit("two first starts at once: the loser uses the winner's token, the file is never half written", () => {
  const d = tmp();
  const file = path.join(d, 'tok');
  const out = resolveAdminToken(settings({ PODFN_ADMIN_TOKEN_FILE: file }), {
    generate: () => {
      fs.writeFileSync(file, 'winner-token\n', { mode: 0o600 }); // the other gateway got there first
      return 'loser-token';
    },
  });
  assert.equal(out, { kind: 'file', tokens: 'winner-token', file, count: 1, loose: false });
  assert.is(fs.readFileSync(file, 'utf8'), 'winner-token\n');
  assert.equal(fs.readdirSync(d), ['tok']);
});

// ---- end to end through npm start ---------------------------------------------------------------

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live)
    if (c.pid)
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
});

/** `npm start` in its own process group (npm -> sh -> node), ready when /healthz answers. */
async function npmStart(env: Record<string, string | undefined>, port: number): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: serverEnv({ PODFN_LOG_LEVEL: 'info', ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out}\n${err}`);
    const res = await request(`http://127.0.0.1:${port}`, 'GET', '/healthz').catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`npm start: no /healthz within 60 s:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** SIGTERM to the whole group (as a terminal's Ctrl-C or systemd would), then wait until every
 *  process of it is gone: npm itself dies of the signal, the gateway shuts down gracefully. */
async function stop(s: Started): Promise<void> {
  const pgid = s.child.pid!;
  process.kill(-pgid, 'SIGTERM');
  await s.exited;
  const deadline = Date.now() + 30_000;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (alive()) {
    if (Date.now() > deadline) {
      process.kill(-pgid, 'SIGKILL');
      throw new Error('the gateway did not exit within 30 s of SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(s.stdout(), '"msg":"shutting down"', 'the gateway shut down gracefully');
}

const status = async (port: number, token?: string) =>
  (await request(`http://127.0.0.1:${port}`, 'GET', '/v1/apps', undefined, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }))
    .status;

e2e('first start prints and stores a token; reuse; explicit wins; rotation; opt-out', async () => {
  const d = tmp();
  const port = await freePort();
  const env = { HOST: '127.0.0.1', PODFN_DB_URL: `file:${d}/podfn.db`, PODFN_NODE_ID: `tok-${randomBytes(4).toString('hex')}` };
  const file = path.join(d, 'admin-token');

  // 1. first start: generated, printed once on stderr (never in the JSON log), stored 0600
  let s = await npmStart(env, port);
  let token: string;
  try {
    const printed = /^ {2}([0-9a-f]{64})$/m.exec(s.stderr());
    assert.ok(printed, `banner on stderr:\n${s.stderr()}`);
    token = printed[1]!;
    assert.match(s.stderr(), `Authorization: Bearer ${token}`);
    assert.match(s.stderr(), `export PODFN_ADMIN_TOKEN=${token}`);
    assert.is(s.stderr().split(token).length - 1, 3, 'the token appears in the banner only (token line, curl line, export line)');
    assert.not.match(s.stdout(), token, 'the token is not in the log');
    assert.match(s.stdout(), file, 'the log says where it is stored');
    assert.is(mode(file), 0o600);
    assert.is(fs.readFileSync(file, 'utf8'), `${token}\n`);
    assert.is(await status(port), 401);
    assert.is(await status(port, 'wrong'), 401);
    assert.is(await status(port, token), 200);
    assert.is((await request(`http://127.0.0.1:${port}`, 'GET', '/healthz')).status, 200, 'system endpoints stay open');
  } finally {
    await stop(s);
  }

  // 2. second start: reused, not printed
  s = await npmStart(env, port);
  try {
    assert.not.match(s.stderr() + s.stdout(), token, 'the token is not printed again');
    assert.match(s.stdout(), 'token(s) read from the token file');
    assert.match(s.stdout(), file);
    assert.is(await status(port), 401);
    assert.is(await status(port, token), 200);
  } finally {
    await stop(s);
  }

  // 3. explicit PODFN_ADMIN_TOKEN wins over the file (which stays as it is)
  s = await npmStart({ ...env, PODFN_ADMIN_TOKEN: 'explicit-token-1' }, port);
  try {
    assert.is(await status(port, 'explicit-token-1'), 200);
    assert.is(await status(port, token), 401, 'the file token is not accepted then');
    assert.is(fs.readFileSync(file, 'utf8'), `${token}\n`);
  } finally {
    await stop(s);
  }

  // 4. graceful rotation with the file: new token as first line, old kept; restart; both work
  const fresh = randomBytes(32).toString('hex');
  fs.writeFileSync(file, `# rotated\n${fresh}\n${token}\n`);
  s = await npmStart(env, port);
  try {
    assert.is(await status(port, fresh), 200);
    assert.is(await status(port, token), 200, 'the old token works during the overlap');
  } finally {
    await stop(s);
  }
  // ... clients moved: drop the old line, restart: only the new one works
  fs.writeFileSync(file, `${fresh}\n`);
  s = await npmStart(env, port);
  try {
    assert.is(await status(port, fresh), 200);
    assert.is(await status(port, token), 401, 'the old token is refused after rotation');
  } finally {
    await stop(s);
  }
  // ... or delete the file: the next start generates and prints a new one
  fs.rmSync(file);
  s = await npmStart(env, port);
  try {
    const printed = /^ {2}([0-9a-f]{64})$/m.exec(s.stderr())?.[1];
    assert.ok(printed && printed !== fresh && printed !== token, 'a new token is generated');
    assert.is(await status(port, printed), 200);
    assert.is(await status(port, fresh), 401);
  } finally {
    await stop(s);
  }

  // 5. opt-out: PODFN_ADMIN_TOKEN_FILE= (set but empty) keeps the admin API open under npm start
  const d2 = tmp();
  s = await npmStart({ ...env, PODFN_DB_URL: `file:${d2}/podfn.db`, PODFN_ADMIN_TOKEN_FILE: '' }, port);
  try {
    assert.is(await status(port), 200);
    assert.not.ok(fs.existsSync(path.join(d2, 'admin-token')));
  } finally {
    await stop(s);
  }
});

unit.run();
e2e.run();
