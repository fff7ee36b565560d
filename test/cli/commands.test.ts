// The podfn CLI end to end against a real gateway (real Podman, the fixture images): every admin
// command with --json parsed, human output, call/--async/calls, and the exit codes and messages for
// unknown apps, routes and calls, bad flags, and an unreachable gateway.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, freePort, type TestServer } from '../helpers/server.ts';
import { image, requirePodman, testSocketPath } from '../helpers/podman.ts';
import { runCli, jsonOf, type CliOptions } from './run-cli.ts';

const test = suite('cli commands');
let srv: TestServer;
const APP = `cli${Date.now().toString(36)}`;
const cli = (args: string[], o: CliOptions = {}) => runCli(args, { ...o, env: { PODFN_API_URL: srv.url, ...o.env } });

test.before(async () => {
  await requirePodman();
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `clitest-${process.pid}` } });
});

test.after(async () => {
  await srv?.stop();
});

test('apps create/list/inspect/update/delete with --json', async () => {
  let r = await cli(['apps', 'create', APP, '--config', 'A=1', '-c', 'B=x=y', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonOf(r), { name: APP, config: { A: '1', B: 'x=y' } });
  r = await cli(['apps', 'list', '--json']);
  assert.ok(jsonOf<{ name: string }[]>(r).some((a) => a.name === APP));
  r = await cli(['apps', 'update', APP, '-c', 'A=', '-c', 'C=3', '--json']);
  assert.equal(jsonOf(r), { name: APP, config: { B: 'x=y', C: '3' } });
  r = await cli(['apps', 'inspect', APP, '--json']);
  assert.equal(jsonOf(r), { name: APP, config: { B: 'x=y', C: '3' } });
  r = await cli(['apps', 'create', `${APP}-tmp`]);
  assert.is(r.code, 0);
  assert.is(r.stdout, `created app ${APP}-tmp\n`);
  r = await cli(['apps', 'delete', `${APP}-tmp`, '--json']);
  assert.equal(jsonOf(r), { deleted: `${APP}-tmp` });
  r = await cli(['apps', 'list']);
  assert.match(r.stdout, /^NAME\s+CONFIG\s+HOSTS\n/);
  assert.match(r.stdout, new RegExp(`\\n${APP}\\s+B,C\\n`));
});

test('routes create/list/inspect/update/delete and config set/unset with --json', async () => {
  let r = await cli([
    'routes',
    'create',
    APP,
    '/echo',
    '--image',
    image('echo'),
    '--memory',
    '64',
    '--timeout',
    '10',
    '-c',
    'K=v',
    '-H',
    'X-Route=r1',
    '--json',
  ]);
  assert.is(r.code, 0, r.stderr);
  const created = jsonOf<Record<string, unknown>>(r);
  assert.is(created.path, '/echo');
  assert.is(created.memory, 64);
  assert.equal(created.headers, { 'X-Route': ['r1'] });
  r = await cli(['routes', 'create', APP, 'nested/deep', '--image', image('echo'), '--type', 'async', '--json']);
  assert.is(jsonOf(r).path, '/nested/deep');
  r = await cli(['routes', 'list', APP, '--json']);
  assert.equal(
    jsonOf<{ path: string }[]>(r)
      .map((x) => x.path)
      .sort(),
    ['/echo', '/nested/deep'],
  );
  r = await cli(['routes', 'inspect', APP, '/nested/deep', '--json']);
  assert.is(jsonOf(r).type, 'async');
  r = await cli(['routes', 'update', APP, '/echo', '--timeout', '20', '--json']);
  assert.is(jsonOf(r).timeout, 20);
  r = await cli(['config', 'set', APP, '/echo', 'GREETING', 'hi there', '--json']);
  assert.equal(jsonOf(r), { app: APP, route: '/echo', config: { K: 'v', GREETING: 'hi there' } });
  r = await cli(['config', 'unset', APP, '/echo', 'K', '--json']);
  assert.equal(jsonOf(r), { app: APP, route: '/echo', config: { GREETING: 'hi there' } });
  r = await cli(['config', 'set', APP, 'APPKEY', 'av']);
  assert.is(r.stdout, `app ${APP}: APPKEY set\n`);
  r = await cli(['config', 'unset', APP, 'APPKEY', '--json']);
  assert.equal(jsonOf(r), { app: APP, route: null, config: { B: 'x=y', C: '3' } });
  r = await cli(['routes', 'update', APP, '/nested/deep', '--schedule', '0 4 * * *', '--json']);
  assert.is(jsonOf(r).schedule, '0 4 * * *');
  assert.match(String(jsonOf(r).schedule_next), /T04:00:00\.000Z$/);
  r = await cli(['routes', 'update', APP, '/nested/deep', '--schedule', 'every day']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /Invalid route schedule/);
  r = await cli(['routes', 'inspect', APP, '/nested/deep']);
  assert.match(r.stdout, /\nschedule: 0 4 \* \* \*\nschedule_next: .*T04:00:00\.000Z\n/);
  r = await cli(['routes', 'list', APP]);
  assert.match(r.stdout, /^PATH\s+IMAGE\s+TYPE\s+FORMAT\s+MEMORY\s+TIMEOUT\s+SCHEDULE\n/);
  assert.match(r.stdout, /\n\/nested\/deep\s+\S+\s+async\s+default\s+128\s+30\s+0 4 \* \* \*\n/);
  r = await cli(['routes', 'update', APP, '/nested/deep', '--schedule', '', '--json']);
  assert.is(jsonOf(r).schedule, undefined);
  r = await cli(['routes', 'inspect', APP, '/echo']);
  assert.match(r.stdout, /^app_name: /);
  assert.match(r.stdout, /\ntimeout: 20\n/);
  assert.match(r.stdout, /\nconfig:\n {2}GREETING: hi there\n/);
});

test('routes history and rollback [N]: versions listed newest first, N back restored as a new version', async () => {
  let r = await cli(['routes', 'create', APP, '/rb', '--image', image('echo'), '-c', 'V=1']);
  assert.is(r.code, 0, r.stderr);
  for (const v of ['2', '3']) assert.is((await cli(['routes', 'update', APP, '/rb', '-c', `V=${v}`])).code, 0);
  r = await cli(['routes', 'history', APP, '/rb', '--json']);
  assert.equal(
    jsonOf<{ version: number; current: boolean; route: { config: Record<string, string> } }[]>(r).map((v) => [v.version, v.current, v.route.config.V]),
    [
      [3, true, '3'],
      [2, false, '2'],
      [1, false, '1'],
    ],
  );
  r = await cli(['routes', 'history', APP, 'rb']);
  assert.match(r.stdout, /^BACK\s+VERSION\s+ACTION\s+CREATED\s+IMAGE/);
  assert.match(r.stdout, /\ncurrent\s+3\s+update\s/);
  r = await cli(['rollback', APP, '/rb']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^rolled back ${APP}/rb to version 2 `));
  r = await cli(['rollback', APP, '/rb', '3', '--json']);
  assert.is(jsonOf<{ restored_from: number }>(r).restored_from, 1);
  r = await cli(['routes', 'inspect', APP, '/rb', '--json']);
  assert.equal(jsonOf<{ config: Record<string, string> }>(r).config, { V: '1' });
  r = await cli(['rollback', APP, '/rb', 'x']);
  assert.is(r.code, 2);
  r = await cli(['rollback', APP, '/rb', '9']);
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, /has no definition 9 back/);
  r = await cli(['rollback', APP, '/nope']);
  assert.is(r.code, 3);
  assert.is((await cli(['routes', 'delete', APP, '/rb'])).code, 0);
});

test('call: stdin is the body, stdout the response; --json and --async', async () => {
  let r = await cli(['call', APP, '/echo'], { input: 'hello podfn' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hello podfn');
  r = await cli(['call', APP, 'echo', '--json'], { input: Buffer.from([0xff, 0, 1]) });
  const j = jsonOf<{ status: number; call_id: string; headers: Record<string, unknown>; body: string; body_encoding: string }>(r);
  assert.is(j.status, 200);
  assert.match(j.call_id, /^[0-9a-f-]{36}$/);
  assert.equal(j.headers['x-route'], 'r1');
  assert.is(j.body_encoding, 'base64');
  assert.equal(Buffer.from(j.body, 'base64'), Buffer.from([0xff, 0, 1]));
  r = await cli(['call', APP, '/nested/deep', '--async'], { input: 'later' });
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  let status = '';
  for (let i = 0; i < 100 && status !== 'success'; i++) {
    r = await cli(['calls', 'inspect', APP, id, '--json']);
    status = String(jsonOf(r).status);
    if (status !== 'success') await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(status, 'success');
  r = await cli(['call', APP, '/nested/deep', '--async', '--json'], { input: 'x' });
  assert.match(String(jsonOf(r).call_id), /^[0-9a-f-]{36}$/);
  r = await cli(['calls', 'list', APP, '--route', '/nested/deep', '--status', 'success', '--json']);
  const list = jsonOf<{ calls: { id: string }[]; next_cursor: string | null }>(r);
  assert.ok(list.calls.some((c) => c.id === id));
  r = await cli(['calls', 'list', APP]);
  assert.match(r.stdout, /^ID\s+ROUTE\s+STATUS\s+CREATED\n/);
  assert.match(r.stdout, new RegExp(id));
});

test('Function URLs: --host on apps and routes, shown by inspect; --no-hosts; a taken name exits 4 naming its owner', async () => {
  const app = `${APP}-h`;
  let r = await cli(['apps', 'create', app, '--host', `*.${app}.test`, '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonOf(r), { name: app, config: {}, hosts: [`*.${app}.test`] });
  r = await cli(['routes', 'create', app, '/h', '--image', image('echo'), '--host', `one.${app}.test`, '--host', `Two.${app}.test`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `created route ${app}/h (${image('echo')}), on one.${app}.test, two.${app}.test\n`);
  r = await cli(['routes', 'inspect', app, '/h']);
  assert.match(r.stdout, new RegExp(`\\nhosts: one\\.${app}\\.test, two\\.${app}\\.test\\n`));
  r = await cli(['apps', 'inspect', app]);
  assert.match(r.stdout, new RegExp(`\\nhosts: \\*\\.${app}\\.test\\n`));
  r = await cli(['routes', 'create', APP, '/taken', '--image', image('echo'), '--host', `one.${app}.test`]);
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, `Host one.${app}.test is already claimed by route /h of app ${app}`);
  r = await cli(['routes', 'update', app, '/h', '--no-hosts', '--json']);
  assert.is(jsonOf(r).hosts, undefined);
  r = await cli(['apps', 'update', app, '--host', `api.${app}.test`, '--json']);
  assert.equal(jsonOf(r), { name: app, config: {}, hosts: [`api.${app}.test`] });
  r = await cli(['apps', 'update', app, '--host', 'x.test', '--no-hosts']);
  assert.is(r.code, 2);
  r = await cli(['routes', 'create', app, '/bad', '--image', image('echo'), '--host', 'not_a_host.test']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /Invalid route host "not_a_host\.test"/);
  r = await cli(['apps', 'delete', app, '--json']);
  assert.is(r.code, 4, 'the app still has its route');
  await cli(['routes', 'delete', app, '/h']);
  r = await cli(['apps', 'delete', app]);
  assert.is(r.code, 0, r.stderr);
});

test('unknown app, route and call: exit 3 with what to do', async () => {
  const cases: [string[], RegExp][] = [
    [['apps', 'inspect', 'no-such-app'], /App not found.*\n {2}hint: .*podfn apps list/],
    [['routes', 'list', 'no-such-app'], /App not found/],
    [['routes', 'inspect', APP, '/nope'], /Route not found.*\n {2}hint: list the routes with `podfn routes list /],
    [['routes', 'delete', APP, '/nope'], /Route not found/],
    [['config', 'set', 'no-such-app', 'K', 'v'], /App not found/],
    [['calls', 'inspect', APP, 'nope'], /Call not found/],
    [['calls', 'logs', APP, 'nope'], /not found/],
    [['call', 'no-such-app', '/x'], /App not found: no-such-app\/x/],
    [['call', APP, '/nope'], /Route not found/],
  ];
  for (const [args, msg] of cases) {
    const r = await cli(args);
    assert.is(r.code, 3, `${args.join(' ')}: ${r.code} ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.is(r.stdout, '');
  }
});

test('rejections, usage errors and an unreachable gateway have their own exit codes', async () => {
  let r = await cli(['apps', 'create', APP]);
  assert.is(r.code, 4);
  assert.match(r.stderr, /App already exists/);
  r = await cli(['apps', 'delete', APP]);
  assert.is(r.code, 4);
  assert.match(r.stderr, /Cannot remove apps with routes/);
  r = await cli(['routes', 'create', APP, '/bad', '--image', image('echo'), '--format', 'hot']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /Invalid route Format/);
  r = await cli(['call', APP, '/echo', '--async']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /is sync; --async needs an async route\n {2}hint: .*--type async/);
  for (const args of [
    ['apps'],
    ['apps', 'frob'],
    ['routes', 'create', APP],
    ['routes', 'create', APP, '/x'],
    ['apps', 'list', '--bogus'],
    ['routes', 'create', APP, '/x', '--image', 'i', '--memory', 'big'],
    ['frob'],
    ['config', 'set', APP, 'K'],
  ]) {
    r = await cli(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.code} ${r.stderr}`);
    assert.match(r.stderr, /^podfn: .+\n {2}hint: /);
  }
  r = await runCli(['apps', 'list'], { env: { PODFN_API_URL: 'http://127.0.0.1:9' } });
  assert.is(r.code, 5);
  assert.match(r.stderr, /cannot reach the podfn gateway at http:\/\/127\.0\.0\.1:9.*\n {2}hint: start it with `podfn server start`/);
});

