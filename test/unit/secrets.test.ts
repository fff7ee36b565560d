// Secrets, the pure parts: AES-256-GCM with the app and name as associated data, the key formats and
// check value, the key file (generated 0600, reused), secret-name and route-secrets validation, and
// function specs that carry values without showing them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parseSecretsKey, SecretDecryptError, SecretsKey } from '../../src/models/secret-crypto.ts';
import { newSecretBody, routeSecrets, secretName } from '../../src/models/schemas/secret.ts';
import { parseRouteBody, applyRoutePatch, newRoute, routeJson } from '../../src/models/route.ts';
import { resolveSecretsKey, SecretsKeyError } from '../../src/secrets-key.ts';
import { functionSpec } from '../../src/gateway/invoke.ts';
import { poolKey } from '../../src/runner/hot-pool.ts';

const key = () => new SecretsKey(randomBytes(32));
const isDecrypt = (e: unknown) => e instanceof SecretDecryptError;
const limits = { maxMemoryMb: 8192, maxTimeout: 3600, maxIdleTimeout: 3600 };

test('encrypt/decrypt round trip; a fresh nonce per value; no plaintext in the stored bytes', () => {
  const k = key();
  const v = Buffer.from('hunter2 hunter2 hunter2');
  const a = k.encrypt('app', 'db', v);
  const b = k.encrypt('app', 'db', v);
  assert.ok(k.decrypt('app', 'db', a).equals(v));
  assert.not.ok(a.equals(b), 'same value, different ciphertexts');
  assert.not.ok(a.subarray(1, 13).equals(b.subarray(1, 13)), 'different nonces');
  assert.is(a.indexOf(v), -1);
  assert.is(a.length, 1 + 12 + 16 + v.length);
});

test('a value moved to another name or app, altered, or read with another key does not decrypt', () => {
  const k = key();
  const stored = k.encrypt('app', 'db', Buffer.from('x'));
  assert.throws(() => k.decrypt('app', 'other', stored), isDecrypt);
  assert.throws(() => k.decrypt('app2', 'db', stored), isDecrypt);
  assert.throws(() => k.decrypt('ap', 'pdb', stored), isDecrypt, 'no ambiguity between app and name');
  assert.throws(() => key().decrypt('app', 'db', stored), isDecrypt);
  for (const i of [0, 1, 20, stored.length - 1]) {
    const t = Buffer.from(stored);
    t[i]! ^= 1;
    assert.throws(() => k.decrypt('app', 'db', t), isDecrypt, `byte ${i}`);
  }
  assert.throws(() => k.decrypt('app', 'db', stored.subarray(0, 20)), isDecrypt);
});

