// Arbitraries for the admin fuzz test: app names, URL segments, route paths (valid ones, their URL
// spellings, and hostile ones), config, headers, route fields and whole request bodies: mostly valid
// values with hostile ones mixed in (wrong types, nulls, huge/negative/float numbers, special number
// tokens, deep nesting, unicode, NUL/control chars, CRLF, `..`, `//`, `%2e%2e`, very long strings,
// `__proto__` keys, non-JSON bytes, empty bodies, wrong content types). Boundaries (lengths, counts,
// enums, limits) come from the API's schemas (src/models/schemas), so they move with the contract.
import fc from 'fast-check';
import { ownObject } from './fuzz-kit.ts';
import { appFromSegment, pathFromTail, LIMITS } from './admin-spec.ts';
import { APP_NAME_MAX } from '../../src/models/schemas/app.ts';
import { ROUTE_PATH_MAX, IMAGE_MAX, JWT_KEY_MAX, JWT_KEY_MIN_BYTES, ROUTE_TYPES, ROUTE_FORMATS } from '../../src/models/schemas/route.ts';
import { CONFIG_MAX_KEYS, CONFIG_KEY_MAX, CONFIG_VALUE_MAX, HEADER_NAME_MAX, RESERVED_HEADERS } from '../../src/models/schemas/maps.ts';

/** A JSON token written as is into the body text (numbers JSON.stringify cannot produce, deep nesting). */
export class RawTok {
  constructor(readonly tok: string) {}
  toString() {
    return this.tok.length > 40 ? `RawTok(${this.tok.slice(0, 40)}...)` : `RawTok(${this.tok})`;
  }
}

/** JSON text of `v`, with RawTok values spliced in verbatim. */
export function toJsonText(v: unknown): string {
  const toks: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => (x instanceof RawTok ? `\u0000TOK${toks.push(x.tok) - 1}\u0000` : x)) ?? 'null';
  return text.replace(/"\\u0000TOK(\d+)\\u0000"/g, (_m, i: string) => toks[Number(i)]!);
}

const nest = (n: number) => new RawTok('{"a":'.repeat(n) + '1' + '}'.repeat(n));
const nestArr = (n: number) => new RawTok('['.repeat(n) + ']'.repeat(n));

/** Mostly `valid`, sometimes `hostile`. */
const mostlyValid = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>, ratio = 10) =>
  fc.oneof({ arbitrary: valid, weight: ratio }, { arbitrary: hostile, weight: 1 });

/** Values of every JSON type that are wrong almost everywhere. */
export const wrongType = fc.oneof(
  fc.constantFrom<unknown>(5, -1, 0, 1.5, true, false, [], {}, ['a'], { a: 'b' }, -0, 2 ** 53 + 2, Number.MAX_VALUE),
  fc.constantFrom(new RawTok('1e400'), new RawTok('-1e400'), new RawTok('1E-400'), nest(3000), nestArr(5000)),
  fc.jsonValue({ maxDepth: 3 }),
);

// ---------- app names ----------

export const APP_NAMES = ['a', 'b', 'App-1', 'x_y', 'Z'.repeat(APP_NAME_MAX)] as const;
export const validAppName = fc.oneof({ arbitrary: fc.constantFrom('a', 'b'), weight: 3 }, { arbitrary: fc.constantFrom(...APP_NAMES), weight: 2 });

const hostileNameString = fc.oneof(
  fc.constantFrom(
    '',
    'a'.repeat(APP_NAME_MAX + 1),
    'é',
    'a.b',
    'a b',
    '..',
    '.',
    'a/b',
    'a\u0000b',
    'a\nb',
    'a\r\n',
    '%2e%2e',
    'a%2Fb',
    ' a',
    'x'.repeat(5000),
    'ａ',
    '\ud800',
    'a\u200bb',
  ),
  fc.string({ maxLength: 40 }),
);
export const appNameValue = mostlyValid(validAppName, fc.oneof(hostileNameString, wrongType), 6);

export interface Seg {
  raw: string;
  /** the app this URL segment addresses, undefined when the URL must be refused */
  name: string | undefined;
}
const seg = (raw: string): Seg => ({ raw, name: appFromSegment(raw) });
const pctAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

