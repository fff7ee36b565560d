import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CappedBuffer } from '../../src/runner/output-limit.ts';

test('keeps everything under the limit', () => {
  const b = new CappedBuffer(10);
  assert.ok(b.push(Buffer.from('hello')));
  assert.ok(b.push(Buffer.from('world')));
  assert.is(b.toBuffer().toString(), 'helloworld');
  assert.not.ok(b.overflowed);
});

test('keeps the first N bytes and reports overflow', () => {
  const b = new CappedBuffer(8);
  assert.ok(b.push(Buffer.from('12345')));
  assert.not.ok(b.push(Buffer.from('6789')));
  assert.not.ok(b.push(Buffer.from('abc')));
  assert.is(b.toBuffer().toString(), '12345678');
  assert.ok(b.overflowed);
  assert.is(b.length, 8);
  assert.is(b.totalBytes, 12);
});

test('empty and zero limit', () => {
  assert.is(new CappedBuffer(4).toBuffer().length, 0);
  const z = new CappedBuffer(0);
  assert.not.ok(z.push(Buffer.from('x')));
  assert.is(z.toBuffer().length, 0);
});

test.run();
