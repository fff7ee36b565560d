// The Podman client and the raw attach against the real API socket (test/helpers/podman.ts picks it).
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachContainer } from '../../src/runner/attach.ts';
import { buildContainerSpec } from '../../src/runner/container-spec.ts';
import { PodmanApiError, PodmanUnavailableError } from '../../src/runner/errors.ts';
import { Podman } from '../../src/runner/podman.ts';
import { containersOf, image, podmanReady, testOptions } from '../helpers/podman.ts';

function spec(nodeId: string, img: string, stdin: 'once' | 'open' | 'none' = 'none', cmd?: string[]) {
  const s = buildContainerSpec({
    name: `podfn-test-${randomBytes(6).toString('hex')}`,
    image: img,
    env: [],
    memoryMb: 64,
    labels: { 'io.podfn.app': 'podmantest' },
    stdin,
    options: testOptions({ nodeId }),
  });
  if (cmd) s.Cmd = cmd;
  return s;
}

test('ping and info', async () => {
  const podman = await podmanReady();
  const info = await podman.info();
  assert.type(info.rootless, 'boolean');
  assert.ok(['1', '2'].includes(info.cgroupVersion), info.cgroupVersion);
  assert.match(info.version, /^\d+\.\d+/);
  assert.is(info.rootless, podman.socketPath.startsWith('/run/user/'));
  assert.is(info.limitsEnforced, !(info.rootless && info.cgroupVersion === '1'));
});

test('unreachable socket -> PodmanUnavailableError, fast (on connect, not at the API timeout)', async () => {
  const p = new Podman('/nonexistent/podman.sock', 60_000);
  const t = Date.now();
  const err = await p.ping().catch((e: unknown) => e);
  assert.instance(err, PodmanUnavailableError);
  assert.match((err as Error).message, /ENOENT/, 'the connect failed, no timeout fired');
  const err2 = await attachContainer(p, 'abc').catch((e: unknown) => e);
  assert.instance(err2, PodmanUnavailableError);
  assert.match((err2 as Error).message, /ENOENT/);
  assert.ok(Date.now() - t < 60_000, `${Date.now() - t} ms`);
});

test('inspectImage: transport from label, null when missing', async () => {
  const podman = await podmanReady();
  const echo = await podman.inspectImage(image('echo'));
  assert.ok(echo, 'echo image exists (build the fixtures first)');
  assert.is(echo.transport, 'socket');
  assert.is(await podman.inspectImage('localhost/podfn-test/no-such-image:latest'), null);
  // The seed-hot fixture declares the stdio transport with a LABEL in its Containerfile.
  const stdio = await podman.inspectImage(image('seed-hot'));
  assert.is(stdio?.transport, 'stdio');
  assert.is(stdio?.labels['io.podfn.transport'], 'stdio');
});

test('remove and kill ignore missing / stopped containers', async () => {
  const podman = await podmanReady();
  await podman.remove('0123456789abcdef-no-such');
  await podman.kill('0123456789abcdef-no-such');
  const nodeId = `podmantest-${randomBytes(3).toString('hex')}`;
  const id = await podman.createContainer(spec(nodeId, image('echo')));
  await podman.kill(id); // created, not running
  await podman.remove(id);
  await podman.remove(id);
  assert.equal(await containersOf(podman, nodeId), []);
});

test('listManaged and removeStrays only touch the given node', async () => {
  const podman = await podmanReady();
  const a = `podmantest-a-${randomBytes(3).toString('hex')}`;
  const b = `podmantest-b-${randomBytes(3).toString('hex')}`;
  const a1 = await podman.createContainer(spec(a, image('sleep')));
  const a2 = await podman.createContainer(spec(a, image('sleep')));
  const b1 = await podman.createContainer(spec(b, image('sleep')));
  try {
    await podman.start(a2); // a running stray too
    assert.equal((await containersOf(podman, a)).sort(), [a1, a2].sort());
    const all = (await podman.listManaged()).map((c) => c.id);
    assert.ok([a1, a2, b1].every((id) => all.includes(id)));
    assert.is(await podman.removeStrays(a), 2);
    assert.equal(await containersOf(podman, a), []);
    assert.equal(await containersOf(podman, b), [b1]);
  } finally {
    await Promise.all([a1, a2, b1].map((id) => podman.remove(id)));
  }
});

test('attach to a missing container -> PodmanApiError 404', async () => {
  const podman = await podmanReady();
  const err = await attachContainer(podman, 'no-such-container-xyz').catch((e: unknown) => e);
  assert.instance(err, PodmanApiError);
  assert.is((err as PodmanApiError).statusCode, 404);
});

test('wait: exit code of a finished container; 404 for a missing one; abortable', async () => {
  const podman = await podmanReady();
  const nodeId = `podmantest-${randomBytes(3).toString('hex')}`;
  const id = await podman.createContainer(spec(nodeId, image('exit'), 'none'));
  const sleeper = await podman.createContainer(spec(nodeId, image('sleep'), 'none'));
  try {
    await podman.start(id);
    assert.is(await podman.wait(id), 1, 'exit fixture defaults to code 1');
    const err = await podman.wait('no-such-container-xyz').catch((e: unknown) => e);
    assert.instance(err, PodmanApiError);
    assert.is((err as PodmanApiError).statusCode, 404);
    await podman.start(sleeper);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const aborted = await podman.wait(sleeper, ac.signal).catch((e: unknown) => e);
    assert.is((aborted as Error).name, 'AbortError');
  } finally {
    await Promise.all([podman.remove(id), podman.remove(sleeper)]);
  }
});

test('raw attach is duplex and long-lived (hot stdio use): write, read, repeat, then EOF', async () => {
  const podman = await podmanReady();
  const nodeId = `podmantest-${randomBytes(3).toString('hex')}`;
  const script =
    'process.stdin.on("data",d=>process.stdout.write(Buffer.concat([Buffer.from("<"),d,Buffer.from(">")]))).on("end",()=>{process.stderr.write("eof");})';
  const id = await podman.createContainer(spec(nodeId, image('echo'), 'open', ['/usr/bin/node', '-e', script]));
  try {
    const a = await attachContainer(podman, id);
    await podman.start(id);
    const next = () => new Promise<string>((resolve) => a.stdout.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    for (const msg of ['one', 'two\0bytes', 'three']) {
      const got = next();
      a.stdin.write(msg);
      assert.is(await got, `<${msg}>`);
      await new Promise((r) => setTimeout(r, 50)); // the container stays up between messages
    }
    const errChunks: Buffer[] = [];
    a.stderr.on('data', (d: Buffer) => errChunks.push(d));
    a.stdin.end();
    assert.is(await podman.wait(id), 0);
    await a.closed;
    assert.is(Buffer.concat(errChunks).toString(), 'eof');
  } finally {
    await podman.remove(id);
  }
});

test.run();
