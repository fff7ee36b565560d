// Unit: input parsing of the calls and tasks APIs (400s with messages that name the parameter), the
// opaque cursor, and the JSON shapes of call records and tasks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../src/models/errors.ts';
import { encodeCursor, parseCallFilter } from '../../src/http/admin/call-query.ts';
import { parseTaskReport } from '../../src/http/tasks.ts';
import { callJson } from '../../src/queue/json.ts';
import type { CallSummary } from '../../src/store/calls.ts';

const q = (o: Record<string, string>) => (n: string) => o[n];
function bad(fn: () => unknown, message: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, 400);
    assert.match((e as ApiError).message, message);
    return;
  }
  assert.unreachable(`expected a 400 matching ${message}`);
}

test('call filter: defaults, path/route alias (cleaned), status, times in seconds or RFC 3339, per_page', () => {
  assert.equal(parseCallFilter('a', q({})), { appName: 'a', limit: 30 });
  const f = parseCallFilter('a', q({ route: '/x//y/', status: 'error', from_time: '1700000000', to_time: '2030-01-01T00:00:00Z', per_page: '100' }));
  assert.equal(f, { appName: 'a', limit: 100, path: '/x/y', status: 'error', fromMs: 1_700_000_000_000, toMs: Date.UTC(2030, 0, 1) });
  assert.is(parseCallFilter('a', q({ path: '/p', route: '/r' })).path, '/p');
});

test('call filter: invalid values are 400', () => {
  bad(() => parseCallFilter('a', q({ status: 'done' })), /^Invalid status filter/);
  bad(() => parseCallFilter('a', q({ path: 'nope' })), /^Invalid path filter/);
  bad(() => parseCallFilter('a', q({ from_time: 'yesterday' })), /^Invalid from_time/);
  bad(() => parseCallFilter('a', q({ to_time: '-5' })), /^Invalid to_time/);
  bad(() => parseCallFilter('a', q({ from_time: '20', to_time: '10' })), /^Invalid time range/);
  for (const p of ['0', '101', '-1', '1.5', 'x', '99999']) bad(() => parseCallFilter('a', q({ per_page: p })), /^Invalid per_page/);
  for (const c of ['!!', 'abc', Buffer.from('12:ZZZ').toString('base64url'), Buffer.from('x:abc').toString('base64url')])
    bad(() => parseCallFilter('a', q({ cursor: c })), /^Invalid cursor$/);
});

test('cursor round trip', () => {
  const id = '01a21a43-f547-7000-bdd7-ae4005a15cec';
  assert.equal(parseCallFilter('a', q({ cursor: encodeCursor(1234, id) })).after, { createdAt: 1234, id });
});

test('task report: bare or wrapped, the echoed running status is a bare ack, outcome fields validated', () => {
  assert.equal(parseTaskReport({ id: 't1', status: 'running', image: 'x', payload: '' }), {
    id: 't1',
    reservation: undefined,
    error: undefined,
    log: undefined,
  });
  assert.equal(parseTaskReport({ task: { id: 't1', reservation: 'r', status: 'error', reason: 'bad_exit', error: 'boom', log: 'l', status_code: 502 } }), {
    id: 't1',
    reservation: 'r',
    status: 'error',
    reason: 'bad_exit',
    error: 'boom',
    log: 'l',
    status_code: 502,
  });
  bad(() => parseTaskReport([]), /^Missing task$/);
  bad(() => parseTaskReport({}), /^Missing task id$/);
  bad(() => parseTaskReport({ id: 5 }), /^Invalid task id/);
  bad(() => parseTaskReport({ id: 't', status: 'done' }), /^Invalid task status/);
  bad(() => parseTaskReport({ id: 't', reason: 'oops' }), /^Invalid task reason/);
  bad(() => parseTaskReport({ id: 't', status_code: 99 }), /^Invalid task status_code/);
  bad(() => parseTaskReport({ id: 't', log: {} }), /^Invalid task log/);
});

test('call JSON: snake_case, RFC 3339 UTC, empty fields left out, retry_at for a backing-off call', () => {
  const base: CallSummary = {
    id: 'c1',
    appName: 'a',
    path: '/p',
    image: 'img',
    type: 'async',
    format: 'default',
    status: 'queued',
    reason: null,
    error: 'attempt 1 failed',
    method: 'POST',
    url: 'http://x/r/a/p',
    statusCode: null,
    attempts: 1,
    maxAttempts: 3,
    notBefore: 5000,
    leaseOwner: null,
    leaseUntil: null,
    nodeId: null,
    createdAt: 1000,
    startedAt: null,
    completedAt: null,
    callbackUrl: null,
    callbackState: null,
    callbackTries: null,
    callbackNextAt: null,
  };
  assert.equal(callJson(base, 2000), {
    id: 'c1',
    app_name: 'a',
    path: '/p',
    image: 'img',
    type: 'async',
    format: 'default',
    status: 'queued',
    error: 'attempt 1 failed',
    method: 'POST',
    attempts: 1,
    max_attempts: 3,
    created_at: '1970-01-01T00:00:01.000Z',
    retry_at: '1970-01-01T00:00:05.000Z',
  });
  const done = callJson({ ...base, status: 'success', error: null, statusCode: 200, startedAt: 1500, completedAt: 1600, nodeId: 'n' }, 2000);
  assert.equal(
    [done.status_code, done.started_at, done.completed_at, done.node_id, done.retry_at],
    [200, '1970-01-01T00:00:01.500Z', '1970-01-01T00:00:01.600Z', 'n', undefined],
  );
});

test.run();
