// Unit: the API contract, src/models/schemas, written once. Every refusal a request schema makes
// carries a message of the contract's own (zod's defaults would leak through parseOr400 as the
// fallback: a check without its message), for well-formed and hostile input alike (the fuzz suite's
// arbitraries); the OpenAPI document shows the server's own limits and the contract's defaults.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { z } from 'zod';
import { ApiError } from '../../src/models/errors.ts';
import { parseOr400, FALLBACK_MESSAGE } from '../../src/models/schemas/kit.ts';
import { appName, newAppBody, appUpdateBody, appUpdateName } from '../../src/models/schemas/app.ts';
import { routeBody, routePath, DEFAULTS, MAX_CONCURRENCY_MAX } from '../../src/models/schemas/route.ts';
import { callsQuery, taskReportBody, tasksN } from '../../src/models/schemas/queue.ts';
import { openApiDocument } from '../../src/http/openapi.ts';
import { routeFields, appFields, wrongType } from '../fuzz/admin-arbs.ts';

const limits = { maxMemoryMb: 512, maxTimeout: 60, maxIdleTimeout: 120 };
const test = suite('API contract (src/models/schemas)');

/** The message a schema refuses `v` with, or undefined when it accepts it. */
function refusal(schema: z.ZodType, v: unknown): string | undefined {
  try {
    parseOr400(schema, v);
    return undefined;
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, 400);
    return (e as ApiError).message;
  }
}

const anything = fc.oneof(fc.anything(), wrongType, fc.string());
const wrap = (key: string, inner: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: inner.map((v) => ({ [key]: v })), weight: 8 }, anything, inner);

test('no request schema refuses with a message it does not define', () => {
  const schemas: [string, z.ZodType, fc.Arbitrary<unknown>][] = [
    ['route body', routeBody(limits), wrap('route', fc.oneof(routeFields, anything))],
    ['new app body', newAppBody, wrap('app', fc.oneof(appFields, anything))],
    ['app update body', appUpdateBody, wrap('app', fc.oneof(appFields, anything))],
    ['app update name', appUpdateName, wrap('app', fc.oneof(appFields, anything))],
    [
      'task report',
      taskReportBody,
      fc.oneof(
        wrap(
          'task',
          fc.oneof(fc.record({ id: anything, status: anything, reason: anything, log: anything, status_code: anything }, { requiredKeys: [] }), anything),
        ),
      ),
    ],
    ['app name', appName, anything],
    [
      'route path',
      routePath,
      fc.oneof(
        anything,
        fc.string().map((s) => `/${s}`),
      ),
    ],
    ['n', tasksN, fc.oneof(fc.string(), fc.nat().map(String))],
    ...Object.entries(callsQuery).map(([k, s]): [string, z.ZodType, fc.Arbitrary<unknown>] => [
      k,
      s,
      fc.oneof(
        fc.string(),
        fc.nat().map(String),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
    ]),
  ];
  for (const [what, schema, arb] of schemas) {
    fc.assert(
      fc.property(arb, (v) => {
        const m = refusal(schema, v);
        assert.ok(m !== FALLBACK_MESSAGE, `${what}: ${JSON.stringify(v)?.slice(0, 200)} refused without a message of its own`);
      }),
      { numRuns: 3000, seed: 20_260_501 },
    );
  }
});

test('seed messages come from the schemas themselves', () => {
  assert.is(refusal(newAppBody, {}), 'Missing new application');
  assert.is(refusal(newAppBody, { app: [] }), 'Invalid app: must be an object');
  assert.is(refusal(newAppBody, { app: { name: 'é'.repeat(16) } }), 'App name must be 30 characters or less');
  assert.is(refusal(routeBody(limits), { route: { path: '/a:b' } }), 'Dynamic URL is not allowed');
  assert.is(refusal(routeBody(limits), { route: { memory: 513 } }), 'Invalid route memory: must be between 0 and 512 MiB');
  assert.is(
    refusal(routeBody(limits), { route: { config: { 'a.b': 'v' } } }),
    'Invalid config key "a.b" in route config: it cannot become an environment variable name (use letters, digits, _ and -; - becomes _)',
  );
  assert.is(refusal(taskReportBody, { id: 't', reason: {} }), 'Invalid task reason: must be a string');
});

interface Doc {
  components: { schemas: Record<string, { properties: Record<string, { properties: Record<string, { maximum?: number; default?: unknown }> }> }> };
}

test("the document's route body shows the server's limits and the contract's defaults", () => {
  const fields = (openApiDocument(limits) as Doc).components.schemas.RouteBody!.properties.route!.properties;
  assert.equal(
    [fields.memory?.maximum, fields.timeout?.maximum, fields.idle_timeout?.maximum, fields.max_concurrency?.maximum],
    [limits.maxMemoryMb, limits.maxTimeout, limits.maxIdleTimeout, MAX_CONCURRENCY_MAX],
  );
  assert.equal(
    [fields.memory?.default, fields.type?.default, fields.format?.default, fields.timeout?.default],
    [DEFAULTS.memory, DEFAULTS.type, DEFAULTS.format, DEFAULTS.timeout],
  );
});

test.run();
