// The embedded database stops taking writes while the gateway runs: its files become read-only, then
// its disk fills up. Admin writes answer 503 (JSON, Retry-After) and change nothing, reads keep
// working, /r calls on existing routes keep working (the route cache needs no database), async
// enqueues answer 503 (not 500); once the fault clears, writes work again, the sync call records
// buffered meanwhile are written, and PRAGMA integrity_check says ok.
//
// How the faults are made (as root, which file permissions do not stop): the database lives on a
// small ext4 file system of its own (a loop-mounted image; unmounted in `after`).
// - read-only: `chattr +i` on the database and its WAL (the immutable flag stops writes even through
//   descriptors already open, even for root). `mount -o remount,ro` cannot be used: the kernel refuses
//   it (EBUSY) while SQLite holds the files open for writing, and tmpfs ignores the immutable flag on
//   open descriptors. The -shm file stays writable: it is mmap'ed, and an immutable mapping would
//   SIGBUS the gateway, which is not the fault under test.
// - disk full: after a checkpoint that empties the WAL (so no write can reuse its space), a file
//   fills the rest of the file system.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { assertServing, startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, snapshot, type Client, type Res, type Snapshot } from '../helpers/http.ts';
import { image, testNodeId, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';
import { isUnavailable, sqliteCode, unavailableReason } from '../../src/store/sql-errors.ts';

const test = suite('faults: database read-only and disk full');
const isRoot = process.getuid?.() === 0;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-dbfault-'));
const imageFile = path.join(work, 'fs.img');
const mnt = path.join(work, 'mnt');
const dbFile = path.join(mnt, 'podfn.db');
const fillFile = path.join(mnt, 'fill');
let mounted = false;
let srv: TestServer | undefined;
let api: Client;
let stored: Snapshot;

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function setImmutable(on: boolean): void {
  for (const f of [dbFile, `${dbFile}-wal`]) if (fs.existsSync(f)) run('chattr', on ? '+i' : '-i', f);
}

/** Writes until the file system has no block left (ENOSPC), in shrinking chunks. */
function fillDisk(): void {
  const fd = fs.openSync(fillFile, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (const size of [chunk.length, 4096, 1]) {
      try {
        for (;;) fs.writeSync(fd, chunk, 0, size);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  assert.is(fs.statfsSync(mnt).bavail, 0, 'the file system is full');
}

async function sql(statement: string): Promise<unknown[][]> {
  const c = createClient({ url: `file:${dbFile}` });
  try {
    return (await c.execute(statement)).rows.map((r) => Array.from({ length: r.length }, (_, i) => r[i]));
  } finally {
    c.close();
  }
}

async function integrityOk(): Promise<void> {
  assert.equal(await sql('PRAGMA integrity_check'), [['ok']], 'PRAGMA integrity_check');
}

function expectUnavailable(res: Res, what: string, message: RegExp = /database/): void {
  expectError(res, 503, message, what);
  assert.is(res.headers['retry-after'], '1', `${what}: Retry-After`);
}

async function gatewayUnharmed(): Promise<void> {
  await assertServing(srv!);
}

interface Readyz {
  status: string;
  checks: { database: { ok: boolean; detail?: { writable: boolean; error: string; since: string } } };
}

/** Everything that must hold while the database takes no writes; `code` is the SQLite error seen. */
async function whileFaulty(what: string, code: RegExp, reason: string): Promise<string> {
  const writes: Array<[string, string, unknown]> = [
    ['POST', '/v1/apps', { app: { name: 'newapp' } }],
    ['PATCH', '/v1/apps/dbfault', { app: { config: { K: 'v' } } }],
    ['PUT', '/v1/apps/dbfault', { app: { config: { K: 'v' } } }],
    ['DELETE', '/v1/apps/spare', undefined],
    ['POST', '/v1/apps/dbfault/routes', { route: { path: '/new', image: image('echo') } }],
    ['POST', '/v1/apps/newapp2/routes', { route: { path: '/new', image: image('echo') } }],
    ['PUT', '/v1/apps/dbfault/routes/echo', { route: { memory: 64 } }],
    ['PUT', '/v1/apps/dbfault/routes/brand-new', { route: { image: image('echo') } }],
    ['PATCH', '/v1/apps/dbfault/routes/echo', { route: { memory: 64 } }],
    ['DELETE', '/v1/apps/dbfault/routes/echo', undefined],
  ];
  const message = new RegExp(`^Service unavailable: the database cannot be written right now \\(${reason}\\)$`);
  for (const [method, target, body] of writes) expectUnavailable(await api.req(method, target, body as object), `${what}: ${method} ${target}`, message);
  // /readyz stays 200 (reads and calls work) and says writes fail, and why
  const ready = await api.get('/readyz');
  assert.is(ready.status, 200, ready.text);
  const db = ready.json<Readyz>().checks.database;
  assert.is(db.ok, true);
  assert.is(db.detail?.writable, false, ready.text);
  assert.match(String(db.detail?.error), code);
  // async enqueue: 503, not 500
  expectUnavailable(await api.post('/r/dbfault/later', 'queued?'), `${what}: async enqueue`);
  // reads keep working and show nothing changed
  assert.equal(await snapshot(api), stored, `${what}: stored data unchanged`);
  expectOk(await api.get('/v1/apps/dbfault/routes/echo'));
  expectOk(await api.get('/v1/apps/dbfault/calls'));
  // sync calls on existing routes keep working
  const call = await api.post('/r/dbfault/echo', `during ${what}`);
  assert.is(call.status, 200, call.text);
  assert.is(call.text, `during ${what}`);
  await gatewayUnharmed();
  return String(call.headers['fn-call-id']);
}

/** After the fault clears: writes work again, the call made during it is recorded, nothing is corrupt. */
async function afterRecovery(what: string, callDuring: string): Promise<void> {
  // /readyz notices by itself (its probe write works again)
  const ready = await api.get('/readyz');
  assert.is(ready.status, 200, ready.text);
  assert.equal(ready.json<Readyz>().checks.database, { ok: true });
  await waitFor(async () => (await api.post('/v1/apps', { app: { name: `after-${what}` } })).status === 200, 30_000, `writes to work again after ${what}`);
  const patched = expectOk<{ app: { config: Record<string, string> } }>(await api.patch(`/v1/apps/after-${what}`, { app: { config: { OK: '1' } } }));
  assert.equal(patched.app.config, { OK: '1' });
  expectOk(await api.del(`/v1/apps/after-${what}`));
  assert.equal(await snapshot(api), stored, `${what}: stored data intact`);
  // the sync record buffered while the database refused writes is written now
  await waitFor(async () => (await api.get(`/v1/apps/dbfault/calls/${callDuring}`)).status === 200, 30_000, 'the buffered call record');
  // async calls are accepted and run again
  const accepted = expectOk<{ call_id: string }>(await api.post('/r/dbfault/later', 'later'), 202);
  await waitFor(
    async () => {
      const r = await api.get(`/v1/apps/dbfault/calls/${accepted.call_id}`);
      return r.status === 200 && r.json<{ call: { status: string } }>().call.status === 'success';
    },
    60_000,
    'the async call to run',
  );
  await integrityOk();
  await gatewayUnharmed();
}

test('a database file that cannot be opened is "unavailable" (503 disk-side fault), not a 500', () => {
  // libsql throws this when it opens a connection (at start, and after every transaction) and the
  // file cannot be opened: here a folder that does not exist; in production a file system gone or no
  // file descriptors left
  let err: Error | undefined;
  try {
    createClient({ url: `file:${path.join(work, 'no-such-dir', 'podfn.db')}` }).close();
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, 'opening failed');
  assert.ok(isUnavailable(err), String(err));
  assert.is(sqliteCode(err), 'SQLITE_CANTOPEN');
  assert.is(unavailableReason(err), 'cannot open the database file');
});

// The faults need root (loop mount, chattr): elsewhere uvu reports each of them as skipped.
const needsRoot = isRoot ? test : test.skip.bind(test);
if (isRoot) {
  test.before(async () => {
    fs.mkdirSync(mnt);
    run('truncate', '-s', '32M', imageFile);
    run('mkfs.ext4', '-q', '-F', '-m', '0', imageFile); // -m 0: no blocks reserved for root
    run('mount', '-o', 'loop', imageFile, mnt);
    mounted = true;
    srv = await startServer({ dbUrl: `file:${dbFile}`, env: { PODFN_NODE_ID: testNodeId('fault-db'), PODFN_CONTAINER_HOST: `unix://${testSocketPath()}` } });
    api = client(srv.url);
    expectOk(await api.post('/v1/apps', { app: { name: 'dbfault', config: { A: '1' } } }));
    expectOk(await api.post('/v1/apps', { app: { name: 'spare' } }));
    expectOk(await api.post('/v1/apps/dbfault/routes', { route: { path: '/echo', image: image('echo') } }));
    expectOk(await api.post('/v1/apps/dbfault/routes', { route: { path: '/later', image: image('echo'), type: 'async' } }));
    const warm = await api.post('/r/dbfault/echo', 'warm');
    assert.is(warm.status, 200, warm.text);
    stored = await snapshot(api);
  });

  test.after(async () => {
    try {
      if (mounted) {
        setImmutable(false);
        fs.rmSync(fillFile, { force: true });
      }
      await srv?.stop();
    } finally {
      // lazy: a process still holding a file (a crashed gateway being reaped) must not fail the suite
      if (mounted) run('umount', '-l', mnt);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

needsRoot('database files read-only: writes 503, reads and calls work; writes resume when writable (needs root)', async () => {
  setImmutable(true);
  let callDuring: string;
  try {
    // EPERM on write: SQLite says SQLITE_IOERR (a read-only mount would say SQLITE_READONLY)
    callDuring = await whileFaulty('read-only', /^SQLITE_(IOERR|READONLY)/, '(I/O error|read-only)');
  } finally {
    setImmutable(false);
  }
  await afterRecovery('read-only', callDuring);
});

needsRoot('disk full: writes 503, reads and calls work; writes resume when space is freed (needs root)', async () => {
  await sql('PRAGMA wal_checkpoint(TRUNCATE)');
  fillDisk();
  let callDuring: string;
  try {
    callDuring = await whileFaulty('disk full', /^SQLITE_FULL/, 'disk full');
  } finally {
    fs.rmSync(fillFile, { force: true });
  }
  await afterRecovery('disk-full', callDuring);
});

needsRoot('after a clean stop the database is intact and holds everything (needs root)', async () => {
  await srv!.stop();
  srv = undefined;
  await integrityOk();
  const apps = (await sql('SELECT name FROM apps ORDER BY name')).map((r) => r[0]);
  assert.equal(
    apps,
    stored.apps.map((a) => a.name),
  );
  const routes = (await sql('SELECT app_name, path FROM routes ORDER BY app_name, path')).map((r) => `${r[0] as string}${r[1] as string}`);
  assert.equal(routes, stored.routes.map((r) => `${r.app_name}${r.path}`).sort());
});

test.run();
