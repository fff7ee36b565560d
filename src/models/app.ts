// App model: parsing of names and bodies (the rules live in the zod schemas of ./schemas/app.ts), and
// the merge rule of updates (a key set to "" is removed). Pure: no I/O.
import { badRequest } from './errors.ts';
import { mergeConfig } from './config-map.ts';
import { isPlainObject, parseOr400 } from './schemas/kit.ts';
import { appName, newAppBody, appUpdateName, appUpdateBody, NAME_IMMUTABLE } from './schemas/app.ts';

export { APP_NAME_MAX } from './schemas/app.ts';

export interface App {
  name: string;
  config: Record<string, string>;
  /** Function URLs: host names or *.suffix wildcards this app answers on (schemas/hosts.ts); absent when none */
  hosts?: string[];
}

/** What an update may change: config (merged) and, when given, the claimed hosts (replaced). */
export interface AppUpdate {
  config: Record<string, string>;
  hosts?: string[];
}

export function validateAppName(name: unknown): string {
  return parseOr400(appName, name);
}

/** Body of POST /v1/apps: {"app":{"name":..,"config":{..}}}. Unknown fields are ignored. */
export function parseNewApp(body: unknown): App {
  const { app } = parseOr400(newAppBody, body);
  return { name: app.name, config: app.config ?? {}, ...(app.hosts?.length ? { hosts: app.hosts } : {}) };
}

/** Body of PUT/PATCH /v1/apps/{app}: only config can change; a different name is rejected. */
export function parseAppUpdate(body: unknown, urlName: string): AppUpdate {
  // the seed judged the name before the config; the URL's name is known only here
  const { name } = parseOr400(appUpdateName, body).app;
  if (name !== undefined && name !== '' && name !== urlName) throw badRequest(NAME_IMMUTABLE);
  const { config, hosts } = parseOr400(appUpdateBody, body).app;
  return { config: config ?? {}, ...(hosts ? { hosts } : {}) };
}

export function applyAppUpdate(app: App, update: AppUpdate): App {
  const hosts = update.hosts ?? app.hosts;
  return { name: app.name, config: mergeConfig(app.config, update.config, 'app config'), ...(hosts?.length ? { hosts } : {}) };
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return isPlainObject(v) ? v : undefined;
}
