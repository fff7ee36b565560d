// Apps on the wire: the name rule, the bodies of POST /v1/apps and PUT/PATCH /v1/apps/{app}, and the
// JSON clients get back. Messages are the seed's; its broken character check is replaced by the
// intended one (letters, digits, _ and -).
import { z } from 'zod';
import { absentable, utf8Bytes, wrapped } from './kit.ts';
import { configMap } from './maps.ts';
import { appHosts, hostsJson } from './hosts.ts';

export const APP_NAME_MAX = 30;
export const APP_NAME = /^[A-Za-z0-9_-]+$/;
const TOO_LONG = `App name must be ${APP_NAME_MAX} characters or less`;

export const appName = z
  .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'Missing app name' : 'Invalid app name') })
  .min(1, 'Missing app name')
  // the rule is bytes (the refine); for the ASCII names the pattern allows that is the same as characters
  .max(APP_NAME_MAX, TOO_LONG)
  .refine((n) => utf8Bytes(n) <= APP_NAME_MAX, TOO_LONG)
  .regex(APP_NAME, 'Invalid app name');

const WRAPPER = { missing: 'Missing new application', notObject: 'Invalid app: must be an object' };

/** POST /v1/apps: {"app":{"name":..,"config":{..}}}; config keys set to "" are left out. */
export const newAppBody = wrapped(
  'app',
  { name: appName, config: configMap('app config', { allowEmpty: false }), hosts: absentable(appHosts, { emptyIsAbsent: false }) },
  WRAPPER,
);

export const NAME_IMMUTABLE = 'Could not update app - name is immutable';

/** The name in an update body: the app's own or left out ("" too); any other value, strings or not, is refused. */
const updateName = z.string({ error: NAME_IMMUTABLE }).optional().meta({ description: "the app's own name, or left out: names cannot change" });
const updateConfig = configMap('app config', { allowEmpty: true });

/**
 * PUT/PATCH /v1/apps/{app}: only config changes ("" removes a key). Whether the name is the URL's is
 * known per request, and the seed judged it before the config: the name part parses first, alone
 * (`appUpdateName`), so these schemas stay built once.
 */
export const appUpdateName = wrapped('app', { name: updateName }, WRAPPER);
export const appUpdateBody = wrapped('app', { name: updateName, config: updateConfig, hosts: absentable(appHosts, { emptyIsAbsent: false }) }, WRAPPER);

const stringMap = z.record(z.string(), z.string());

export const appJson = z.object({ name: appName, config: stringMap, hosts: hostsJson });
export type AppJson = z.infer<typeof appJson>;

export const appAnswer = z.object({ message: z.string(), app: appJson });
export const appsAnswer = z.object({ message: z.string(), apps: z.array(appJson) });

/**
 * DELETE /v1/apps/{app}?cascade=: `true` deletes the app with its routes (fn's dialect) whatever
 * PODFN_APP_DELETE says; `false` or absent follows PODFN_APP_DELETE (refuse by default). Any other
 * value, "" included, is refused naming the parameter.
 */
export const appDeleteQuery = {
  cascade: z.enum(['true', 'false'], { error: 'Invalid cascade: true or false' }).optional().meta({
    description:
      "true: delete the app with its routes and end its queued async calls (status error), as fn does; false or absent: the server's PODFN_APP_DELETE (default refuse: 400 Cannot remove apps with routes)",
  }),
};
