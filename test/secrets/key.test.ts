// The secrets key at start-up, through real gateway processes: a node whose key is not the one the
// database's secrets were written with stops (exit 2) with a message saying so, instead of serving
// secrets it cannot decrypt; a malformed key or key file stops it too; no message shows a key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runServerToExit, startServer } from '../helpers/server.ts';
import { client, expectOk } from '../helpers/http.ts';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('hex');
const MISMATCH =
  /podfn: the secrets key from PODFN_SECRETS_KEY is not the key this database's secrets are encrypted with\. Every node sharing a database needs the same key/;

test('a wrong PODFN_SECRETS_KEY stops the gateway with a clear message; the right one serves the secrets', async () => {
  const srv = await startServer({ env: { PODFN_SECRETS_KEY: K1 } });
  try {
    expectOk(await client(srv.url).put('/v1/apps/k/secrets/token', { secret: { value: 'shh' } }));
    await srv.kill('SIGTERM');
    const wrong = await runServerToExit({ PODFN_DB_URL: srv.dbUrl, PODFN_SECRETS_KEY: K2 });
    assert.is(wrong.timedOut, false, wrong.output);
    assert.is(wrong.code, 2, wrong.output);
    assert.match(wrong.output, MISMATCH);
    assert.not.ok(wrong.output.includes(K1) || wrong.output.includes(K2), 'no key in the output');
    // a node without the key: its own freshly generated key file is the wrong key too
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-key-')), 'secrets-key');
    const fresh = await runServerToExit({ PODFN_DB_URL: srv.dbUrl, PODFN_SECRETS_KEY_FILE: keyFile });
    assert.is(fresh.code, 2, fresh.output);
    assert.match(fresh.output, /the secrets key file .*secrets-key \(just generated: this node had none\) is not the key/);
    fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
    await srv.restart({ PODFN_SECRETS_KEY: K1 });
    const list = expectOk<{ secrets: Array<{ name: string }> }>(await client(srv.url).get('/v1/apps/k/secrets'));
    assert.equal(
      list.secrets.map((s) => s.name),
      ['token'],
    );
  } finally {
    await srv.stop();
  }
});

test('a malformed PODFN_SECRETS_KEY or key file stops the gateway without echoing it', async () => {
  const bad = 'not-a-key-but-a-password-123';
  const r = await runServerToExit({ PODFN_SECRETS_KEY: bad });
  assert.is(r.code, 2, r.output);
  assert.match(r.output, /PODFN_SECRETS_KEY=<not shown>: must be 32 bytes as 64 hex digits or base64/);
  assert.not.ok(r.output.includes(bad));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-key-'));
  const file = path.join(dir, 'key');
  fs.writeFileSync(file, `${bad}\n`, { mode: 0o600 });
  const f = await runServerToExit({ PODFN_SECRETS_KEY_FILE: file });
  assert.is(f.code, 2, f.output);
  assert.match(f.output, /the secrets key file .*key does not hold a key/);
  assert.not.ok(f.output.includes(bad));
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
