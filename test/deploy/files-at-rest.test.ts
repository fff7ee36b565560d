// Files at rest through a real gateway process (test/helpers/server.ts), started with umask 022 as a
// shell would: the data folder it makes is 0700 and the database, its -wal and -shm and the admin
// token file are 0600, both when PODFN_ADMIN_TOKEN is set (the database code then makes the folder)
// and with the token file (the token code makes it); loose modes an older podfn left are tightened
// on the next start, with a warning in the log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const dirs: string[] = [];
const servers: TestServer[] = [];

/** A gateway on `<tmp>/data/podfn.db` (a folder that does not exist yet), started with umask 022. */
async function gateway(env: Record<string, string>): Promise<{ srv: TestServer; data: string; db: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-at-rest-'));
  dirs.push(root);
  const data = path.join(root, 'data');
  const db = path.join(data, 'podfn.db');
  const old = process.umask(0o022); // the child inherits it
  try {
    const srv = await startServer({ dbUrl: `file:${db}`, env });
    servers.push(srv);
    return { srv, data, db };
  } finally {
    process.umask(old);
  }
}

function assertPrivate(data: string, files: string[]): void {
  assert.is(mode(data).toString(8), '700', data);
  for (const f of files) assert.is(mode(f).toString(8), '600', f);
}

test('PODFN_ADMIN_TOKEN set: the database code makes the folder 0700; database, -wal, -shm 0600', async () => {
  const { srv, data, db } = await gateway({ PODFN_ADMIN_TOKEN: 'explicit-token' });
  assertPrivate(data, [db, `${db}-wal`, `${db}-shm`]);
  assert.not.ok(fs.existsSync(path.join(data, 'admin-token')), 'no token file with an explicit token');
  await srv.stop();
});

test('token file: folder 0700; database, -wal, -shm and admin-token 0600; loose modes tightened on restart', async () => {
  const { srv, data, db } = await gateway({ PODFN_ADMIN_TOKEN_FILE: 'auto' });
  const token = path.join(data, 'admin-token');
  const files = [db, `${db}-wal`, `${db}-shm`, token];
  assertPrivate(data, files);

  // as an older podfn left them: everything readable by all
  await srv.kill('SIGTERM');
  fs.chmodSync(data, 0o755);
  for (const f of [db, token]) fs.chmodSync(f, 0o644);
  const old = process.umask(0o022);
  try {
    await srv.restart();
  } finally {
    process.umask(old);
  }
  assertPrivate(data, files);
  const out = srv.output();
  assert.match(out, 'the data folder was open to group or others: made it 0700');
  assert.match(out, 'a database file was readable by group or others: made it 0600');
  assert.match(out, 'the admin token file was readable by group or others: made it 0600');
  await srv.stop();
});

test.after(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test.run();
