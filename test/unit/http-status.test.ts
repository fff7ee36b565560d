// Unit: statuses a hot `http` function may answer (security review finding 6). Only 200-599 reach
// the client; a 1xx (101 Switching Protocols on the client's keep-alive connection: the request
// smuggling pattern behind proxies) or 600-999 is a protocol error of the call: 502 naming the
// status, and the container is replaced (hot-container.ts retires on FunctionProtocolError).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeHttpResponse } from '../../src/runner/formats/http.ts';
import { decodeJsonResponse } from '../../src/runner/formats/json.ts';
import { FunctionProtocolError } from '../../src/runner/formats/message.ts';

const res = (status: number) => ({ status, headers: [['X-A', '1']] as Array<[string, string]>, body: Buffer.from('b') });

test('http: 100, 101, 103, 199, 600, 999 and 0 are protocol errors naming the status', () => {
  for (const status of [0, 100, 101, 103, 199, 600, 999]) {
    try {
      decodeHttpResponse(res(status));
      assert.unreachable(`${status} passed`);
    } catch (e) {
      assert.instance(e, FunctionProtocolError);
      assert.match((e as Error).message, `function answered with invalid status ${status}`);
    }
  }
});

test('http: 200-599 pass unchanged', () => {
  for (const status of [200, 204, 302, 418, 599]) assert.is(decodeHttpResponse(res(status)).status, status);
});

test('json: status_code outside 200-599 was already refused the same way', () => {
  const reply = (status_code: number) => ({ status: 200, headers: [], body: Buffer.from(JSON.stringify({ status_code, body: 'x' })) });
  for (const code of [101, 999])
    assert.throws(
      () => decodeJsonResponse(reply(code)),
      (e: unknown) => e instanceof FunctionProtocolError,
    );
  assert.is(decodeJsonResponse(reply(201)).status, 201);
});

test.run();
