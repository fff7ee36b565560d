// func.yaml: IronFunctions' function file (name, version, runtime, entrypoint, path, type, format,
// memory, timeout, idle_timeout, max_concurrency, config, headers). Reads it with the strict YAML
// subset parser, validates every field with a message naming the line and the fix, and turns it into
// an image reference and a route body for the admin API.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT } from './errors.ts';
import { parseYamlSubset, YamlError, yamlString, type Entry, type Scalar } from './yaml-subset.ts';

export const RUNTIMES = ['node', 'python', 'sh'] as const;
export const FORMATS = ['default', 'http', 'json'] as const;
export const TYPES = ['sync', 'async'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type Format = (typeof FORMATS)[number];

export interface FuncFile {
  name: string;
  version: string;
  runtime: Runtime;
  entrypoint?: string;
  path: string;
  type: (typeof TYPES)[number];
  format: Format;
  memory?: number;
  timeout?: number;
  idle_timeout?: number;
  max_concurrency?: number;
  config: Record<string, string>;
  headers: Record<string, string>;
}

const FIELDS = [
  'name',
  'version',
  'runtime',
  'entrypoint',
  'path',
  'type',
  'format',
  'memory',
  'timeout',
  'idle_timeout',
  'max_concurrency',
  'config',
  'headers',
] as const;
const INTS = { memory: [1, 1024 * 1024], timeout: [0, 86400], idle_timeout: [0, 86400], max_concurrency: [0, 10000] } as const;
const IMAGE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ROUTE_PATH = /^(\/[A-Za-z0-9_.~!$&'()*+,;=@-]+)+$/;

export class FuncFileError extends CliError {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`, EXIT.BAD_FUNC, 'fix func.yaml (see `podfn help` for its fields), or create one with `podfn init`');
  }
}

function scalarOf(file: string, key: string, e: Entry): Scalar {
  if (e.value instanceof Map) throw new FuncFileError(file, `line ${e.line}: "${key}" must be a single value, not a map`);
  return e.value;
}

function oneOf<T extends string>(file: string, key: string, s: Scalar, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(s.value)) {
    throw new FuncFileError(file, `line ${s.line}: ${key} must be one of ${allowed.join(', ')} (got ${JSON.stringify(s.value)})`);
  }
  return s.value as T;
}

function stringMap(file: string, key: string, e: Entry): Record<string, string> {
  if (!(e.value instanceof Map)) {
    throw new FuncFileError(file, `line ${e.line}: "${key}" must be a map: write "${key}:" and then indented "KEY: value" lines`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of e.value) out[k] = v.value;
  return out;
}

/** Validates parsed entries; `file` names the file in messages. */
export function validateFunc(entries: Map<string, Entry>, file = 'func.yaml'): FuncFile {
  for (const [key, e] of entries) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new FuncFileError(file, `line ${e.line}: unknown field "${key}" (known fields: ${FIELDS.join(', ')})`);
    }
  }
  const get = (k: string) => entries.get(k);
  const nameE = get('name');
  if (!nameE) throw new FuncFileError(file, 'missing required field "name" (the image name, e.g. name: localhost/hello)');
  const name = scalarOf(file, 'name', nameE);
  if (!IMAGE_NAME.test(name.value)) {
    throw new FuncFileError(file, `line ${name.line}: name must be an image name (lower-case letters, digits, . _ - and /), got ${JSON.stringify(name.value)}`);
  }
  const runtimeE = get('runtime');
  if (!runtimeE) throw new FuncFileError(file, `missing required field "runtime" (one of ${RUNTIMES.join(', ')})`);
  const runtime = oneOf(file, 'runtime', scalarOf(file, 'runtime', runtimeE), RUNTIMES);
  const f: FuncFile = {
    name: name.value,
    version: '0.0.1',
    runtime,
    path: `/${name.value.split('/').pop()}`,
    type: 'sync',
    format: 'default',
    config: {},
    headers: {},
  };
  const version = get('version');
  if (version) {
    const v = scalarOf(file, 'version', version);
    if (!TAG.test(v.value))
      throw new FuncFileError(file, `line ${v.line}: version must be a valid image tag (letters, digits, _ . -), got ${JSON.stringify(v.value)}`);
    f.version = v.value;
  }
  const entry = get('entrypoint');
  if (entry) f.entrypoint = scalarOf(file, 'entrypoint', entry).value;
  const p = get('path');
  if (p) {
    const v = scalarOf(file, 'path', p);
    if (!ROUTE_PATH.test(v.value) || /\/\.\.?(\/|$)/.test(v.value) || v.value.length > 256) {
      throw new FuncFileError(
        file,
        `line ${v.line}: path must be an absolute route path like /hello (no //, . or .. segments, spaces, ? # % :), got ${JSON.stringify(v.value)}`,
      );
    }
    f.path = v.value;
  }
  const t = get('type');
  if (t) f.type = oneOf(file, 'type', scalarOf(file, 'type', t), TYPES);
  const fmt = get('format');
  if (fmt) f.format = oneOf(file, 'format', scalarOf(file, 'format', fmt), FORMATS);
  if (f.runtime === 'sh' && f.format !== 'default') {
    throw new FuncFileError(
      file,
      `line ${fmt?.line}: the sh runtime supports only format: default (hot formats need a socket server; use runtime: node or python)`,
    );
  }
  for (const [key, [min, max]] of Object.entries(INTS) as [keyof typeof INTS, readonly [number, number]][]) {
    const e = get(key);
    if (!e) continue;
    const v = scalarOf(file, key, e);
    if (v.quoted || !/^\d+$/.test(v.value) || Number(v.value) < min || Number(v.value) > max) {
      throw new FuncFileError(file, `line ${v.line}: ${key} must be an unquoted integer ${min}..${max}, got ${JSON.stringify(v.value)}`);
    }
    f[key] = Number(v.value);
  }
  const cfg = get('config');
  if (cfg) f.config = stringMap(file, 'config', cfg);
  const hdr = get('headers');
  if (hdr) f.headers = stringMap(file, 'headers', hdr);
  return f;
}

export function parseFunc(text: string, file = 'func.yaml'): FuncFile {
  try {
    return validateFunc(parseYamlSubset(text), file);
  } catch (e) {
    if (e instanceof YamlError) throw new FuncFileError(file, e.message);
    throw e;
  }
}

/** Reads <dir>/func.yaml (func.yml accepted too). */
export function loadFunc(dir: string): { func: FuncFile; file: string } {
  for (const n of ['func.yaml', 'func.yml']) {
    const file = path.join(dir, n);
    if (fs.existsSync(file)) return { func: parseFunc(fs.readFileSync(file, 'utf8'), file), file };
  }
  throw new CliError(
    `no func.yaml in ${path.resolve(dir)}`,
    EXIT.BAD_FUNC,
    'run this in a function folder, pass --dir, or create one with `podfn init --runtime node <name>`',
  );
}

/** name:version, with `localhost/` added to bare names (no registry is consulted). */
export function imageRef(f: FuncFile): string {
  const first = f.name.split('/')[0] ?? '';
  const qualified = f.name.includes('/') && (first === 'localhost' || /[.:]/.test(first)) ? f.name : `localhost/${f.name}`;
  return `${qualified}:${f.version}`;
}

/** The admin API route body this function deploys as. */
export function routeBody(f: FuncFile, image: string): Record<string, unknown> {
  const r: Record<string, unknown> = { path: f.path, image, type: f.type, format: f.format };
  for (const k of ['memory', 'timeout', 'idle_timeout', 'max_concurrency'] as const) if (f[k] !== undefined) r[k] = f[k];
  if (Object.keys(f.config).length) r.config = f.config;
  if (Object.keys(f.headers).length) r.headers = f.headers;
  return r;
}

export function funcToYaml(f: FuncFile): string {
  const lines: string[] = [];
  for (const k of FIELDS) {
    const v = f[k];
    if (v === undefined) continue;
    if (typeof v === 'object') {
      const entries = Object.entries(v);
      if (entries.length === 0) continue;
      lines.push(`${k}:`, ...entries.map(([mk, mv]) => `  ${mk}: ${yamlString(mv)}`));
    } else lines.push(`${k}: ${typeof v === 'number' ? v : yamlString(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