export const appSeg: fc.Arbitrary<Seg> = fc.oneof(
  { arbitrary: validAppName.map(seg), weight: 12 },
  { arbitrary: validAppName.map((n) => seg(pctAll(n))), weight: 1 },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '%2e%2e',
          '..',
          '.',
          '%2E',
          'a%2Fb',
          'a%00b',
          '%zz',
          '%',
          'caf%C3%A9',
          'a%20b',
          'a.b',
          'x'.repeat(APP_NAME_MAX + 1),
          'x'.repeat(3000),
          '%F0%9F%98%80',
          'a%0D%0Ab',
          'a;b',
          "a'b",
          '%ED%A0%80',
          '-',
          '_',
        ),
        hostileNameString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
      )
      .map(seg),
    weight: 2,
  },
);

// ---------- route paths ----------

export const PATHS = [
  '/',
  '/a',
  '/a/b',
  '/hello/world',
  '/é/日本',
  "/x-y_z.~!$&'()*+,;=@",
  '/' + 'p'.repeat(ROUTE_PATH_MAX - 1),
  '/😀',
  '/a.b/..c/...',
  '/A/b/C',
] as const;
const segChar = fc.constantFrom(...'abcXYZ019-_.~!$&\'()*+,;=@éü日😀"<>[]^`{|}'.split(/(?:)/u));
const pathSegment = fc
  .array(segChar, { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''))
  .filter((s) => s !== '.' && s !== '..');
const randomPath = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((segs) => '/' + segs.join('/'));
export const validPath = fc.oneof(
  { arbitrary: fc.constantFrom('/', '/a', '/a/b'), weight: 4 },
  { arbitrary: fc.constantFrom(...PATHS), weight: 4 },
  { arbitrary: randomPath, weight: 1 },
);

const HOSTILE_PATHS = [
  'a',
  'a/b',
  '//a',
  '/a//b',
  '/a/../b',
  '/a/./b',
  '/..',
  '/.',
  '/a/..',
  '/a:b',
  '/:id',
  '/a?b',
  '/a#b',
  '/a%2Fb',
  '/%2e%2e',
  '/a b',
  '/a\tb',
  '/a\u0000b',
  '/a\r\nb',
  '/a\nInjected: 1',
  '/a\\b',
  '/a\u0085b',
  '/a\u009fb',
  '/a\u00a0b',
  '/a\u2028b',
  '/\ud800',
  '/a\udfffb',
  '/' + 'p'.repeat(ROUTE_PATH_MAX),
  '/' + 'p'.repeat(ROUTE_PATH_MAX - 1) + '/',
  '/a/',
];
export const pathValue = mostlyValid(
  validPath,
  fc.oneof(
    fc.constantFrom<unknown>(...HOSTILE_PATHS),
    wrongType,
    fc.string({ maxLength: 30 }).map((s) => '/' + s),
    fc.string({ unit: 'binary', maxLength: 10 }).map((s) => '/' + s),
  ),
  10,
);

export interface PathRef {
  raw: string;
  /** the route this URL tail addresses, undefined when the URL must be refused */
  path: string | undefined;
}
const ref = (raw: string): PathRef => ({ raw, path: pathFromTail(raw) });
const encSegs = (p: string) => p.split('/').slice(1).map(encodeURIComponent).join('/');

/** How a client may spell a route path after `/routes/`: per segment, `%2F`, CLI `//`, trailing `/`, all %XX. */
export const spellings = (p: string): PathRef[] => [
  ref(encSegs(p)),
  ref(encodeURIComponent(p)),
  ref('/' + encSegs(p)),
  ref(encSegs(p) + (p === '/' ? '' : '/')),
  ref(p.split('/').slice(1).map(pctAll).join('/')),
  ref(encodeURIComponent(p.slice(1))),
];
export const pathRefOf = (p: string): fc.Arbitrary<PathRef> => fc.constantFrom(...spellings(p));

/** An app's URL segment, plain or every byte %-encoded. */
export const segOf = (name: string, encoded: boolean): Seg => seg(encoded ? pctAll(name) : name);

