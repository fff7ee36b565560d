// Where a callback may go (src/queue/callback-target.ts), without the network: the allow list's names,
// addresses and CIDR ranges, the enqueue-time check's 400s, and the DNS-rebinding rule (the address
// handed to the connection is one that was checked, whatever else the name resolves to).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allowList, checkCallback, resolveTarget, type Lookup } from '../../src/queue/callback-target.ts';
import { rejectsApi } from '../helpers/api-error.ts';

const dns =
  (table: Record<string, string[]>): Lookup =>
  (host) => {
    const found = table[host];
    if (!found) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

test('empty list: every callback is refused, naming the setting', async () => {
  const r = await resolveTarget(new URL('http://127.0.0.1/'), allowList([]));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /PODFN_CALLBACK_ALLOW \(empty: callbacks are off\)/);
});

test('addresses and CIDR ranges: literals inside are allowed, others are not', async () => {
  const list = allowList(['10.1.0.0/16', '192.168.5.7', 'fd00::/8']);
  const ok = async (u: string) => (await resolveTarget(new URL(u), list, dns({}))).ok;
  assert.ok(await ok('http://10.1.200.3:8080/x'));
  assert.ok(await ok('http://192.168.5.7/'));
  assert.ok(await ok('http://[fd00::1]/'));
  assert.not.ok(await ok('http://10.2.0.1/'));
  assert.not.ok(await ok('http://192.168.5.8/'));
  assert.not.ok(await ok('http://169.254.169.254/latest/meta-data'));
});

test('a listed name is trusted by name; the connection goes to the address resolved for the check', async () => {
  const list = allowList(['hooks.example.com']);
  const r = await resolveTarget(new URL('https://Hooks.Example.com/cb'), list, dns({ 'hooks.example.com': ['203.0.113.9'] }));
  assert.equal(r, { ok: true, address: '203.0.113.9', family: 4 });
  const other = await resolveTarget(new URL('https://evil.example.com/cb'), list, dns({ 'evil.example.com': ['203.0.113.9'] }));
  assert.not.ok(other.ok);
});

test('DNS rebinding: a name not listed is allowed only through a listed address, and only that address is used', async () => {
  const list = allowList(['10.0.0.0/8']);
  const mixed = await resolveTarget(new URL('http://rebind.test/'), list, dns({ 'rebind.test': ['169.254.169.254', '10.9.9.9'] }));
  assert.equal(mixed, { ok: true, address: '10.9.9.9', family: 4 });
  const outside = await resolveTarget(new URL('http://rebind.test/'), list, dns({ 'rebind.test': ['169.254.169.254'] }));
  assert.not.ok(outside.ok);
  assert.match(!outside.ok ? outside.error : '', /rebind\.test \(169\.254\.169\.254\) is not in PODFN_CALLBACK_ALLOW/);
});

test('enqueue check: no header is no callback; bad URLs and refused hosts are 400', async () => {
  const list = allowList(['127.0.0.1']);
  assert.is(await checkCallback({}, list), undefined);
  assert.is(await checkCallback({ 'x-callback-url': ['http://127.0.0.1:9/a?b=c'] }, list), 'http://127.0.0.1:9/a?b=c');
  await rejectsApi(checkCallback({ 'x-callback-url': ['ftp://127.0.0.1/'] }, list), 400, /Invalid X-Callback-Url/);
  await rejectsApi(checkCallback({ 'x-callback-url': ['http://127.0.0.1/, http://127.0.0.1/'] }, list), 400, /one URL/);
  await rejectsApi(checkCallback({ 'x-callback-url': ['http://' + 'a'.repeat(2100) + '/'] }, list), 400, /Invalid X-Callback-Url/);
  await rejectsApi(checkCallback({ 'x-callback-url': ['http://127.0.0.2/'] }, list), 400, /PODFN_CALLBACK_ALLOW/);
});

test.run();
