// Command-line parsing on node's util.parseArgs: shared options (--json, --help), typed option
// specs per command, positional count checks and KEY=VALUE lists, all failing as usage errors (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usage } from './errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

export const COMMON: OptionSpec = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parse(argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    return { values: values, positionals };
  } catch (e) {
    throw usage((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** Exactly `names.length` positionals (optional ones end with `?`), else a usage error naming them. */
export function positionals(p: Parsed, command: string, names: string[]): string[] {
  const required = names.filter((n) => !n.endsWith('?')).length;
  if (p.positionals.length < required || p.positionals.length > names.length) {
    const shape = names.map((n) => (n.endsWith('?') ? `[${n.slice(0, -1)}]` : `<${n}>`)).join(' ');
    throw usage(`${command} takes ${shape} (got ${p.positionals.length} argument${p.positionals.length === 1 ? '' : 's'})`);
  }
  return p.positionals;
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

export function bool(v: Values, name: string): boolean {
  return v[name] === true;
}

export function list(v: Values, name: string): string[] {
  const x = v[name];
  if (x === undefined) return [];
  return (Array.isArray(x) ? x : [x]).filter((s): s is string => typeof s === 'string');
}

/** --opt 12 -> 12; a usage error for anything but a non-negative integer. */
export function int(v: Values, name: string): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw usage(`--${name} must be a non-negative integer (got ${JSON.stringify(s)})`);
  return Number(s);
}

/** ["A=1","B=x=y"] -> {A:"1",B:"x=y"}; "A=" keeps an empty value (which removes the key on update). */
export function keyValues(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw usage(`--${flag} takes KEY=VALUE (got ${JSON.stringify(item)})`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}