const HOSTILE_TAILS = [
  '%2e%2e',
  'a/%2e%2e/b',
  'a/../b',
  '.',
  'a/.',
  'a%00b',
  'a%0d%0ab',
  '%zz',
  'a%3Ab',
  'a%3Fb',
  'a%23b',
  'a%25b',
  'a%20b',
  'p'.repeat(300),
  'a%5Cb',
  'a%2F%2E%2E%2Fb',
  '..%2F..%2Fx',
  '%C2%85',
  '%ED%A0%80',
  'a%2F%2Fb/',
];
export const pathRef: fc.Arbitrary<PathRef> = fc.oneof(
  { arbitrary: validPath.chain(pathRefOf), weight: 10 },
  { arbitrary: fc.constantFrom(...HOSTILE_TAILS).map(ref), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20 }).map((s) => ref(encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')))), weight: 1 },
);

// ---------- config, headers, route and app fields ----------

/**
 * Field arbitraries. With `hostile` false every value is valid (so sequences build real state); with
 * `hostile` true, mostly valid values with hostile ones mixed in.
 */
function fieldArbs(hostile: boolean) {
  const mostly = <T, U>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<U>, ratio = 10): fc.Arbitrary<T | U> => (hostile ? mostlyValid(valid, bad, ratio) : valid);

  const configKey = mostly(
    fc.constantFrom(
      'A',
      'B',
      'C',
      'db-url',
      '_k',
      'K'.repeat(CONFIG_KEY_MAX),
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'PODFN_X',
      'MY_PATH',
      'FNX',
    ),
    fc.oneof(
      fc.constantFrom('', '1A', 'A=B', 'a b', 'K'.repeat(CONFIG_KEY_MAX + 1), 'é', 'a\u0000', 'a\r\nb', '-a', '.a', '$A'),
      // well-formed keys that cannot be set: no env name, the same variable as a valid key, podfn's or the loader's names
      fc.constantFrom(
        'x.y',
        'a',
        'DB_URL',
        'Db-Url',
        'PATH',
        'ld-preload',
        'LD_LIBRARY_PATH',
        'FN_X',
        'fn-format',
        'header-x',
        'PARAM_ID',
        'APP_NAME',
        'method',
        'TASK_ID',
      ),
      fc.string({ maxLength: 10 }),
    ),
    8,
  );
  const configVal = mostly(
    fc.oneof(
      fc.constantFrom(
        '',
        '',
        'v',
        '1',
        'x'.repeat(CONFIG_VALUE_MAX),
        'é'.repeat(CONFIG_VALUE_MAX / 2),
        '日本語',
        '\t',
        'a\r\nb',
        'line1\nline2',
        '$(rm -rf /)',
        '"quoted"',
        '😀',
        '\ud800',
      ),
      fc.string({ maxLength: 20, unit: 'grapheme' }),
    ),
    fc.oneof(fc.constantFrom<unknown>('x'.repeat(CONFIG_VALUE_MAX + 1), 'é'.repeat(CONFIG_VALUE_MAX / 2 + 1), 'a\u0000b', '\u0000', null), wrongType),
    12,
  );
  const manyKeys = (n: number, prefix: string) => ownObject(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v'] as const));

  const configValue = mostly(
    fc.oneof(
      { arbitrary: fc.array(fc.tuple(configKey, configVal), { maxLength: 4 }).map((es) => ownObject(es)), weight: 10 },
      {
        arbitrary: fc
          .constantFrom(50, CONFIG_MAX_KEYS - 1, CONFIG_MAX_KEYS, CONFIG_MAX_KEYS + 1)
          .chain((n) => fc.constantFrom('K', 'L').map((p) => manyKeys(n, p))),
        weight: 1,
      },
    ),
    fc.oneof(fc.constantFrom<unknown>('x', ['x'], null), wrongType),
    10,
  );

  const headerName = mostly(
    fc.constantFrom('X-A', 'x-a', 'X-B', 'Content-Type', 'Set-Cookie', 'Cache-Control', '__proto__', 'X'.repeat(HEADER_NAME_MAX), "!#$%&'*+.^_`|~"),
    fc.oneof(
      fc.constantFrom('', 'X A', 'X:A', 'é', 'X'.repeat(HEADER_NAME_MAX + 1), 'a\r\nb', 'X\u0000', 'Content-Length', 'Transfer-Encoding', 'Fn-Call-Id', 'TE'),
      fc.constantFrom(...RESERVED_HEADERS),
    ),
    6,
  );
  const headerString = mostly(
    fc.constantFrom('v', 'w', '', 'text/plain', 'é', '\tx', 'a, b', 'x'.repeat(CONFIG_VALUE_MAX)),
    fc.constantFrom('a\r\nInjected: 1', 'a\nb', 'a\rb', '\u0000', '€', '\u0001', '\u007f', '😀', 'x'.repeat(CONFIG_VALUE_MAX + 1), '\ud800'),
    8,
  );
  const headerVal = mostly(
    fc.oneof(headerString, fc.array(headerString, { maxLength: 3 })),
    fc.oneof(fc.constantFrom<unknown>(null, [5], {}, 5, [null]), wrongType),
    10,
  );
  const headersValue = mostly(
    fc.array(fc.tuple(headerName, headerVal), { maxLength: 3 }).map((es) => ownObject(es)),
    fc.oneof(fc.constantFrom<unknown>('X-A: v', ['X-A'], null), wrongType),
    10,
  );

  // ---------- numbers, enums ----------

  const intValue = (max: number) =>
    mostly(
      fc.oneof(fc.constantFrom(0, 1, 30, max), fc.integer({ min: 0, max }), fc.constantFrom(new RawTok('1.0'), new RawTok('1e2'), new RawTok(`${max}.000`))),
      fc.oneof(
        fc.constantFrom<unknown>(-1, max + 1, 1.5, '30', null, true, 2 ** 31, -(2 ** 53), new RawTok('12345678901234567890123'), new RawTok('1e400')),
        wrongType,
      ),
      8,
    );

  const image = mostly(
    fc.constantFrom('img', 'img:1', 'localhost/podfn-test/echo:latest', 'a'.repeat(IMAGE_MAX), 'reg.io:5000/ns/img@sha256:abc', 'Img_2'),
    fc.oneof(fc.constantFrom<unknown>('', null, 'a'.repeat(IMAGE_MAX + 1), '-img', 'img name', 'img\n', 'é', '/img', 'img\u0000'), wrongType),
    8,
  );

  const jwtKey = mostly(
    fc.constantFrom('s'.repeat(JWT_KEY_MIN_BYTES), '', 'k'.repeat(JWT_KEY_MAX), 'é€😀 spaces ok, long enough', 'é'.repeat(JWT_KEY_MIN_BYTES / 2)),
    fc.oneof(
      fc.constantFrom<unknown>(
        'k'.repeat(JWT_KEY_MAX + 1),
        'a\nb',
        'a\u0000',
        '\u007f',
        null,
        'secret',
        'k'.repeat(JWT_KEY_MIN_BYTES - 1),
        'é'.repeat(JWT_KEY_MIN_BYTES / 2 - 1) + 'x',
      ),
      wrongType,
    ),
    6,
  );

  /** Fields of a route body (any may be missing), plus fields the API must ignore. */
  const routeFields = fc.record(
    {
      path: hostile ? pathValue : validPath,
      image,
      memory: intValue(LIMITS.memory),
      type: mostly(fc.constantFrom('', ...ROUTE_TYPES), fc.oneof(fc.constantFrom<unknown>('SYNC', 'hot', null), wrongType), 8),
      format: mostly(fc.constantFrom('', ...ROUTE_FORMATS), fc.oneof(fc.constantFrom<unknown>('HTTP', 'hot', 'cloudevent', null), wrongType), 8),
      max_concurrency: intValue(LIMITS.maxConcurrency),
      timeout: intValue(LIMITS.timeout),
      idle_timeout: intValue(LIMITS.idleTimeout),
      headers: headersValue,
      config: configValue,
      jwt_key: jwtKey,
      // ignored extras (the 0.1.43 CLI sends "error":{}), including look-alikes of real fields
      error: fc.constant({}),
      app_name: fc.constantFrom('other', 'a'),
      id: wrongType,
      jwt_protected: fc.boolean(),
      deep: fc.constant(nest(2000)),
    },
    { requiredKeys: [] },
  );

  const appFields = fc.record(
    {
      name: hostile ? appNameValue : validAppName,
      config: configValue,
      routes: fc.constant([]),
      extra: wrongType,
    },
    { requiredKeys: [] },
  );
  return { routeFields, appFields };
}

const clean = fieldArbs(false);
const dirty = fieldArbs(true);
export const routeFields = fc.oneof(clean.routeFields, dirty.routeFields);
export const appFields = fc.oneof(clean.appFields, dirty.appFields);

// ---------- bodies ----------

export interface BodySpec {
  bytes: Buffer | undefined;
  contentType?: string;
  chunked?: boolean;
  label: string;
}

const contentType = fc.constantFrom<string | undefined>(
  undefined,
  undefined,
  undefined,
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/xml',
  '',
);

/** Not JSON of an object: raw bytes, empty, truncated, trailing garbage, form-encoded... */
export const junkBytes: fc.Arbitrary<Buffer> = fc
  .oneof(
    fc
      .constantFrom(
        '',
        ' ',
        '{',
        '}',
        '{"app":',
        '{"route":{"path":"/a"',
        'null',
        '[]',
        '"x"',
        '1',
        'app=a&config=b',
        '<app/>',
        '{"app":{"name":"a"}} trailing',
        "{'app':{}}",
        '\u0000',
        'NaN',
        '{"app":{"name":"a",}}',
      )
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
    fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s)),
  )
  .filter((b) => {
    try {
      const v: unknown = JSON.parse(b.toString('utf8'));
      return v === null || typeof v !== 'object' || Array.isArray(v);
    } catch {
      return true;
    }
  });

