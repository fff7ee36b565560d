// Admin credentials: static tokens (several, constant-time compare) and HS256 JWTs (signature,
// algorithm pinning, exp/nbf), plus Bearer header parsing. Pure functions, no server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { credentialChecker, parseTokens } from '../../src/http/auth.ts';
import { bearer, signHs256, verifyHs256 } from '../../src/request/jwt.ts';

const KEY = 'jwt-key-for-tests';
const NOW = 1_800_000_000_000;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('no token and no key: no checker (admin API open)', () => {
  assert.is(credentialChecker({ tokens: '', jwtKey: '' }), undefined);
  assert.is(credentialChecker({ tokens: ' , ,', jwtKey: '' }), undefined);
});

test('tokens: comma-separated, trimmed; only exact matches pass', () => {
  assert.equal(parseTokens('a, b ,,c'), ['a', 'b', 'c']);
  const check = credentialChecker({ tokens: 'old-token,new-token', jwtKey: '' })!;
  assert.ok(check('old-token'));
  assert.ok(check('new-token'));
  for (const bad of ['', 'old', 'old-token2', 'OLD-TOKEN', 'old-token,new-token', 'new-token ']) assert.not.ok(check(bad), bad);
});

test('bearer(): scheme is case-insensitive, the credential must be one token', () => {
  assert.is(bearer('Bearer abc'), 'abc');
  assert.is(bearer('bearer abc'), 'abc');
  assert.is(bearer('Bearer  abc '), 'abc');
  assert.is(bearer('Basic abc'), undefined);
  assert.is(bearer('Bearer'), undefined);
  assert.is(bearer('Bearer a b'), undefined);
  assert.is(bearer(undefined), undefined);
  assert.is(bearer('abc'), undefined);
});

test('HS256: a valid token passes and returns its claims', () => {
  const t = signHs256({ sub: 'ops', exp: NOW / 1000 + 60 }, KEY);
  assert.equal(verifyHs256(t, Buffer.from(KEY), NOW), { sub: 'ops', exp: NOW / 1000 + 60 });
  assert.ok(verifyHs256(signHs256({ sub: 'no-exp' }, KEY), Buffer.from(KEY), NOW), 'no exp claim: valid');
});

test('HS256: expired, not yet valid, wrong key, tampered, other algorithms and junk fail', () => {
  const key = Buffer.from(KEY);
  assert.is(verifyHs256(signHs256({ exp: NOW / 1000 - 1 }, KEY), key, NOW), undefined, 'expired');
  assert.is(verifyHs256(signHs256({ exp: NOW / 1000 }, KEY), key, NOW), undefined, 'exp == now');
  assert.is(verifyHs256(signHs256({ exp: 'never' }, KEY), key, NOW), undefined, 'exp not a number');
  assert.is(verifyHs256(signHs256({ nbf: NOW / 1000 + 60 }, KEY), key, NOW), undefined, 'nbf in the future');
  assert.is(verifyHs256(signHs256({ sub: 'x' }, 'other-key'), key, NOW), undefined, 'wrong key');
  const [h, , s] = signHs256({ sub: 'user' }, KEY).split('.');
  assert.is(verifyHs256(`${h}.${b64({ sub: 'admin' })}.${s}`, key, NOW), undefined, 'tampered payload');
  // alg none, and HS512 signed with the same key: refused (the algorithm is pinned, not read from the token)
  assert.is(verifyHs256(`${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`, key, NOW), undefined, 'alg none');
  const h512 = b64({ alg: 'HS512' });
  const p = b64({ sub: 'x' });
  const s512 = createHmac('sha512', KEY).update(`${h512}.${p}`).digest('base64url');
  assert.is(verifyHs256(`${h512}.${p}.${s512}`, key, NOW), undefined, 'HS512');
  for (const junk of ['', 'a.b', 'a.b.c.d', '...', 'x.y.z', `${h}.${p}`, `${h}.${p}.${s}=`, `${h}.!!.${s}`]) {
    assert.is(verifyHs256(junk, key, NOW), undefined, JSON.stringify(junk));
  }
  const payloadArray = `${h}.${b64([1])}`;
  assert.is(verifyHs256(`${payloadArray}.${createHmac('sha256', KEY).update(payloadArray).digest('base64url')}`, key, NOW), undefined, 'claims not an object');
});

test('checker with tokens and a JWT key accepts either', () => {
  const check = credentialChecker({ tokens: 'static', jwtKey: KEY, now: () => NOW })!;
  assert.ok(check('static'));
  assert.ok(check(signHs256({ exp: NOW / 1000 + 5 }, KEY)));
  assert.not.ok(check(signHs256({ exp: NOW / 1000 - 5 }, KEY)));
  assert.not.ok(check('nope'));
  const jwtOnly = credentialChecker({ tokens: '', jwtKey: KEY, now: () => NOW })!;
  assert.ok(jwtOnly(signHs256({}, KEY)));
  assert.not.ok(jwtOnly(''));
});

test.run();
