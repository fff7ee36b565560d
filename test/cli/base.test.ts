// podfn's base images (src/cli/base-images.ts) against the real Podman: `podfn base build` then `base ls`,
// a node function built with its base removed first (made on demand from this host's node, then reused),
// a stale base (another image under the name) rebuilt, an old test-fixture default replaced, the sh and
// python bases run, and the registry check answering within its timeout ("no registry" on a host without
// one). Removes only images named localhost/podfn/* (the product bases) and the function images it builds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  NODE_BASE,
  PYTHON_BASE,
  REGISTRY_PROBE_TIMEOUT_MS,
  SH_BASE,
  baseArgOf,
  baseImageFor,
  kindOfImage,
  registryContainerfile,
  registryReachable,
  type Probe,
} from '../../src/cli/base-images.ts';
import { requirePodman, testSocketPath } from '../helpers/podman.ts';
import type { Podman } from '../../src/runner/podman.ts';
import { runCli, jsonOf, type CliOptions } from './run-cli.ts';

const test = suite('cli base images');
let podman: Podman;
let work: string;
let probe: Probe;
const TAG = randomBytes(4).toString('hex');
const built = new Set<string>();
const cli = (args: string[], o: CliOptions = {}) =>
  runCli(args, { timeoutMs: 180_000, ...o, env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, ...o.env } });
