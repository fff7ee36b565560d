// `podfn secrets set|ls|rm` and `routes create|update --secret` against a real gateway (real Podman for
// one call): the value comes from stdin or --file byte for byte (binary too), never from an argument;
// nothing the CLI prints holds a value; rm of a secret a route lists exits 4 naming the route.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.ts';
import { image, requirePodman, testSocketPath } from '../helpers/podman.ts';
import { client } from '../helpers/http.ts';
import { runCli, jsonOf, type CliOptions } from './run-cli.ts';

const test = suite('cli secrets');
let srv: TestServer;
const APP = `clisec${Date.now().toString(36)}`;
const VALUE = `pw-${randomBytes(8).toString('hex')}\n`;
const cli = (args: string[], o: CliOptions = {}) => runCli(args, { ...o, env: { PODFN_API_URL: srv.url, ...o.env } });

test.before(async () => {
  await requirePodman();
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `clisec-${process.pid}` } });
});

test.after(async () => {
  await srv?.stop();
});

test('set refuses a value argument and an empty value; takes stdin and --file byte for byte', async () => {
  let r = await cli(['secrets', 'set', APP, 'db', 'hunter2']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /never from an argument/);
  r = await cli(['secrets', 'set', APP, 'db']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /the value is empty/);
  r = await cli(['secrets', 'set', APP, 'db', '--json'], { input: VALUE });
  assert.is(r.code, 0, r.stderr);
  assert.equal(Object.keys(jsonOf(r)).sort(), ['created_at', 'name', 'routes', 'updated_at']);
  assert.not.ok(r.stdout.includes(VALUE.trim()));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-clisec-'));
  const bin = Buffer.concat([Buffer.from([0, 255, 10, 13]), randomBytes(32)]);
  fs.writeFileSync(path.join(dir, 'bin'), bin);
  r = await cli(['secrets', 'set', APP, 'blob', '--file', path.join(dir, 'bin')]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `secret ${APP}/blob created\n`);
  r = await cli(['secrets', 'set', APP, 'blob', '-f', path.join(dir, 'bin')]);
  assert.is(r.stdout, `secret ${APP}/blob replaced\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  r = await cli(['secrets', 'set', APP, '.hidden'], { input: 'v' });
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, /Invalid secret name/);
});

test('routes --secret mounts it; ls shows names and routes, never values; rm while listed exits 4 naming the route', async () => {
  let r = await cli(['routes', 'create', APP, '/cat', '--image', image('busybox'), '--secret', 'db', '--secret', 'blob', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonOf<{ secrets: string[] }>(r).secrets, ['db', 'blob']);
  const out = await client(srv.url).post(`/r/${APP}/cat`, 'cat /run/secrets/db', { headers: { 'content-type': 'text/plain' } });
  assert.is(out.text, VALUE, 'byte for byte, the trailing newline kept');
  r = await cli(['secrets', 'ls', APP]);
  assert.match(r.stdout, /^NAME\s+UPDATED\s+ROUTES\n/);
  assert.match(r.stdout, /\ndb\s+\S+\s+\/cat\n/);
  r = await cli(['secrets', 'ls', APP, '--json']);
  assert.equal(
    jsonOf<Array<{ name: string; routes: string[] }>>(r).map((s) => [s.name, s.routes]),
    [
      ['blob', ['/cat']],
      ['db', ['/cat']],
    ],
  );
  assert.not.ok(r.stdout.includes(VALUE.trim()));
  r = await cli(['secrets', 'rm', APP, 'db']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /Secret db is used by route \/cat/);
  r = await cli(['routes', 'update', APP, '/cat', '--no-secrets', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(jsonOf<{ secrets?: string[] }>(r).secrets, undefined);
  r = await cli(['secrets', 'rm', APP, 'db']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `deleted secret ${APP}/db\n`);
  r = await cli(['secrets', 'rm', APP, 'db']);
  assert.is(r.code, 3);
  r = await cli(['routes', 'update', APP, '/cat', '--secret', 'nope']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /has no secret nope/);
});

test.run();
