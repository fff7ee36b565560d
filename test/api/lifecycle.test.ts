// Black-box: the server process itself. A bad configuration value stops start-up with a non-zero exit
// and a message naming the variable; SIGTERM exits cleanly; a restart (after SIGTERM or SIGKILL) keeps
// every app and route, including writes acknowledged just before the kill.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, runServerToExit, type TestServer } from '../helpers/server.ts';
import { client, expectOk, snapshot, type Client, type RouteBody } from '../helpers/http.ts';

const config = suite('api: configuration errors stop start-up');

const bad: [string, string][] = [
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['PODFN_DB_URL', 'mysql://x'],
  ['PODFN_DB_URL', 'postgres://u@h/db'],
  ['PODFN_ADMIN_BODY_LIMIT', 'lots'],
  ['PODFN_ADMIN_BODY_LIMIT', '10'],
  ['PODFN_MAX_MEMORY_MB', '0'],
  ['PODFN_MAX_TIMEOUT', '-5'],
  ['PODFN_LOG_LEVEL', 'loud'],
];

config('each bad value exits non-zero and names the variable', async () => {
  // Three at a time: each run is a node start-up (~1 s idle, far more on a loaded host); nine at once
  // on a busy 2-core host ran past the per-run ceiling. The ceiling (2 min) only catches a hang.
  const runs: Array<Awaited<ReturnType<typeof runServerToExit>>> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let i = next++; i < bad.length; i = next++) runs[i] = await runServerToExit({ [bad[i]![0]]: bad[i]![1] }, 120_000);
    }),
  );
  bad.forEach(([name, value], i) => {
    const r = runs[i]!;
    const what = `${name}=${value}: code ${r.code}, output: ${r.output.slice(0, 300)}`;
    assert.not.ok(r.timedOut, `still running: ${what}`);
    assert.ok(r.code !== null && r.code !== 0, what);
    assert.ok(r.output.includes(name), `message names the variable: ${what}`);
  });
});

config('a database that cannot be opened stops start-up with a non-zero exit naming it', async () => {
  // the parent "directory" is a regular file (a path under /proc would hang node's recursive mkdirSync)
  const r = await runServerToExit({ PODFN_DB_URL: 'file:/etc/hostname/podfn.db' }, 120_000);
  assert.not.ok(r.timedOut);
  assert.ok(r.code !== null && r.code !== 0, `code ${r.code}`);
  assert.match(r.output, /PODFN_DB_URL|\/etc\/hostname/, r.output.slice(0, 300));
});

config.run();

const restart = suite<{ srv?: TestServer }>('api: restart keeps data');
let c: Client;

restart.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
});
restart.after(async (ctx) => {
  await ctx.srv?.stop();
});

async function seed(prefix: string) {
  expectOk(await c.post('/v1/apps', { app: { name: `${prefix}-app`, config: { DB_URL: 'postgres://x', 'k-e_y': 'ü' } } }));
  expectOk(
    await c.post(`/v1/apps/${prefix}-app/routes`, {
      route: {
        path: '/a/b',
        image: 'img:1',
        memory: 256,
        type: 'async',
        format: 'json',
        max_concurrency: 2,
        timeout: 45,
        idle_timeout: 90,
        config: { R: 'r' },
        headers: { 'X-A': ['1', '2'] },
      },
    }),
  );
  expectOk(await c.put(`/v1/apps/${prefix}-deployed/routes/fn`, { route: { image: 'img:2', format: 'http' } }));
  expectOk(await c.patch(`/v1/apps/${prefix}-app`, { app: { config: { DB_URL: '' } } }));
}

restart('SIGTERM exits 0 promptly and a restart keeps every app and route', async (ctx) => {
  const srv = ctx.srv!;
  await seed('t');
  const before = await snapshot(c);
  assert.is(before.apps.length, 2);
  assert.is(before.routes.length, 2);
  // promptly: by itself (code 0, no SIGKILL), not held by the idle keep-alive connections the client
  // left open (65 s idle timeout)
  const t0 = Date.now();
  const exit = await srv.kill('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 60_000, `stopped ${Date.now() - t0} ms after SIGTERM`);
  await srv.restart();
  assert.equal(await snapshot(c), before);
});

restart('after SIGKILL, every acknowledged write is still there', async (ctx) => {
  const srv = ctx.srv!;
  await seed('k');
  // the last write right before the kill: acknowledged means durable
  expectOk(await c.patch('/v1/apps/k-app/routes/a/b', { route: { image: 'img:last' } }));
  const before = await snapshot(c);
  const exit = await srv.kill('SIGKILL');
  assert.is(exit.signal, 'SIGKILL');
  await srv.restart();
  assert.equal(await snapshot(c), before);
  assert.is(expectOk<RouteBody>(await c.get('/v1/apps/k-app/routes/a/b')).route.image, 'img:last');
});

restart('SIGTERM exit code is 0', async (ctx) => {
  const exit = await ctx.srv!.kill('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
  await ctx.srv!.restart();
  expectOk(await c.get('/v1/apps/t-app'));
});

restart.run();