test('key formats: 64 hex digits or base64/base64url of 32 bytes, nothing else', () => {
  const raw = randomBytes(32);
  for (const text of [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url'), `  ${raw.toString('base64')}\n`]) {
    assert.ok(parseSecretsKey(text)?.equals(raw), text);
  }
  for (const bad of [
    '',
    'short',
    randomBytes(31).toString('hex'),
    randomBytes(33).toString('base64'),
    'g'.repeat(64),
    'password password password password!!',
  ]) {
    assert.is(parseSecretsKey(bad), undefined, bad);
  }
});

test('check value: the same key matches, another does not; neither the key nor its check shows in JSON or inspect', () => {
  const raw = randomBytes(32);
  const k = new SecretsKey(raw);
  assert.ok(new SecretsKey(raw).matches(k.checkValue()));
  assert.not.ok(key().matches(k.checkValue()));
  assert.not.ok(k.matches('junk'));
  for (const shown of [JSON.stringify({ k }), inspect(k), inspect({ k }, { showHidden: true }), String(k.id)]) {
    assert.not.ok(shown.includes(raw.toString('hex')) || shown.includes(raw.toString('base64')), shown);
  }
  assert.is(JSON.stringify({ k }), '{"k":"[secrets key]"}');
});

test('key file: generated once with mode 0600 and reused; PODFN_SECRETS_KEY wins; a bad one is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-sk-'));
  const dbUrl = `file:${path.join(dir, 'sub', 'podfn.db')}`;
  const s = { PODFN_SECRETS_KEY: '', PODFN_SECRETS_KEY_FILE: 'auto', PODFN_DB_URL: dbUrl };
  const first = resolveSecretsKey(s);
  assert.equal(first.source, { kind: 'file', file: path.join(dir, 'sub', 'secrets-key'), generated: true });
  assert.is(fs.statSync(path.join(dir, 'sub', 'secrets-key')).mode & 0o777, 0o600);
  assert.is(fs.statSync(path.join(dir, 'sub')).mode & 0o777, 0o700);
  const again = resolveSecretsKey(s);
  assert.is(again.source.kind === 'file' && again.source.generated, false);
  assert.ok(again.key.matches(first.key.checkValue()));
  const env = resolveSecretsKey({ ...s, PODFN_SECRETS_KEY: randomBytes(32).toString('hex') });
  assert.equal(env.source, { kind: 'env' });
  assert.not.ok(env.key.matches(first.key.checkValue()));
  fs.writeFileSync(path.join(dir, 'sub', 'secrets-key'), 'nope\n');
  assert.throws(
    () => resolveSecretsKey(s),
    (e: unknown) => e instanceof SecretsKeyError && /does not hold a key/.test(e.message),
  );
  assert.throws(
    () => resolveSecretsKey({ ...s, PODFN_SECRETS_KEY: 'x' }),
    (e: unknown) => e instanceof SecretsKeyError,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('secret names are safe file names', () => {
  for (const ok of ['db-password', 'a', 'A.b_c-1', 'x'.repeat(64), 'tls.crt']) assert.ok(secretName.safeParse(ok).success, ok);
  for (const bad of ['', '.', '..', '.env', 'a/b', '../x', 'a\\b', 'x'.repeat(65), 'sp ace', 'nul\u0000', 'é', '-'.repeat(0), 42, null]) {
    assert.not.ok(secretName.safeParse(bad).success, String(bad));
  }
  assert.not.ok(newSecretBody.safeParse({ secret: { name: 'a', value: '' } }).success);
  assert.ok(newSecretBody.safeParse({ secret: { name: 'a', value: 'v', encoding: 'base64' } }).success);
  assert.not.ok(newSecretBody.safeParse({ secret: { name: 'a', value: 'v', encoding: 'hex' } }).success);
});

test('route secrets: a list of names, each once, at most 32; replaced on update; shown by name only', () => {
  assert.ok(routeSecrets.safeParse(['a', 'b']).success);
  for (const bad of [['a', 'a'], ['../x'], 'a', [1], Array.from({ length: 33 }, (_, i) => `s${i}`)])
    assert.not.ok(routeSecrets.safeParse(bad).success, JSON.stringify(bad));
  const patch = parseRouteBody({ route: { path: '/p', image: 'img', secrets: ['db'] } }, limits);
  const r = newRoute('app', patch);
  assert.equal(r.secrets, ['db']);
  assert.equal(routeJson(r).secrets, ['db']);
  assert.equal(applyRoutePatch(r, { image: 'img2' }, '/p').secrets, ['db'], 'kept when not given');
  const cleared = applyRoutePatch(r, { secrets: [] }, '/p');
  assert.is(cleared.secrets, undefined);
  assert.is('secrets' in routeJson(cleared), false, 'left out when none');
  assert.throws(() => parseRouteBody({ route: { secrets: ['x', 'x'] } }, limits), /listed twice/);
});

test('function spec: values only through value(); a replaced secret changes the pool key; nothing printable holds a value', () => {
  const app = { name: 'app', config: {} };
  const route = newRoute('app', { path: '/p', image: 'img', format: 'http', secrets: ['db'] });
  const v1 = Buffer.from('VALUE-ONE');
  const snap1 = new Map([['db', { version: 'a', value: v1 }]]);
  const spec = functionSpec(app, route, snap1);
  assert.is(functionSpec(app, route, snap1), spec, 'cached per snapshot');
  assert.ok(spec.secrets?.[0]?.value().equals(v1));
  for (const shown of [JSON.stringify(spec), inspect(spec, { depth: 10 })]) assert.not.ok(shown.includes('VALUE-ONE'), shown);
  const spec2 = functionSpec(app, route, new Map([['db', { version: 'b', value: Buffer.from('VALUE-TWO') }]]));
  assert.is.not(poolKey(spec2), poolKey(spec));
  const same = functionSpec(app, route, new Map([['db', { version: 'a', value: v1 }]]));
  assert.is(poolKey(same), poolKey(spec), 'same versions, same containers');
  const missing = functionSpec(app, route, new Map());
  assert.throws(() => missing.secrets![0]!.value(), /secret db of app app is not loaded on this node/);
  const plain = functionSpec(app, newRoute('app', { path: '/q', image: 'img' }));
  assert.is(plain.secrets, undefined);
});

test.run();
