// Memory that follows demand, end to end with real Podman: a gateway whose memory budget
// (PODFN_TOTAL_MEMORY_MB) holds one hot container but not two. Two hot routes called alternately each
// find the other's idle container holding the memory: it is evicted at once (instead of the call waiting
// PODFN_MEMORY_WAIT_MS and answering 503), so every call answers 200, and /metrics counts the evictions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reservedMemoryMb } from '../../src/runner/container-spec.ts';
import { defaultRunnerOptions } from '../../src/runner/options.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, type Client } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';

const test = suite('memory eviction');
const APP = `ev${Date.now().toString(36)}`;
const MEMORY_MB = 64;
let srv: TestServer;
let api: Client;

test.before(async () => {
  await requirePodman();
  const one = reservedMemoryMb(MEMORY_MB, defaultRunnerOptions()); // route memory plus the writable tmpfs
  srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `evtest-${process.pid}`,
      PODFN_TOTAL_MEMORY_MB: String(Math.floor(one * 1.5)),
      // without eviction every other call would wait this long (an hour-long idle_timeout) and answer 503
      PODFN_MEMORY_WAIT_MS: '20000',
    },
  });
  api = client(srv.url);
  assert.is((await api.post('/v1/apps', { app: { name: APP } })).status, 200);
  for (const path of ['/a', '/b']) {
    const res = await api.post(`/v1/apps/${APP}/routes`, {
      route: { path, image: image('echo'), format: 'http', memory: MEMORY_MB, idle_timeout: 3600, timeout: 60 },
    });
    assert.is(res.status, 200, res.text);
  }
});

test.after(async () => {
  await srv?.stop();
});

async function evictions(): Promise<number> {
  const text = (await api.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('podfn_hot_evictions_total'));
  assert.ok(line, 'podfn_hot_evictions_total is exposed');
  return Number(line.split(' ').pop());
}

test('two hot routes that together exceed the budget, called alternately, answer 200 every time', async () => {
  assert.is(await evictions(), 0);
  const CALLS = 6;
  for (let i = 0; i < CALLS; i++) {
    const path = i % 2 === 0 ? '/a' : '/b';
    const t0 = Date.now();
    const res = await api.post(`/r/${APP}${path}`, `call ${i}`, { headers: { 'content-type': 'text/plain' } });
    assert.is(res.status, 200, `call ${i} to ${path} (after ${Date.now() - t0} ms): ${res.text}`);
    assert.match(res.text, `call ${i}`);
  }
  assert.is(await evictions(), CALLS - 1, 'each call but the first evicted the other route');
  const state = (await api.get('/readyz')).json<{ checks: { runner: { detail: { memory: { usedMb: number; totalMb: number } } } } }>().checks.runner.detail;
  assert.ok(state.memory.usedMb <= state.memory.totalMb, JSON.stringify(state.memory));
});

test.run();