/** A body built around `inner` (the fields object): wrapped, unwrapped, mis-wrapped, corrupted, or junk. */
export function bodyOf(wrapper: 'app' | 'route', inner: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<(over?: Record<string, unknown>) => BodySpec> {
  const shape = fc.oneof(
    { arbitrary: fc.constant('wrapped' as const), weight: 20 },
    {
      arbitrary: fc.constantFrom('bare' as const, 'null' as const, 'string' as const, 'array' as const, 'list' as const, 'both' as const, 'proto' as const),
      weight: 2,
    },
    { arbitrary: fc.constant('junk' as const), weight: 2 },
    { arbitrary: fc.constant('badutf8' as const), weight: 1 },
  );
  return fc
    .record({ shape, fields: inner, ct: contentType, chunked: fc.boolean(), junk: junkBytes, pos: fc.nat(), extraTop: fc.option(wrongType) })
    .map(({ shape, fields, ct, chunked, junk, pos, extraTop }) => {
      return (over: Record<string, unknown> = {}): BodySpec => {
        const f = ownObject([...Object.entries(fields), ...Object.entries(over)].filter(([, v]) => v !== DELETE));
        let v: unknown;
        switch (shape) {
          case 'wrapped':
          case 'badutf8':
            v = ownObject([[wrapper, f], ...(extraTop !== null ? ([['extra', extraTop]] as const) : [])]);
            break;
          case 'bare':
            v = f;
            break;
          case 'null':
            v = { [wrapper]: null };
            break;
          case 'string':
            v = { [wrapper]: 'x' };
            break;
          case 'array':
            v = { [wrapper]: [f] };
            break;
          case 'list':
            v = [{ [wrapper]: f }];
            break;
          case 'both':
            v = { [wrapper === 'app' ? 'route' : 'app']: f };
            break;
          case 'proto':
            v = JSON.parse(`{"__proto__":${toJsonText({ [wrapper]: 'x' })}}`);
            break;
          case 'junk':
            return { bytes: junk, contentType: ct, chunked, label: `junk ${JSON.stringify(junk.toString('latin1').slice(0, 60))}` };
        }
        let bytes = Buffer.from(toJsonText(v), 'utf8');
        if (shape === 'badutf8') {
          // invalid UTF-8 inside the first string value (after the first `":"`), so the JSON stays valid
          const at = bytes.indexOf('":"');
          if (at >= 0) {
            const i = at + 3;
            bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80].slice(0, 1 + (pos % 6))), bytes.subarray(i)]);
          }
        }
        return { bytes, contentType: ct, chunked, label: `${shape} ${short(bytes.toString('utf8'))}` };
      };
    });
}

export const DELETE = Symbol('delete');
const short = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}...(${s.length})` : s);
