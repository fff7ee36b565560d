// Black-box (real server process, real libSQL, real Podman for the calls that run): the calls API
// (list with filters and cursor pages, get, log, cancel), /tasks and /v1/tasks for external consumers
// (never one task to two consumers, acknowledgement with a reported outcome), and bad input.
// NEEDS the queue wired into src/main.ts (startQueue, callsApi, tasksApi).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';
import { image, podmanReady } from '../helpers/podman.ts';
import { waitFor } from './helpers.ts';

interface CallJson {
  id: string;
  app_name: string;
  path: string;
  status: string;
  reason?: string;
  error?: string;
  type: string;
  status_code?: number;
  attempts: number;
  created_at: string;
  started_at?: string;
  completed_at?: string;
}
interface CallsBody {
  message: string;
  next_cursor: string | null;
  calls: CallJson[];
}
interface TaskJson {
  id: string;
  app_name: string;
  path: string;
  image: string;
  status: string;
  payload: string;
  env_vars: Record<string, string>;
  reservation: string;
  started_at: string;
  created_at: string;
}

const test = suite<{ srv?: TestServer; run?: TestServer }>('queue api (black-box)');
let c: Client;
let r: Client;

test.before(async (ctx) => {
  // no workers: queued calls stay queued for the task consumers and cancel tests
  ctx.srv = await startServer({ env: { PODFN_ASYNC_WORKERS: '0', PODFN_RECORD_FLUSH_MS: '50' } });
  c = client(ctx.srv.url);
  expectOk(await c.post('/v1/apps/qapi/routes', { route: { path: '/async', image: image('echo'), type: 'async' } }));
  expectOk(await c.post('/v1/apps/qapi/routes', { route: { path: '/other', image: image('echo'), type: 'async' } }));
  // a server that runs calls (real Podman)
  ctx.run = await startServer({ env: { PODFN_RECORD_FLUSH_MS: '50', PODFN_QUEUE_POLL_MS: '50' } });
  r = client(ctx.run.url);
  // cold (default format): its stderr is complete when the container exits, so the log is exact
  expectOk(await r.post('/v1/apps/run/routes', { route: { path: '/cold', image: image('write'), config: { STDERR_BYTES: '12', STDOUT_BYTES: '3' } } }));
  expectOk(await r.post('/v1/apps/run/routes', { route: { path: '/exit', image: image('exit'), type: 'async', config: { EXIT_CODE: '4' } } }));
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
  await ctx.run?.stop();
});

async function accept(path = '/async', body = 'payload'): Promise<string> {
  const res = await c.post(`/r/qapi${path}`, body, { headers: { 'content-type': 'text/plain' } });
  const b = expectOk<{ call_id: string }>(res, 202);
  assert.is(res.headers['fn-call-id'], b.call_id);
  return b.call_id;
}

test("unknown app, unknown call, missing log: 404 with fn's messages", async () => {
  expectError(await c.get('/v1/apps/nope/calls'), 404, 'App not found');
  expectError(await c.get('/v1/apps/nope/calls/01a00000-0000-7000-8000-000000000000'), 404, 'App not found');
  expectError(await c.get('/v1/apps/qapi/calls/01a00000-0000-7000-8000-000000000000'), 404, 'Call not found');
  expectError(await c.get('/v1/apps/qapi/calls/not-an-id'), 404, 'Call not found');
  expectError(await c.get('/v1/apps/qapi/calls/01a00000-0000-7000-8000-000000000000/log'), 404, 'Call log not found');
  expectError(await c.del('/v1/apps/qapi/calls/01a00000-0000-7000-8000-000000000000'), 404, 'Call not found');
});

test('invalid filters: 400', async () => {
  for (const [q, msg] of [
    ['status=done', /^Invalid status filter/],
    ['per_page=0', /^Invalid per_page/],
    ['per_page=101', /^Invalid per_page/],
    ['from_time=yesterday', /^Invalid from_time/],
    ['from_time=20&to_time=10', /^Invalid time range/],
    ['cursor=!!', /^Invalid cursor$/],
    ['path=relative', /^Invalid path filter/],
  ] as const) {
    expectError(await c.get(`/v1/apps/qapi/calls?${q}`), 400, msg, q);
  }
});