test('a call answering an error status exits 1 and points at the log', async () => {
  let r = await cli(['routes', 'create', APP, '/fail', '--image', image('exit'), '-c', 'EXIT_CODE=3']);
  assert.is(r.code, 0, r.stderr);
  r = await cli(['call', APP, '/fail']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /the call answered 502 \(call [0-9a-f-]{36}\): .*exited with code 3/);
  assert.match(r.stderr, new RegExp(`hint: its log: podfn calls logs ${APP} `));
  const id = /\(call ([0-9a-f-]{36})\)/.exec(r.stderr)?.[1] ?? '';
  // Sync records are written in batches: poll until the log is there.
  for (let i = 0; i < 50; i++) {
    r = await cli(['calls', 'logs', APP, id, '--json']);
    if (r.code === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonOf(r), { call_id: id, log: 'exiting with 3\n' });
  r = await cli(['calls', 'logs', APP, id]);
  assert.is(r.stdout, 'exiting with 3\n');
});

test('server start runs the gateway and stops on SIGTERM with exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const { LAUNCHER } = await import('./run-cli.ts');
  const db = `file:${srv.dir}/cli-server.db`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PODFN_')) env[k] = v;
  Object.assign(env, { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `clisrv-${process.pid}`, PODFN_LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, [LAUNCHER, 'server', 'start', '--port', String(port), '--host', '127.0.0.1', '--db', db], { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let r = { code: -1 as number | null, stdout: '', stderr: '' };
  for (let i = 0; i < 100; i++) {
    r = await runCli(['apps', 'list', '--json'], { env: { PODFN_API_URL: `http://127.0.0.1:${port}` } });
    if (r.code === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonOf(r), []);
  child.kill('SIGTERM');
  assert.is(await exited, 0);
});

test('call --data sends the body without stdin', async () => {
  const r = await cli(['call', APP, '/echo', '-d', 'from data']);
  assert.is(r.stdout, 'from data');
});

test('an admin token: PODFN_ADMIN_TOKEN is sent as a Bearer token; without it exit 8 and a hint', async () => {
  const guarded = await startServer({
    env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `cliauth-${process.pid}`, PODFN_ADMIN_TOKEN: 'tok-one,tok-two' },
  });
  try {
    let r = await runCli(['apps', 'list', '--json'], { env: { PODFN_API_URL: guarded.url } });
    assert.is(r.code, 8, r.stderr);
    assert.match(r.stderr, /401\)\n {2}hint: set PODFN_ADMIN_TOKEN/);
    r = await runCli(['apps', 'list', '--json'], { env: { PODFN_API_URL: guarded.url, PODFN_ADMIN_TOKEN: 'wrong' } });
    assert.is(r.code, 8);
    r = await runCli(['apps', 'list', '--json'], { env: { PODFN_API_URL: guarded.url, PODFN_ADMIN_TOKEN: 'tok-one,tok-two' } });
    assert.is(r.code, 0, r.stderr);
    assert.equal(jsonOf(r), []);
  } finally {
    await guarded.stop();
  }
});

test('bin/podfn.js launcher, version and help', async () => {
  let r = await cli(['apps', 'inspect', APP, '--json'], { launcher: true });
  assert.is(r.code, 0, r.stderr);
  assert.is(jsonOf(r).name, APP);
  r = await cli(['version', '--json'], { launcher: true });
  assert.match(String(jsonOf(r).version), /^\d+\.\d+\.\d+/);
  r = await cli(['help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /exit codes: 0 ok/);
});

test('cleanup: routes and app deleted', async () => {
  for (const p of ['/echo', '/nested/deep', '/fail']) assert.is((await cli(['routes', 'delete', APP, p])).code, 0);
  const r = await cli(['apps', 'delete', APP]);
  assert.is(r.code, 0, r.stderr);
});

test.run();
