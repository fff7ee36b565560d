// Unit: call URLs from PODFN_PUBLIC_URL (security review finding 8). Without it REQUEST_URL,
// Fn-Request-Url and the json envelope's request_url carry whatever Host the client sent; with it
// they are built from the configured base (an origin, optionally with a reverse proxy's base path).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { gatewayHandler, type GatewayDeps } from '../../src/gateway/handler.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import type { CallRequest } from '../../src/runner/types.ts';
import { createLogger } from '../../src/log.ts';
import { newRoute } from '../../src/models/route.ts';
import { callEnv } from '../../src/runner/call-env.ts';
import { encodeHttpRequest } from '../../src/runner/formats/http.ts';
import { buildEnvelope } from '../../src/runner/formats/json.ts';
import { fnSpec, makeCall } from '../helpers/podman.ts';

const setting = suite('PODFN_PUBLIC_URL: the setting');

setting('empty by default; an origin or origin plus base path, kept without a trailing slash', () => {
  assert.is(loadConfig({}).PODFN_PUBLIC_URL, '');
  assert.is(loadConfig({ PODFN_PUBLIC_URL: 'https://fn.example.com' }).PODFN_PUBLIC_URL, 'https://fn.example.com');
  assert.is(loadConfig({ PODFN_PUBLIC_URL: 'https://fn.example.com/' }).PODFN_PUBLIC_URL, 'https://fn.example.com');
  assert.is(loadConfig({ PODFN_PUBLIC_URL: 'http://FN.example.com:8443/fn/' }).PODFN_PUBLIC_URL, 'http://fn.example.com:8443/fn');
});

setting('anything else stops start-up naming the variable', () => {
  for (const v of [
    'fn.example.com',
    'ftp://fn.example.com',
    'https://user:pw@fn.example.com',
    'https://fn.example.com/?x=1',
    'https://fn.example.com/#f',
    'https://fn.example.com?',
    'unix:///x',
  ]) {
    try {
      loadConfig({ PODFN_PUBLIC_URL: v });
      assert.unreachable(`${v} was accepted`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, 'PODFN_PUBLIC_URL');
    }
  }
});

const gateway = suite('PODFN_PUBLIC_URL: the gateway builds call URLs from it');

/** A gateway on a real node server whose runner records the call it is given. */
async function urlOf(publicUrl: string | undefined, host: string, target: string): Promise<string> {
  const app = { name: 'app', config: {} };
  const route = newRoute('app', { path: '/hello', image: 'img' });
  const cache = { lookup: () => ({ ok: true as const, app, route }) } as unknown as RouteCache;
  let seen: CallRequest | undefined;
  const deps: GatewayDeps = {
    cache,
    runner: {
      run: (call) => {
        seen = call;
        return Promise.resolve({ status: 200, headers: [], body: Buffer.from('ok'), log: Buffer.alloc(0), outcome: 'success' });
      },
    },
    calls: { recordSync: () => undefined, enqueue: () => Promise.resolve(undefined) },
    log: createLogger('silent'),
    syncBodyLimit: 1024,
    asyncBodyLimit: 1024,
    ...(publicUrl === undefined ? {} : { publicUrl }),
  };
  const server = http.createServer(gatewayHandler(deps));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    // raw bytes: the Host header goes out exactly as a hostile client writes it
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(`POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString('latin1')));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
  } finally {
    server.close();
  }
  assert.ok(seen, 'the runner got the call');
  return seen.url;
}

gateway("without it the URL carries the client's Host (unchanged behaviour)", async () => {
  assert.is(await urlOf(undefined, 'evil.example', '/r/app/hello?x=1'), 'http://evil.example/r/app/hello?x=1');
});

gateway("with it the client's Host is ignored", async () => {
  assert.is(await urlOf('https://fn.example.com', 'evil.example', '/r/app/hello?x=1'), 'https://fn.example.com/r/app/hello?x=1');
  assert.is(await urlOf('https://example.com/fn', 'evil.example:666', '/r/app/hello'), 'https://example.com/fn/r/app/hello');
});

gateway('REQUEST_URL, Fn-Request-Url, request_url and the http target follow it (base path too)', () => {
  const url = 'https://example.com/fn/r/app/hello?x=1';
  const call = makeCall(fnSpec({ appName: 'app', path: '/hello', format: 'http' }), { url });
  const env = callEnv(call);
  assert.is(env.REQUEST_URL, url);
  assert.is(env.FN_REQUEST_URL, url);
  const req = encodeHttpRequest(call);
  assert.is(req.headers.find(([n]) => n === 'Fn-Request-Url')?.[1], url);
  assert.is(req.target, '/hello?x=1', 'the function still sees the route-relative target');
  const envelope = buildEnvelope(call);
  assert.is(envelope.request_url, url);
  assert.is(envelope.protocol.request_url, url);
});

setting.run();
gateway.run();
