// Files at rest (src/store/db.ts, src/admin-token.ts): whatever the umask, an embedded database's
// folder is 0700 and the database, its -wal and -shm and the admin token file are 0600; loose ones
// left by an older podfn are tightened at start, with a warning; a shared folder the database was
// put in (the cwd, say) is left as it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyAdminToken } from '../../src/admin-token.ts';
import { openStore } from '../../src/store/db.ts';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-at-rest-'));
  dirs.push(d);
  return d;
}

interface Logged {
  level: string;
  obj: object;
  msg: string;
}
function recorder(): { log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }; lines: Logged[] } {
  const lines: Logged[] = [];
  return {
    lines,
    log: {
      info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    },
  };
}

/** Runs `fn` with the umask a default shell has, so modes come from podfn rather than the umask. */
async function withUmask022<T>(fn: () => T | Promise<T>): Promise<T> {
  const old = process.umask(0o022);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

/** Opens the store, writes (so the -wal has content) and checks the modes while it is open. */
async function openAndCheck(file: string, check: () => void, log?: ReturnType<typeof recorder>['log']): Promise<void> {
  const store = await openStore(`file:${file}`, undefined, undefined, log);
  try {
    await store.client.execute('CREATE TABLE IF NOT EXISTS at_rest (x)');
    await store.client.execute("INSERT INTO at_rest VALUES ('secret')");
    check();
  } finally {
    store.close();
  }
}

test('a new data folder is 0700 and the database, -wal and -shm 0600 (umask 022; two opens at once)', async () => {
  const d = tmp();
  const file = path.join(d, 'data', 'nested', 'podfn.db');
  const other = path.join(d, 'other', 'podfn.db');
  await withUmask022(async () => {
    await Promise.all([
      openAndCheck(file, () => {
        assert.is(mode(path.dirname(file)), 0o700, 'data folder');
        assert.is(mode(path.dirname(path.dirname(file))), 0o700, 'a parent made for it');
        for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.is(mode(f), 0o600, f);
      }),
      openAndCheck(other, () => assert.is(mode(other), 0o600)),
    ]);
    // the open narrows the umask only while it runs, and concurrent opens restore it once
    assert.is(process.umask(0o022), 0o022, 'umask restored');
  });
});

test('loose files of an older podfn are made 0600 and its own folder 0700, each logged', async () => {
  const dir = path.join(tmp(), 'data');
  const file = path.join(dir, 'podfn.db');
  const { log, lines } = recorder();
  await withUmask022(async () => {
    await openAndCheck(file, () => undefined);
    fs.writeFileSync(path.join(dir, 'admin-token'), 'tok\n');
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(file, 0o644);
    await openAndCheck(
      file,
      () => {
        assert.is(mode(dir), 0o700);
        for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.is(mode(f), 0o600, f);
      },
      log,
    );
  });
  assert.ok(
    lines.some((l) => l.level === 'warn' && /data folder was open/.test(l.msg)),
    JSON.stringify(lines),
  );
  assert.ok(
    lines.some((l) => l.level === 'warn' && /database file was readable/.test(l.msg) && JSON.stringify(l.obj).includes(file)),
    JSON.stringify(lines),
  );
});

test('a database in a shared folder: the folder is left as it is, the files are private', async () => {
  const dir = tmp();
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'notes.txt'), "the user's own file\n");
  const file = path.join(dir, 'podfn.db');
  await withUmask022(() =>
    openAndCheck(file, () => {
      assert.is(mode(dir), 0o755, "not podfn's folder");
      assert.is(mode(path.join(dir, 'notes.txt')), 0o644, 'other files untouched');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.is(mode(f), 0o600, f);
    }),
  );
});

test('the working folder is never made private, even when it holds only the database', async () => {
  const dir = tmp();
  fs.chmodSync(dir, 0o755);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await withUmask022(() => openAndCheck('./podfn.db', () => assert.is(mode(dir), 0o755)));
    assert.is(mode(path.join(dir, 'podfn.db')), 0o600);
  } finally {
    process.chdir(cwd);
  }
});

test('admin token: a new file and its new folder are 0600/0700; a loose one is made 0600 and logged', async () => {
  const d = tmp();
  const settings = (file: string) => ({
    PODFN_ADMIN_TOKEN: '',
    PODFN_JWT_KEY: '',
    PODFN_ADMIN_TOKEN_FILE: file,
    PODFN_DB_URL: 'file:./x.db',
    HOST: '127.0.0.1',
    PORT: 1,
  });
  const file = path.join(d, 'new', 'admin-token');
  await withUmask022(() => applyAdminToken(settings(file), recorder().log, () => undefined));
  assert.is(mode(file), 0o600);
  assert.is(mode(path.dirname(file)), 0o700);

  const loose = path.join(d, 'loose-token');
  fs.writeFileSync(loose, 'some-token\n');
  fs.chmodSync(loose, 0o644);
  const { log, lines } = recorder();
  applyAdminToken(settings(loose), log, () => undefined);
  assert.is(mode(loose), 0o600);
  assert.ok(
    lines.some((l) => l.level === 'warn' && /made it 0600/.test(l.msg)),
    JSON.stringify(lines),
  );
});

test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test.run();
