// Building blocks of the API's zod schemas, and the one place zod issues become API errors.
// The schemas carry the seed's (IronFunctions 0.1.18) messages as their issue messages; a request is
// refused with the message of the *first* issue, so the order of fields in an object and of checks
// on a value is the order the seed checked them in. Pure: may import only zod and ../errors.
import { z } from 'zod';
import { badRequest } from '../errors.ts';

/** What a schema answers when an issue has no message of its own: a schema in this folder forgot one. */
export const FALLBACK_MESSAGE = 'Invalid request';

/** Parses `input` or throws 400 with the first issue's message (the seed reported one problem at a time). */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const res = schema.safeParse(input, { error: () => FALLBACK_MESSAGE });
  if (res.success) return res.data;
  throw badRequest(firstMessage(res.error));
}

export function firstMessage(err: z.ZodError): string {
  return err.issues[0]?.message ?? FALLBACK_MESSAGE;
}

/**
 * A field the seed treated as not given when it is null (and, with `emptyIsAbsent`, ""): clients send
 * `"image": ""` or `null` to mean "leave it". Such a value parses to undefined.
 */
export function absentable<T extends z.ZodType>(schema: T, opts: { emptyIsAbsent: boolean }) {
  return z.preprocess((v) => (v === null || (opts.emptyIsAbsent && v === '') ? undefined : v), schema.optional());
}

export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * An integer in [min, max] (the route's limits). The seed judged "an integer?" before "in range?",
 * including for integers beyond 2^53, which zod's int check refuses: those get the range message.
 */
export function intIn(min: number, max: number, messages: { notInt: string; range: string }) {
  return z
    .number({ error: messages.notInt })
    .int({ error: (iss) => (Number.isInteger(iss.input) ? messages.range : messages.notInt) })
    .min(min, messages.range)
    .max(max, messages.range);
}

/** JSON objects the API reads as objects: not null, not arrays. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A body wrapper, `{"app": {...}}` or `{"route": {...}}`: a body that is not an object, or lacks the
 * wrapper (or has it null), is refused with `missing`; a wrapper that is not an object with `notObject`.
 * Other top-level fields are ignored (IronFunctions' CLIs send extras).
 */
export function wrapped<K extends string, S extends z.ZodRawShape>(key: K, shape: S, messages: { missing: string; notObject: string }) {
  const inner = z.object(shape, { error: (iss) => (iss.input === undefined || iss.input === null ? messages.missing : messages.notObject) });
  return z.preprocess((b) => (isPlainObject(b) ? b : {}), z.object({ [key]: inner } as { [P in K]: typeof inner }));
}

/** Sets an own property, so a key like `__proto__` is stored as data instead of replacing the prototype. */
export function setOwn<V>(o: Record<string, V>, k: string, v: V): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * Compile-time proof that a hand-written type fits a schema's type (`A` must be assignable to `B`):
 * for answers built elsewhere (src/queue) whose shapes the OpenAPI document takes from a schema here.
 */
export type Conforms<A extends B, B> = [A, B];
