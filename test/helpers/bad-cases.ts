// Table-driven bad-request checks for the black-box suites: each case must get its 4xx JSON error and
// leave everything stored exactly as it was. All cases run; the failure lists every one that failed.
import { expectError, expectNoChange, expectOk, type Body, type Client } from './http.ts';

export interface Case {
  method: string;
  target: string;
  body?: Body;
  status: number;
  message?: string | RegExp;
}

export const long = (n: number, ch = 'a') => ch.repeat(n);
export const manyKeys = (n: number, prefix = 'K') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
export const newRouteBody = (extra: Record<string, unknown>) => ({ route: { path: '/new', image: 'img', ...extra } });

/** Runs each case; returns one line per case that was not refused as expected or changed stored data. */
export async function caseFailures(c: Client, cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  for (const k of cases) {
    const what = `${k.method} ${k.target.slice(0, 100)} ${typeof k.body === 'string' ? k.body.slice(0, 80) : JSON.stringify(k.body)?.slice(0, 80)}`;
    try {
      await expectNoChange(c, what, async () => expectError(await c.req(k.method, k.target, k.body), k.status, k.message, what));
    } catch (e) {
      failures.push(`- ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return failures;
}

/** The data every bad-input suite starts from: an app with config and routes, an empty app, another app. */
export async function seedBaseline(c: Client): Promise<void> {
  expectOk(await c.post('/v1/apps', { app: { name: 'base', config: { APP: 'x' } } }));
  expectOk(await c.post('/v1/apps/base/routes', { route: { path: '/existing', image: 'img:1', config: { R: '1' }, headers: { 'X-H': 'h' } } }));
  expectOk(await c.post('/v1/apps/base/routes', { route: { path: '/', image: 'img:root' } }));
  expectOk(await c.post('/v1/apps', { app: { name: 'empty' } }));
  expectOk(await c.post('/v1/apps/other/routes', { route: { path: '/x', image: 'img:other' } }));
}