test('async calls are recorded as queued at once; list pages with a cursor, newest first; get', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await accept('/other', `p${i}`));
  const one = expectOk<{ message: string; call: CallJson }>(await c.get(`/v1/apps/qapi/calls/${ids[0]}`));
  assert.is(one.message, 'Successfully loaded call');
  assert.is(one.call.status, 'queued');
  assert.is(one.call.type, 'async');
  assert.is(one.call.path, '/other');
  assert.is(one.call.attempts, 0);
  assert.ok(!Number.isNaN(Date.parse(one.call.created_at)));
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const body: CallsBody = expectOk<CallsBody>(await c.get(`/v1/apps/qapi/calls?path=/other&per_page=2${cursor ? `&cursor=${cursor}` : ''}`));
    assert.is(body.message, 'Successfully listed calls');
    assert.ok(body.calls.length <= 2);
    seen.push(...body.calls.map((x) => x.id));
    cursor = body.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(seen, [...ids].reverse());
  assert.is(pages, 3);
  const queued = expectOk<CallsBody>(await c.get('/v1/apps/qapi/calls?status=queued&per_page=100'));
  assert.ok(ids.every((id) => queued.calls.some((x) => x.id === id)));
  const none = expectOk<CallsBody>(await c.get('/v1/apps/qapi/calls?from_time=4000000000'));
  assert.equal(none.calls, []);
  assert.is(none.next_cursor, null);
});

test('cancel a queued call: cancelled / client_request; a second cancel is 409', async () => {
  const id = await accept();
  const body = expectOk<{ message: string; call: CallJson }>(await c.del(`/v1/apps/qapi/calls/${id}`));
  assert.is(body.message, 'Call cancelled');
  assert.is(body.call.status, 'cancelled');
  assert.is(body.call.reason, 'client_request');
  assert.ok(body.call.completed_at);
  expectError(await c.del(`/v1/apps/qapi/calls/${id}`), 409, 'Call cannot be cancelled: it already ended (cancelled)');
  expectError(await c.del(`/v1/apps/other/calls/${id}`), 404, 'App not found');
});

test('/tasks: n out of range is 400; an empty queue answers 202 null', async () => {
  for (const n of ['0', '101', 'abc', '-1', '2.5']) expectError(await c.get(`/tasks?n=${n}`), 400, /^Invalid n/, n);
  // drain what earlier tests left
  for (;;) {
    const b = expectOk<{ tasks: TaskJson[] }>(await c.get('/v1/tasks?n=100'), 202);
    for (const t of b.tasks) expectOk(await c.req('DELETE', '/tasks', t), 202);
    if (b.tasks.length === 0) break;
  }
  const res = await c.get('/tasks');
  assert.is(res.status, 202);
  assert.is(res.text, 'null');
});

test('/tasks hands out a running task with payload and env; DELETE acknowledges it (the seed flow)', async () => {
  const id = await accept('/async', 'hello task');
  const t = expectOk<TaskJson>(await c.get('/tasks'), 202);
  assert.is(t.id, id);
  assert.is(t.status, 'running');
  assert.is(t.payload, 'hello task');
  assert.is(t.app_name, 'qapi');
  assert.is(t.path, '/async');
  assert.is(t.image, image('echo'));
  assert.is(t.env_vars.CALL_ID, id);
  assert.is(t.env_vars.APP_NAME, 'qapi');
  assert.ok(t.started_at && t.reservation);
  const running = expectOk<{ call: CallJson }>(await c.get(`/v1/apps/qapi/calls/${id}`)).call;
  assert.is(running.status, 'running');
  assert.is(running.attempts, 1);
  expectOk(await c.get('/tasks'), 202); // null now: never handed out twice
  const acked = expectOk<{ id: string; status: string }>(await c.req('DELETE', '/tasks', t), 202);
  assert.is(acked.id, id);
  assert.is(acked.status, 'success');
  expectError(await c.req('DELETE', '/tasks', t), 409, /^Task is not reserved/);
  expectError(await c.req('DELETE', '/v1/tasks', { id: '01a00000-0000-7000-8000-000000000000' }), 404, 'Task not found');
  expectError(await c.req('DELETE', '/tasks'), 400, 'Invalid JSON');
  expectError(await c.req('DELETE', '/tasks', { task: {} }), 400, 'Missing task id');
});

test('/tasks env_vars follow the runner: `_` header names dropped unless PODFN_ENV_UNDERSCORE_HEADERS=true', async () => {
  const headers = { 'content-type': 'text/plain', 'x-remote-user': 'alice', x_remote_user: 'mallory', x_only: 'u' };
  const id = expectOk<{ call_id: string }>(await c.post('/r/qapi/async', 'x', { headers }), 202).call_id;
  const t = expectOk<TaskJson>(await c.get('/tasks'), 202);
  assert.is(t.id, id);
  assert.is(t.env_vars.HEADER_X_REMOTE_USER, 'alice');
  assert.is(t.env_vars.HEADER_X_ONLY, undefined);
  expectOk(await c.req('DELETE', '/tasks', t), 202);

  const open = await startServer({ env: { PODFN_ASYNC_WORKERS: '0', PODFN_ENV_UNDERSCORE_HEADERS: 'true' } });
  try {
    const o = client(open.url);
    expectOk(await o.post('/v1/apps/qu/routes', { route: { path: '/async', image: image('echo'), type: 'async' } }));
    expectOk(await o.post('/r/qu/async', 'x', { headers }), 202);
    const u = expectOk<TaskJson>(await o.get('/tasks'), 202);
    assert.is(u.env_vars.HEADER_X_ONLY, 'u');
    assert.is(u.env_vars.HEADER_X_REMOTE_USER, 'alice'); // the - spelling still wins the collision
  } finally {
    await open.stop();
  }
});

