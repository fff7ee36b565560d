// A stand-alone queue process for the multi-process suites: opens the database file given in argv,
// starts the async workers with an invoker that appends "<label> <call id>" to a runs file when a call
// starts, sleeps SLEEP_MS (aborted by the shutdown), and succeeds. SIGTERM stops it gracefully.
// Usage: node --import tsx test/queue/claim-worker.ts <dbUrl> <runsFile> <label> <optionsJSON>
import fs from 'node:fs';
import { openStore } from '../../src/store/db.ts';
import { RouteCache } from '../../src/gateway/route-cache.ts';
import { startQueue, defaultQueueOptions, type QueueOptions } from '../../src/queue/index.ts';
import type { CallRequest, CallResult } from '../../src/runner/types.ts';

const [dbUrl, runsFile, label, json] = process.argv.slice(2);
if (!dbUrl || !runsFile || !label) throw new Error('usage: claim-worker.ts <dbUrl> <runsFile> <label> [optionsJSON]');
const { sleepMs = 5, ...overrides } = JSON.parse(json ?? '{}') as Partial<QueueOptions> & { sleepMs?: number };

const store = await openStore(dbUrl);
const cache = new RouteCache(store.db);
await cache.loadAll();

const invoker = {
  run(call: CallRequest): Promise<CallResult> {
    fs.appendFileSync(runsFile, `${label} ${call.id}\n`);
    return new Promise((resolve) => {
      const done = (status: number) => {
        const now = Date.now();
        resolve({
          status,
          headers: [],
          body: Buffer.from(label),
          log: Buffer.from(`ran on ${label}\n`),
          outcome: status === 200 ? 'success' : 'error',
          completedAt: now,
          reason: status === 200 ? undefined : 'killed',
          error: status === 200 ? undefined : 'Call aborted',
        });
      };
      const t = setTimeout(() => done(200), sleepMs);
      call.signal?.addEventListener('abort', () => {
        clearTimeout(t);
        done(499);
      });
    });
  },
};
const log = {
  info: () => {},
  warn: (o: object, m: string) => process.stderr.write(`${label} warn ${m} ${JSON.stringify(o)}\n`),
  error: (o: object, m: string) => process.stderr.write(`${label} error ${m} ${JSON.stringify(o)}\n`),
};
const queue = await startQueue({ store, routes: cache, invoker, log, options: defaultQueueOptions({ nodeId: label, pollMs: 50, ...overrides }) });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void queue.stop().then(() => {
    store.close();
    process.exit(0);
  });
});
