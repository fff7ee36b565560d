// Unit: src/http/body.ts readIncoming on a real node server. Regression found by the fuzz suite
// (test/fuzz): a client closing the connection mid-body surfaced as node's ECONNRESET "aborted", which
// the admin API and the gateway logged as an unhandled error (a 500); it is the client's fault, a 400.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readIncoming } from '../../src/request/body.ts';
import { ApiError } from '../../src/models/errors.ts';

const test = suite('http/body: readIncoming');

/** A server whose handler hands each request's readIncoming outcome to `onResult`. */
async function withServer(onResult: (r: unknown) => void, fn: (port: number) => Promise<void>, before?: (req: http.IncomingMessage) => Promise<void>) {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (before) await before(req);
      const r = await readIncoming(req, 1024).catch((e: unknown) => e);
      onResult(r);
      res.destroy();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

const partialPost = (port: number) =>
  new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b');
      setTimeout(() => s.destroy(), 50);
    });
    s.on('close', () => resolve());
    s.on('error', () => {});
  });

const waitFor = async (pred: () => boolean) => {
  for (const end = Date.now() + 30_000; !pred() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
};

test('a body cut short by the client closing is a 400 ApiError, not a raw ECONNRESET', async () => {
  let result: unknown;
  await withServer(
    (r) => (result = r),
    async (port) => {
      await partialPost(port);
      await waitFor(() => result !== undefined);
    },
  );
  assert.instance(result, ApiError);
  assert.is((result as ApiError).status, 400);
  assert.match((result as ApiError).message, /incomplete/);
});

test('a request already aborted before reading starts rejects at once instead of hanging', async () => {
  let result: unknown;
  const aborted = (req: http.IncomingMessage) => new Promise<void>((r) => req.once('error', () => r()).once('aborted', () => r()));
  await withServer(
    (r) => (result = r),
    async (port) => {
      await partialPost(port);
      await waitFor(() => result !== undefined);
    },
    aborted,
  );
  assert.instance(result, ApiError);
  assert.is((result as ApiError).status, 400);
});

test('a complete body still resolves byte-exact', async () => {
  let result: unknown;
  await withServer(
    (r) => (result = r),
    async (port) => {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'POST' }, (res) => res.resume().on('end', resolve).on('error', resolve));
        req.on('error', () => resolve());
        req.end(Buffer.from([0, 1, 2, 255]));
        setTimeout(reject, 2000);
      }).catch(() => {});
      await waitFor(() => result !== undefined);
    },
  );
  assert.ok(Buffer.isBuffer(result));
  assert.equal([...result], [0, 1, 2, 255]);
});

test.run();