test('a consumer reports a failure: status, reason, error and log are recorded', async () => {
  const id = await accept('/async', 'will fail');
  const { tasks } = expectOk<{ tasks: TaskJson[] }>(await c.get('/v1/tasks?n=5'), 202);
  assert.equal(
    tasks.map((t) => t.id),
    [id],
  );
  const report = { task: { ...tasks[0], status: 'error', reason: 'bad_exit', error: 'exit 9', log: 'consumer stderr\n' } };
  assert.is(expectOk<{ status: string }>(await c.req('DELETE', '/v1/tasks', report), 202).status, 'error');
  const call = expectOk<{ call: CallJson }>(await c.get(`/v1/apps/qapi/calls/${id}`)).call;
  assert.equal([call.status, call.reason, call.error], ['error', 'bad_exit', 'exit 9']);
  const log = expectOk<{ message: string; log: { call_id: string; log: string } }>(await c.get(`/v1/apps/qapi/calls/${id}/log`));
  assert.equal(log, { message: 'Successfully loaded call', log: { call_id: id, log: 'consumer stderr\n' } });
  const plain = await c.req('GET', `/v1/apps/qapi/calls/${id}/log`, undefined, { headers: { accept: 'text/plain' } });
  assert.is(plain.text, 'consumer stderr\n');
  expectOk(await c.del(`/v1/apps/qapi/calls/${id}/log`), 202);
  expectError(await c.get(`/v1/apps/qapi/calls/${id}/log`), 404, 'Call log not found');
});

test('two concurrent consumers never receive the same task', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 60; i++) ids.add(await accept('/async', `c${i}`));
  const consume = async () => {
    const got: string[] = [];
    for (;;) {
      const { tasks } = expectOk<{ tasks: TaskJson[] }>(await c.get('/v1/tasks?n=3'), 202);
      if (tasks.length === 0) return got;
      got.push(...tasks.map((t) => t.id));
    }
  };
  const [a, b] = await Promise.all([consume(), consume()]);
  const all = [...a, ...b];
  assert.is(new Set(all).size, all.length, 'a task went to both consumers');
  assert.equal(new Set(all), ids);
  assert.ok(a.length > 0 && b.length > 0, `a ${a.length}, b ${b.length}`);
});

test('sync calls are recorded off the request path, with their stderr log', async () => {
  await podmanReady();
  const res = await r.post('/r/run/cold', '');
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'ooo');
  const id = String(res.headers['fn-call-id']);
  const call = await waitFor('sync record', async () => {
    const x = await r.get(`/v1/apps/run/calls/${id}`);
    return x.status === 200 ? x.json<{ call: CallJson }>().call : undefined;
  });
  assert.equal([call.type, call.status, call.status_code, call.attempts], ['sync', 'success', 200, 1]);
  const log = expectOk<{ log: { log: string } }>(await r.get(`/v1/apps/run/calls/${id}/log`));
  assert.is(log.log.log, 'e'.repeat(12));
  const list = expectOk<CallsBody>(await r.get('/v1/apps/run/calls?path=/cold&status=success'));
  assert.ok(list.calls.some((x) => x.id === id));
});

test('an async call that exits non-zero ends error / bad_exit, once', async () => {
  await podmanReady();
  const id = expectOk<{ call_id: string }>(await r.post('/r/run/exit', ''), 202).call_id;
  const call = await waitFor(
    'bad exit recorded',
    async () => {
      const x = expectOk<{ call: CallJson }>(await r.get(`/v1/apps/run/calls/${id}`)).call;
      return x.status !== 'queued' && x.status !== 'running' ? x : undefined;
    },
    60_000,
    100,
  );
  assert.equal([call.status, call.reason, call.attempts], ['error', 'bad_exit', 1]);
  assert.match(expectOk<{ log: { log: string } }>(await r.get(`/v1/apps/run/calls/${id}/log`)).log.log, /exiting with 4/);
  const q = expectOk<{ queue: { queued: number; workers: { workers: number } } }>(await r.get('/v1/queue'));
  assert.is(q.queue.queued, 0);
  assert.is(q.queue.workers.workers, 4);
});

test.run();
