// Config maps (app and route `config`) and route `headers`: parsing (the rules live in the zod
// schemas of ./schemas/maps.ts) and the merge rules of updates: a config key set to "" is removed, a
// header given replaces that header.
import { badRequest } from './errors.ts';
import { parseOr400, setOwn } from './schemas/kit.ts';
import { configMap, headerMap, configCollision, CONFIG_MAX_KEYS } from './schemas/maps.ts';

export { CONFIG_MAX_KEYS, CONFIG_KEY_MAX, CONFIG_VALUE_MAX, RESERVED_HEADERS } from './schemas/maps.ts';

// Built once: a zod schema costs far more to build than to run.
const configSchemas = {
  create: new Map<string, ReturnType<typeof configMap>>(),
  update: new Map<string, ReturnType<typeof configMap>>(),
};
const headerSchemas = { create: headerMap({ allowEmpty: false }), update: headerMap({ allowEmpty: true }) };

function configSchema(what: string, allowEmpty: boolean) {
  const cache = allowEmpty ? configSchemas.update : configSchemas.create;
  let s = cache.get(what);
  if (!s) cache.set(what, (s = configMap(what, { allowEmpty })));
  return s;
}

/** A config map from a body; `what` names it in messages ("app config"). Absent or null is {}. */
export function parseConfigMap(v: unknown, what: string, opts: { allowEmptyValues?: boolean } = {}): Record<string, string> {
  return parseOr400(configSchema(what, opts.allowEmptyValues ?? false), v) ?? {};
}

/** Seed/fn merge: keys are set, a key set to "" is removed. */
export function mergeConfig(old: Record<string, string>, update: Record<string, string>, what = 'config'): Record<string, string> {
  const out = { ...old };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete out[k];
    else setOwn(out, k, v);
  }
  if (Object.keys(out).length > CONFIG_MAX_KEYS) throw badRequest(`Invalid config: at most ${CONFIG_MAX_KEYS} keys`);
  const collision = configCollision(out, update, what);
  if (collision) throw badRequest(collision);
  return out;
}

/**
 * Route headers from a body, `{"Name": ["v1","v2"]}` or `{"Name": "v"}`, as string arrays. An empty
 * value marks a removal on update (`allowEmpty`) and is left out otherwise. Absent or null is {}.
 */
export function parseHeaders(v: unknown, opts: { allowEmpty?: boolean } = {}): Record<string, string[]> {
  return parseOr400(opts.allowEmpty ? headerSchemas.update : headerSchemas.create, v) ?? {};
}

/** fn (S-Oct17) rule: a header given on update replaces that header; an empty value removes it. */
export function mergeHeaders(old: Record<string, string[]>, update: Record<string, string[]>): Record<string, string[]> {
  const out = { ...old };
  for (const [k, v] of Object.entries(update)) {
    for (const existing of Object.keys(out)) if (existing.toLowerCase() === k.toLowerCase()) delete out[existing];
    if (v.length > 0) setOwn(out, k, v);
  }
  return out;
}
