// `podfn config set|unset <app> [<route>] KEY [VALUE]`: one config key of an app or a route (the admin
// API merges config on update and removes a key set to "").
import { admin, enc, routeSegment } from '../api.ts';
import { bool, parse } from '../args.ts';
import { usage } from '../errors.ts';
import { emit, line, type Out } from '../output.ts';
import { routeNotFound } from './routes.ts';

export async function config(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, {});
  const out: Out = { json: bool(p.values, 'json') };
  const a = p.positionals;
  let app: string | undefined, route: string | undefined, key: string | undefined, value: string;
  if (sub === 'set') {
    if (a.length === 3) [app, key, value] = a as [string, string, string];
    else if (a.length === 4) [app, route, key, value] = a as [string, string, string, string];
    else throw usage('config set takes <app> [<route>] <KEY> <VALUE>');
    if (value === '') throw usage('an empty value removes the key: use `podfn config unset`');
  } else if (sub === 'unset') {
    if (a.length === 2) [app, key] = a as [string, string];
    else if (a.length === 3) [app, route, key] = a as [string, string, string];
    else throw usage('config unset takes <app> [<route>] <KEY>');
    value = '';
  } else {
    throw usage(sub ? `unknown command: config ${sub}` : 'config needs a command: set, unset');
  }
  const patch = { config: { [key]: value } };
  let result: Record<string, string>;
  if (route === undefined) {
    const r = await admin<{ app: { config?: Record<string, string> } }>(
      'PATCH',
      `/v1/apps/${enc(app)}`,
      { app: patch },
      'list the apps with `podfn apps list`',
    );
    result = r.app.config ?? {};
  } else {
    const r = await admin<{ route: { config?: Record<string, string> } }>(
      'PATCH',
      `/v1/apps/${enc(app)}/routes/${routeSegment(route)}`,
      { route: patch },
      routeNotFound(app),
    );
    result = r.route.config ?? {};
  }
  const where = route === undefined ? `app ${app}` : `route ${app}${route.startsWith('/') ? route : `/${route}`}`;
  emit(out, { app, route: route ?? null, config: result }, () => line(sub === 'set' ? `${where}: ${key} set` : `${where}: ${key} removed`));
}
