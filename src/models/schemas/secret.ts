// Secrets on the wire: the name rule (a safe file name: it becomes /run/secrets/<name> in the
// function's container), the bodies of POST /v1/apps/{app}/secrets and PUT .../secrets/{name}, and
// the JSON clients get back: names and timestamps only, never a value.
import { z } from 'zod';
import { utf8Bytes, wrapped } from './kit.ts';

export const SECRET_NAME_MAX = 64;
/** Letters, digits, . _ -; not starting with a dot (so never `.`, `..` or a hidden file) */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** secrets one route may list */
export const ROUTE_SECRETS_MAX = 32;

export const secretName = z
  .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'Missing secret name' : 'Invalid secret name: must be a string') })
  .min(1, 'Missing secret name')
  .max(SECRET_NAME_MAX, `Invalid secret name: at most ${SECRET_NAME_MAX} characters`)
  .regex(SECRET_NAME, 'Invalid secret name: letters, digits, ., _ and -, not starting with . (it is a file name in /run/secrets)')
  .refine((n) => utf8Bytes(n) <= SECRET_NAME_MAX, `Invalid secret name: at most ${SECRET_NAME_MAX} characters`)
  .meta({ description: `the file name in /run/secrets: letters, digits, ., _ and -, not starting with .; at most ${SECRET_NAME_MAX} characters` });

const value = z
  .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'Missing secret value' : 'Invalid secret value: must be a string') })
  .min(1, 'Missing secret value')
  .meta({ description: 'write-only: never returned. The file holds its UTF-8 bytes, or the decoded bytes with encoding base64' });
const encoding = z
  .enum(['utf8', 'base64'], { error: 'Invalid secret encoding: utf8 or base64' })
  .optional()
  .meta({ description: 'how `value` is written (default utf8); base64 for binary values' });

const WRAPPER = { missing: 'Missing secret', notObject: 'Invalid secret: must be an object' };

/** POST /v1/apps/{app}/secrets: {"secret":{"name":..,"value":..,"encoding"?:..}} */
export const newSecretBody = wrapped('secret', { name: secretName, value, encoding }, WRAPPER);
/** PUT /v1/apps/{app}/secrets/{name}: {"secret":{"value":..,"encoding"?:..}}; a name, if given, must be the URL's */
export const secretBody = wrapped('secret', { name: secretName.optional(), value, encoding }, WRAPPER);

/** A route's `secrets`: names of its app's secrets, each once. */
export const routeSecrets = z
  .array(z.string({ error: 'Invalid route secrets: names must be strings' }).pipe(secretName), {
    error: 'Invalid route secrets: must be a list of secret names',
  })
  .max(ROUTE_SECRETS_MAX, `Invalid route secrets: at most ${ROUTE_SECRETS_MAX} names`)
  .refine((names) => new Set(names).size === names.length, 'Invalid route secrets: a name is listed twice')
  .meta({ description: "names of the app's secrets this route's containers get as read-only files /run/secrets/<name>; [] removes them all" });

export const secretJson = z.object({
  name: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime().meta({ description: 'the last replacement' }),
  routes: z.array(z.string()).meta({ description: 'paths of the routes that list it (a secret in use cannot be deleted)' }),
});
export type SecretJson = z.infer<typeof secretJson>;

export const secretAnswer = z.object({ message: z.string(), secret: secretJson });
export const secretsAnswer = z.object({ message: z.string(), secrets: z.array(secretJson) });
