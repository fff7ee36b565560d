// The hot path's shortcuts (issue 15) against the general code they stand in for, over generated
// inputs: the route-relative URL without a URL object, Fn-Deadline formatted once per second, the dot
// segment check that skips paths with no dot, and the call's light cancellation signal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { rfc3339, routeRelativeUrl } from '../../src/runner/formats/message.ts';
import { hasDotSegment } from '../../src/request/dot-segments.ts';
import type { CallRequest } from '../../src/runner/types.ts';
import { CallCancel } from '../../src/gateway/call-cancel.ts';

/** routeRelativeUrl as it was: always through the WHATWG URL parser */
function viaUrlObject(url: string, appName: string, path: string): string {
  const u = new URL(url, 'http://localhost');
  const prefix = `/r/${encodeURIComponent(appName)}/`;
  const at = u.pathname.indexOf(prefix);
  return (at >= 0 ? u.pathname.slice(at + prefix.length - 1) : path) + u.search;
}

// characters the shortcut must either pass through unchanged or leave to the URL parser
const urlChar = fc.constantFrom(...'abzAZ09-._~!$&\'()*+,;=:@%/?#. \\"<>`{}|^[]\té2eE%'.split(''));
const tail = fc.array(urlChar, { maxLength: 40 }).map((a) => a.join(''));

test('routeRelativeUrl: same target as the URL parser gives, for any path and query', () => {
  fc.assert(
    fc.property(
      tail,
      fc.constantFrom('app', 'a b', 'é', 'x.y'),
      fc.constantFrom('http://h:8080', 'https://fn.example.com/base', 'http://[::1]:1'),
      (t, app, base) => {
        const url = `${base}/r/${encodeURIComponent(app)}/${t}`;
        const call = { url, fn: { appName: app, path: '/fallback' } } as unknown as CallRequest;
        assert.is(routeRelativeUrl(call), viaUrlObject(url, app, '/fallback'), url);
      },
    ),
    { numRuns: 50_000 },
  );
});

test('routeRelativeUrl: a Function URL call keeps its own target', () => {
  const call = { url: 'http://fn.example.com/x?y', target: '/x?y', fn: { appName: 'a', path: '/p' } } as unknown as CallRequest;
  assert.is(routeRelativeUrl(call), '/x?y');
});

test('rfc3339: the same string as Date.toISOString, across second boundaries and out of range', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (t) => {
      assert.is(rfc3339(t), new Date(t).toISOString());
      assert.is(rfc3339(t + 1), new Date(t + 1).toISOString()); // the cached second changes under it
    }),
    { numRuns: 50_000 },
  );
  for (const t of [0, 999, 1000, 1001, 59_999, 60_000, 253_402_300_799_999, 253_402_300_800_000, -1, -1001, 1.5, 8.64e15]) {
    assert.is(rfc3339(t), new Date(t).toISOString(), String(t));
  }
});

/** hasDotSegment as it was, without the no-dot shortcut */
function dotSegmentSlow(pathname: string): boolean {
  for (const seg of pathname.split('/')) {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      // as the real one
    }
    if (decoded.split('/').some((s) => s === '.' || s === '..')) return true;
  }
  return false;
}

test('hasDotSegment: the shortcut never changes the answer', () => {
  const seg = fc.constantFrom('.', '..', '%2e', '%2E', '%2F', '%2f', 'a', '%', '%2', 'b.c', '/');
  fc.assert(
    fc.property(fc.array(seg, { maxLength: 12 }), (parts) => {
      const p = `/r/${parts.join('')}`;
      assert.is(hasDotSegment(p), dotSegmentSlow(p), p);
    }),
    { numRuns: 50_000 },
  );
});

test('CallCancel: listeners run once, in order, on the first abort; removed or late ones never', () => {
  const c = new CallCancel();
  const seen: string[] = [];
  const a = () => seen.push('a');
  const b = () => seen.push('b');
  const gone = () => seen.push('gone');
  c.addEventListener('abort', a);
  c.addEventListener('abort', gone);
  c.addEventListener('abort', b);
  c.removeEventListener('abort', gone);
  c.removeEventListener('abort', () => seen.push('never added'));
  assert.is(c.aborted, false);
  c.abort();
  c.abort();
  assert.is(c.aborted, true);
  c.addEventListener('abort', () => seen.push('late'));
  assert.equal(seen, ['a', 'b']);
});

test('CallCancel: a listener that removes itself while the abort runs does not skip the next one', () => {
  const c = new CallCancel();
  const seen: number[] = [];
  const first = () => {
    seen.push(1);
    c.removeEventListener('abort', first);
  };
  c.addEventListener('abort', first);
  c.addEventListener('abort', () => seen.push(2));
  c.abort();
  assert.equal(seen, [1, 2]);
});

test.run();
