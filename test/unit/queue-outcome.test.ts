// Unit: the queue's pure policy (src/queue/outcome.ts): results -> statuses and the seed's reasons,
// retry decisions (platform failures retried to the maximum; function failures only when the route
// sets PODFN_RETRY_ON_FAILURE), exponential backoff with jitter and cap, log capping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffMs, capLog, decide, outcomeOf, retryOnFailure, type AttemptInfo } from '../../src/queue/outcome.ts';
import type { CallResult } from '../../src/runner/types.ts';

const res = (o: Partial<CallResult>): CallResult => ({
  status: 200,
  headers: [],
  body: Buffer.alloc(0),
  log: Buffer.alloc(0),
  outcome: 'success',
  completedAt: 1000,
  ...o,
});
const attempt = (o: Partial<AttemptInfo> = {}): AttemptInfo => ({
  attempts: 1,
  maxAttempts: 3,
  retryOnFailure: false,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  logMaxBytes: 1024,
  random: 0.5,
  ...o,
});

test('outcomeOf: success, bad exit, timeout, oom -> killed, client gone -> cancelled', () => {
  assert.equal(outcomeOf(res({}), 100), { status: 'success', reason: null, error: null, statusCode: 200, completedAt: 1000, log: undefined });
  const bad = outcomeOf(res({ status: 502, outcome: 'error', reason: 'bad_exit', error: 'function exited with code 1' }), 100);
  assert.equal([bad.status, bad.reason, bad.error], ['error', 'bad_exit', 'function exited with code 1']);
  const to = outcomeOf(res({ status: 504, outcome: 'timeout', error: 'Timed out' }), 100);
  assert.equal([to.status, to.reason], ['timeout', 'timeout']);
  assert.is(outcomeOf(res({ status: 502, outcome: 'error', reason: 'oom', error: 'oom' }), 100).reason, 'killed');
  const gone = outcomeOf(res({ status: 499, outcome: 'error', reason: 'killed', error: 'Call aborted' }), 100);
  assert.equal([gone.status, gone.reason], ['cancelled', 'client_request']);
  const platform = outcomeOf(res({ status: 503, outcome: 'error', error: 'Podman down', platformError: true }), 100);
  assert.equal([platform.status, platform.reason], ['error', null]);
});

test('decide: platform failures retry until maxAttempts, then error naming the attempts', () => {
  const r = res({ status: 503, outcome: 'error', error: 'container runtime unavailable', platformError: true });
  assert.equal(decide(r, attempt({ attempts: 1 })), { kind: 'retry', delayMs: 1000, error: 'container runtime unavailable' });
  assert.equal(decide(r, attempt({ attempts: 2 })), { kind: 'retry', delayMs: 2000, error: 'container runtime unavailable' });
  const last = decide(r, attempt({ attempts: 3 }), 5);
  assert.is(last.kind, 'final');
  if (last.kind === 'final') {
    assert.is(last.outcome.status, 'error');
    assert.is(last.outcome.error, 'gave up after 3 attempts: container runtime unavailable');
  }
  const single = decide(r, attempt({ attempts: 1, maxAttempts: 1 }));
  assert.is(single.kind === 'final' && single.outcome.error, 'container runtime unavailable');
});

test('decide: function failures are final unless the route asks for retries', () => {
  const bad = res({ status: 502, outcome: 'error', reason: 'bad_exit', error: 'function exited with code 1' });
  assert.is(decide(bad, attempt()).kind, 'final');
  assert.is(decide(bad, attempt({ retryOnFailure: true })).kind, 'retry');
  assert.is(decide(bad, attempt({ retryOnFailure: true, attempts: 3 })).kind, 'final');
  const to = res({ status: 504, outcome: 'timeout', reason: 'timeout', error: 'Timed out' });
  assert.is(decide(to, attempt()).kind, 'final');
  assert.is(decide(res({}), attempt({ retryOnFailure: true })).kind, 'final', 'success is never retried');
});

test('retryOnFailure reads the route config key', () => {
  assert.ok(retryOnFailure({ PODFN_RETRY_ON_FAILURE: 'true' }));
  assert.ok(retryOnFailure({ PODFN_RETRY_ON_FAILURE: ' 1 ' }));
  assert.not.ok(retryOnFailure({ PODFN_RETRY_ON_FAILURE: 'false' }));
  assert.not.ok(retryOnFailure({}));
});

test('backoff: doubles, caps, jitters within +-20%', () => {
  assert.is(backoffMs(1, 100, 10_000, 0.5), 100);
  assert.is(backoffMs(4, 100, 10_000, 0.5), 800);
  assert.is(backoffMs(20, 100, 10_000, 0.5), 10_000);
  assert.is(backoffMs(1, 100, 10_000, 0), 80);
  assert.is(backoffMs(1, 100, 10_000, 1), 120);
});

test('capLog: empty -> undefined, short kept, long cut with a marker', () => {
  assert.is(capLog(Buffer.alloc(0), 10), undefined);
  assert.is(capLog(Buffer.from('abc'), 10)?.toString(), 'abc');
  assert.is(capLog(Buffer.from('abcdefghijkl'), 10)?.toString(), 'abcdefghij\n[podfn: log truncated, 2 more bytes not stored]\n');
});

test.run();
