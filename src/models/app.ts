// App model: validation of names and config, and the merge rule of updates (a key set to "" is removed).
// Pure: no I/O. May import only ./errors and ./config-map.
import { badRequest } from './errors.ts';
import { parseConfigMap, mergeConfig } from './config-map.ts';

export interface App {
  name: string;
  config: Record<string, string>;
}

export const APP_NAME_MAX = 30;

/** Seed rules and messages, with the seed's broken character check replaced by the intended one. */
export function validateAppName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw badRequest('Missing app name');
  if (typeof name !== 'string') throw badRequest('Invalid app name');
  if (Buffer.byteLength(name) > APP_NAME_MAX) throw badRequest('App name must be 30 characters or less');
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw badRequest('Invalid app name');
  return name;
}

/** Body of POST /v1/apps: {"app":{"name":..,"config":{..}}}. Unknown fields are ignored. */
export function parseNewApp(body: unknown): App {
  const wrapper = asObject(body);
  if (!wrapper || wrapper.app === undefined || wrapper.app === null) throw badRequest('Missing new application');
  const app = asObject(wrapper.app);
  if (!app) throw badRequest('Invalid app: must be an object');
  return { name: validateAppName(app.name), config: parseConfigMap(app.config, 'app config') };
}

/** Body of PUT/PATCH /v1/apps/{app}: only config can change; a different name is rejected. */
export function parseAppUpdate(body: unknown, urlName: string): { config: Record<string, string> } {
  const wrapper = asObject(body);
  if (!wrapper || wrapper.app === undefined || wrapper.app === null) throw badRequest('Missing new application');
  const app = asObject(wrapper.app);
  if (!app) throw badRequest('Invalid app: must be an object');
  if (app.name !== undefined && app.name !== '' && app.name !== urlName) {
    throw badRequest('Could not update app - name is immutable');
  }
  return { config: parseConfigMap(app.config, 'app config', { allowEmptyValues: true }) };
}

export function applyAppUpdate(app: App, update: { config: Record<string, string> }): App {
  return { name: app.name, config: mergeConfig(app.config, update.config, 'app config') };
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