const ref = (name: string) => `localhost/podfn-test-cli/base-${name}:${TAG}`;
const hasPython = spawnSync(fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', '1']).status === 0;

/** The expected headline of a base build under PODFN_BASE_SOURCE=auto on this host. */
const headline = (name: string, what: string) =>
  probe.reachable
    ? new RegExp(`container registry reachable .*: building ${esc(name)} from docker\\.io/`)
    : new RegExp(`no container registry reachable: building ${esc(name)} from this host's ${what}\\n`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function exists(image: string): Promise<boolean> {
  try {
    await podman.docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs `cmd` in a throwaway container of `image` (no network); resolves with its exit code and output. */
async function runIn(image: string, cmd: string[], user?: string): Promise<{ code: number; out: string }> {
  const c = await podman.docker.createContainer({ Image: image, Cmd: cmd, User: user, HostConfig: { NetworkMode: 'none' } });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    // Docker's multiplexed log frames: 8-byte headers before each chunk.
    let out = '';
    for (let i = 0; i + 8 <= logs.length;) {
      const n = logs.readUInt32BE(i + 4);
      out += logs.subarray(i + 8, i + 8 + n).toString();
      i += 8 + n;
    }
    return { code: StatusCode, out };
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

/** A node function folder made by `podfn init`; returns its path. */
async function initNode(name: string): Promise<string> {
  const r = await cli(['init', '--runtime', 'node', '--format', 'http', '--json', `localhost/podfn-test-cli/${name}`], { cwd: work });
  assert.is(r.code, 0, r.stderr);
  return jsonOf<{ dir: string }>(r).dir;
}

test.before(async () => {
  podman = await requirePodman();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-base-'));
  probe = await registryReachable();
});

test.after(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  for (const image of built)
    await podman.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
});

test('names: product bases, one per runtime; no test fixture names', () => {
  assert.is(NODE_BASE, `localhost/podfn/node:${process.versions.node.split('.')[0]}`);
  assert.match(PYTHON_BASE, /^localhost\/podfn\/python:\d+\.\d+$/);
  assert.is(SH_BASE, 'localhost/podfn/busybox:latest');
  assert.is(baseImageFor('node'), NODE_BASE);
  assert.is(baseImageFor('python'), PYTHON_BASE);
  assert.is(baseImageFor('sh'), SH_BASE);
  assert.is(baseImageFor('go'), undefined);
  assert.is(kindOfImage('localhost/podfn/busybox:latest'), 'sh');
  assert.is(kindOfImage('localhost/podfn/python:3.12'), 'python');
  assert.is(kindOfImage('localhost/podfn-test/node-base:latest'), undefined);
  assert.equal(baseArgOf('# c\nARG BASE=localhost/podfn/node:20\nFROM ${BASE}\n'), { default: 'localhost/podfn/node:20' });
  assert.equal(baseArgOf('ARG BASE\nFROM ${BASE}\n'), {});
  assert.is(baseArgOf('FROM scratch\nARG BASE=x\n'), undefined);
  assert.match(registryContainerfile('node'), /^FROM docker\.io\/library\/node:\d+-bookworm-slim\n/);
  assert.match(registryContainerfile('sh'), /^FROM docker\.io\/library\/busybox:1\.36\n/);
});

test('the registry check answers within its timeout (no registry on a host without one)', async () => {
  assert.ok(probe.ms <= REGISTRY_PROBE_TIMEOUT_MS + 500, `took ${probe.ms} ms`);
  const resolvable = await dns.lookup('registry-1.docker.io').then(
    () => true,
    () => false,
  );
  if (!resolvable) assert.is(probe.reachable, false, probe.detail);
  // A server that accepts and never answers: the timeout, not the socket, ends the check.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as net.AddressInfo).port;
    const p = await registryReachable(`https://127.0.0.1:${port}/v2/`, 300);
    assert.is(p.reachable, false);
    assert.match(p.detail, /no answer in 300 ms/);
    assert.ok(p.ms >= 250 && p.ms < 1500, `took ${p.ms} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('base build node, then base ls lists it (source, size, created)', async () => {
  const r = await cli(['base', 'build', 'node']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, headline(NODE_BASE, 'node'));
  assert.match(r.stdout, new RegExp(`built ${esc(NODE_BASE)} \\((local|registry), [0-9a-f]{12}\\)`));
  const ls = await cli(['base', 'ls', '--json']);
  assert.is(ls.code, 0, ls.stderr);
  const row = jsonOf<{ name: string; source: string; size: number; created: string; kind: string }[]>(ls).find((b) => b.name === NODE_BASE);
  assert.ok(row, ls.stdout);
  assert.is(row.kind, 'node');
  assert.is(row.source, probe.reachable ? 'registry' : 'local');
  assert.ok(row.size > 10e6 && row.size < 400e6, String(row.size));
  assert.ok(Date.now() - Date.parse(row.created) < 10 * 60_000, row.created);
  const human = await cli(['base', 'ls']);
  assert.match(human.stdout, /^NAME\s+SOURCE\s+SIZE\s+CREATED\s+FROM\n/);
  assert.match(human.stdout, new RegExp(`${esc(NODE_BASE)}\\s+(local|registry)\\s+[\\d.]+ MB`));
  const run = await runIn(NODE_BASE, ['node', '-e', 'console.log("ok", process.version)'], '65534');
  assert.is(run.code, 0, run.out);
  assert.match(run.out, /^ok v\d+\./);
});

test('init + build of a node function makes a missing base on demand, then reuses it', async () => {
  assert.ok(
    await podman.docker
      .getImage(NODE_BASE)
      .remove({ noprune: false })
      .then(() => true),
    'removing the product base',
  );
  assert.is(await exists(NODE_BASE), false);
  const dir = await initNode('base-node');
  const cf = fs.readFileSync(path.join(dir, 'Containerfile'), 'utf8');
  assert.not.match(cf, /podfn-test/); // init writes the product name, not a test fixture
  assert.equal(baseArgOf(cf), { default: NODE_BASE });
  let r = await cli(['build', '--image', ref('node')], { cwd: dir });
  built.add(ref('node'));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, headline(NODE_BASE, 'node'));
  assert.match(r.stderr, new RegExp(`built ${esc(NODE_BASE)} from`));
  assert.match(r.stderr, new RegExp(`STEP 1/\\d+: FROM ${esc(NODE_BASE)}`));
  assert.ok(await exists(NODE_BASE));
  r = await cli(['build', '--image', ref('node'), '-q'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /building localhost\/podfn\/node/); // present and current: reused
  assert.match(r.stderr, new RegExp(`\\(FROM ${esc(NODE_BASE)}\\)`));
});

test('another image under the base name is rebuilt; an old test-fixture default is replaced', async () => {
  // localhost/podfn/busybox under the node name: the kind label says sh, so the next build remakes node.
  let r = await cli(['base', 'build', 'sh', '-q']);
  assert.is(r.code, 0, r.stderr);
  const [repo = '', tag = ''] = NODE_BASE.split(':');
  await podman.docker.getImage(SH_BASE).tag({ repo, tag });
  const dir = await initNode('base-stale');
  fs.writeFileSync(
    path.join(dir, 'Containerfile'),
    fs.readFileSync(path.join(dir, 'Containerfile'), 'utf8').replace(/^ARG BASE=.*$/m, `ARG BASE=localhost/podfn-test/absent-${TAG}:latest`),
  );
  r = await cli(['build', '--image', ref('stale'), '-q'], { cwd: dir });
  built.add(ref('stale'));
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`localhost/podfn-test/absent-${TAG}:latest \\(a podfn test fixture\\) is not in Podman's store: building FROM ${esc(NODE_BASE)}`),
  );
  assert.match(r.stderr, headline(NODE_BASE, 'node'));
  const node = await podman.docker.getImage(NODE_BASE).inspect();
  assert.is(node.Config.Labels?.['io.podfn.base.kind'], 'node');
  assert.ok(await exists(SH_BASE), 'the busybox base keeps its own name');
});

test('the sh and python bases run their runtimes', async () => {
  let run = await runIn(SH_BASE, ['sh', '-c', 'echo hello | wc -c'], '65534');
  assert.is(run.code, 0, run.out);
  assert.is(run.out.trim(), '6');
  if (!hasPython) return;
  const r = await cli(['base', 'build', 'python', '-q']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, headline(PYTHON_BASE, 'python3'));
  run = await runIn(PYTHON_BASE, ['python3', '-c', 'import json, ssl, sqlite3, asyncio, hashlib, decimal, zlib; print(json.dumps({"ok": 1}))'], '65534');
  assert.is(run.code, 0, run.out);
  assert.is(run.out.trim(), '{"ok": 1}');
  const size = (await podman.docker.getImage(PYTHON_BASE).inspect()).Size;
  assert.ok(size < 120e6, `python base is ${size} bytes`);
});

test('usage errors: unknown runtime, bad PODFN_BASE_SOURCE', async () => {
  let r = await cli(['base', 'build', 'ruby']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /base build takes node, python, sh or all/);
  r = await cli(['base', 'build', 'sh'], { env: { PODFN_BASE_SOURCE: 'sometimes' } });
  assert.is(r.code, 2);
  assert.match(r.stderr, /PODFN_BASE_SOURCE must be local, registry or auto/);
  r = await cli(['base']);
  assert.is(r.code, 2);
});

test.run();
