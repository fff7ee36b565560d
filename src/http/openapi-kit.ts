// Turning the API's zod schemas (src/models/schemas) into the parts of an OpenAPI 3.0 document: named
// component schemas that refer to each other, inline schemas (path and query parameters), and the
// small builders the path tables use. Schemas are converted as *input* (what a client sends; for
// answers, which have no transforms, input and output are the same).
import { z } from 'zod';
import { appName } from '../models/schemas/app.ts';

type Json = Record<string, unknown>;

const OPTIONS = { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' } as const;
const SCHEMAS = '#/components/schemas/';

/** zod's int check bounds every integer by the safe range; in the document that is noise. */
const SAFE_BOUNDS: Record<string, number> = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/** Drops what OpenAPI 3.0 schema objects do not have ($schema, $id) and the safe-integer bounds, at every depth. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v === null || typeof v !== 'object') return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$schema' || k === '$id' || SAFE_BOUNDS[k] === x) continue;
    out[k] = clean(x);
  }
  return out;
}

export function jsonSchemaOf(schema: z.ZodType): Json {
  return clean(z.toJSONSchema(schema, OPTIONS)) as Json;
}

/** Named schemas for `components.schemas`; one that contains another refers to it by `$ref`. */
export function componentSchemas(named: Record<string, z.ZodType>): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...OPTIONS, uri: (id) => `${SCHEMAS}${id}` });
  return clean(schemas) as Record<string, Json>;
}

/** Query parameters from a map of parameter name -> zod schema (the same schemas the handlers parse with). */
export function queryParams(shape: Record<string, z.ZodType>): Json[] {
  return Object.entries(shape).map(([name, schema]) => {
    const { description, ...json } = jsonSchemaOf(schema);
    // a parameter is optional when its schema takes a query without it
    return { name, in: 'query', required: !schema.safeParse(undefined).success, ...(description ? { description } : {}), schema: json };
  });
}

/** The `{app}` of a URL: an app name (validated with the body's rule). */
export const appParam = { name: 'app', in: 'path', required: true, schema: jsonSchemaOf(appName) };

export const ref = (name: string) => ({ $ref: `${SCHEMAS}${name}` });
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const err = (description: string) => ({ description, ...json(ref('Error')) });
export const ok = (description: string, schema: object) => ({ description, ...json(schema) });
