// Real Podman: a hostile hot function must not redirect the gateway through its own socket folder.
// Each attack points a symlink at a honeypot socket this test owns and listens on; the honeypot must
// see no connection, whatever the function does and when: a link instead of a socket (502 naming the
// cause, container retired, counted), a regular file (502), a link renamed over a live socket later
// (calls keep reaching the function's own socket, each on a fresh connection), or at once. Also a
// function answering 101 + Upgrade, which node's client hands to 'upgrade' instead of 'response'.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HotPools } from '../../src/runner/hot-pool.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import type { RefusalCause } from '../../src/runner/socket-dir.ts';
import { fnSpec, image, makeCall, podmanReady, testOptions } from '../helpers/podman.ts';
import { defaultRunnerOptions } from '../../src/runner/options.ts';
import { waitFor } from './hot-helpers.ts';

const DEFAULT_SOCKET_DIR = defaultRunnerOptions().socketDir;
const honeyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-honeypot-'));
fs.chmodSync(honeyDir, 0o755);
const honeySock = path.join(honeyDir, 'h.sock');
let honeyHits = 0;
const honeypot = net.createServer((s) => {
  honeyHits++;
  s.end('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhoneypot');
});
const refused: RefusalCause[] = [];
let env: Awaited<ReturnType<typeof setup>> | undefined;

async function setup() {
  await new Promise<void>((r) => honeypot.listen(honeySock, r));
  fs.chmodSync(honeySock, 0o777); // reachable by any gateway user: only the redirect is missing
  const podman = await podmanReady();
  const options = testOptions({ hotStartTimeoutMs: 30_000 });
  const pools = new HotPools({ podman, options, memory: new MemoryAdmission(4096, 1000), onListenerRefused: (cause) => refused.push(cause) });
  const containers = async () => (await podman.listManaged(options.nodeId)).map((c) => c.id);
  return { pools, containers, options };
}

async function ready() {
  env ??= await setup();
  return env;
}

const hostile = (p: string, config: Record<string, string>) =>
  fnSpec({ image: image('hostile-listener'), format: 'http', path: p, config: { LINK_TARGET: honeySock, ...config } });

test.after(async () => {
  await env?.pools.close();
  honeypot.close();
  fs.rmSync(honeyDir, { recursive: true, force: true });
});

test('a symlink for a listener: 502 naming it, container retired, counted, honeypot untouched', async () => {
  const { pools, containers, options } = await ready();
  const r = await pools.run(makeCall(hostile('/symlink', { HOSTILE: 'symlink' })));
  assert.is(r.status, 502, r.error);
  assert.match(r.error ?? '', /symbolic link/);
  assert.equal(refused, ['symlink']);
  await waitFor('the hostile container removed', async () => (await containers()).length === 0, 30_000);
  await waitFor(
    'its socket folder removed',
    () => fs.readdirSync(options.socketDir).every((d) => !fs.existsSync(path.join(options.socketDir, d, 'lsnr.sock'))) || undefined,
    5000,
  ).catch(() => undefined);
  assert.is(honeyHits, 0, 'the gateway connected to the symlink target');
});

test('a regular file for a listener: 502 not a socket', async () => {
  const { pools } = await ready();
  refused.length = 0;
  const r = await pools.run(makeCall(hostile('/file', { HOSTILE: 'file' })));
  assert.is(r.status, 502, r.error);
  assert.match(r.error ?? '', /not a socket/);
  assert.equal(refused, ['not_socket']);
  assert.is(honeyHits, 0);
});

test('a link renamed over the live socket later: every call still reaches the function, never the link', async () => {
  const { pools } = await ready();
  const fn = hostile('/swap', { HOSTILE: 'swap', SWAP_MS: '300' });
  const first = await pools.run(makeCall(fn));
  assert.is(first.status, 200, first.error);
  assert.match(first.body.toString(), /^hostile:/);
  await new Promise((r) => setTimeout(r, 600)); // past the swap
  for (let i = 0; i < 10; i++) {
    const r = await pools.run(makeCall(fn));
    assert.is(r.status, 200, `call ${i}: ${r.error}`);
    assert.is(r.body.toString(), first.body.toString(), 'the same function socket answered');
  }
  assert.is(honeyHits, 0, 'a call reached the symlink target');
});

test('a link renamed over the socket at once: refused or pinned, never followed', async () => {
  const { pools } = await ready();
  const fn = hostile('/relink', { HOSTILE: 'relink' });
  for (let i = 0; i < 3; i++) {
    const r = await pools.run(makeCall(fn));
    assert.ok(
      r.status === 200 ? /^hostile:/.test(r.body.toString()) : r.status === 502 && /symbolic link/.test(r.error ?? ''),
      `${r.status} ${r.error} ${r.body.toString()}`,
    );
  }
  assert.is(honeyHits, 0);
});

test('a 101 with Upgrade from a hot function: 502 naming the status at once, never a hang or a relay', async () => {
  const { pools } = await ready();
  // a hang would end at the call's deadline as a 504 'Timed out'; a 502 naming the 101 came before it
  const r = await pools.run(makeCall(hostile('/upgrade', { HOSTILE: 'upgrade' }), { timeoutMs: 60_000 }));
  assert.is(r.status, 502, r.error);
  assert.match(r.error ?? '', /invalid status 101/);
});

// setup-podman.sh makes the default socket folder a 16 MiB tmpfs; elsewhere there is nothing to show
const sizedDefault = (() => {
  try {
    return fs.statSync(DEFAULT_SOCKET_DIR).dev !== fs.statSync(path.dirname(DEFAULT_SOCKET_DIR)).dev;
  } catch {
    return false;
  }
})();

(sizedDefault ? test : test.skip.bind(test))(
  'a function filling its socket folder stops at the sized tmpfs, not at the host /run (needs npm run setup)',
  async () => {
    const { pools, options } = await ready();
    assert.is(options.socketDir, DEFAULT_SOCKET_DIR);
    const r = await pools.run(makeCall(hostile('/fill', { HOSTILE: 'fill', FILL_MB: '64' })));
    assert.is(r.status, 200, r.error);
    const wrote = Number(r.body.toString());
    assert.ok(wrote > 0 && wrote <= 16 * 1024 * 1024, `wrote ${wrote} bytes into its socket folder`);
  },
);

test.run();
