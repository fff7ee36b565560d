// `podfn routes list|create|inspect|update|delete|history`: the admin API's /v1/apps/{app}/routes.
import { admin, enc, routeSegment } from '../api.ts';
import { bool, int, keyValues, list, parse, positionals, str, type Values } from '../args.ts';
import { usage } from '../errors.ts';
import { details, emit, line, table, type Out } from '../output.ts';

export interface Route {
  app_name?: string;
  path: string;
  image: string;
  type?: string;
  format?: string;
  memory?: number;
  timeout?: number;
  idle_timeout?: number;
  max_concurrency?: number;
  config?: Record<string, string>;
  headers?: Record<string, string[]>;
  hosts?: string[];
  schedule?: string;
  schedule_next?: string;
  secrets?: string[];
}

const ROUTE_OPTIONS = {
  image: { type: 'string', short: 'i' },
  memory: { type: 'string', short: 'm' },
  type: { type: 'string', short: 't' },
  format: { type: 'string', short: 'f' },
  timeout: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-concurrency': { type: 'string' },
  config: { type: 'string', multiple: true, short: 'c' },
  header: { type: 'string', multiple: true, short: 'H' },
  host: { type: 'string', multiple: true },
  'no-hosts': { type: 'boolean' },
  schedule: { type: 'string' },
  secret: { type: 'string', multiple: true },
  'no-secrets': { type: 'boolean' },
} as const;

/** The route fields given on the command line (only those given: updates merge). */
function routeFields(v: Values): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  const image = str(v, 'image');
  if (image !== undefined) r.image = image;
  for (const k of ['type', 'format', 'schedule'] as const) if (str(v, k) !== undefined) r[k] = str(v, k);
  for (const [flag, field] of [
    ['memory', 'memory'],
    ['timeout', 'timeout'],
    ['idle-timeout', 'idle_timeout'],
    ['max-concurrency', 'max_concurrency'],
  ] as const) {
    const n = int(v, flag);
    if (n !== undefined) r[field] = n;
  }
  const config = keyValues(list(v, 'config'), 'config');
  if (Object.keys(config).length) r.config = config;
  const headers = keyValues(list(v, 'header'), 'header');
  if (Object.keys(headers).length) r.headers = headers;
  return { ...r, ...hostsField(v), ...secretsField(v) };
}

/** `--secret NAME` (repeatable): the app's secrets mounted at /run/secrets/NAME (an update replaces the list); `--no-secrets` removes them. */
function secretsField(v: Values): { secrets?: string[] } {
  const names = list(v, 'secret');
  if (bool(v, 'no-secrets')) {
    if (names.length) throw usage('--secret and --no-secrets contradict each other');
    return { secrets: [] };
  }
  return names.length ? { secrets: names } : {};
}

/**
 * Function URLs: `--host NAME` (repeatable) sets the claimed names (an update replaces the list),
 * `--no-hosts` releases them all. Shared by routes and apps.
 */
export function hostsField(v: Values): { hosts?: string[] } {
  const hosts = list(v, 'host');
  if (bool(v, 'no-hosts')) {
    if (hosts.length) throw usage('--host and --no-hosts contradict each other');
    return { hosts: [] };
  }
  return hosts.length ? { hosts } : {};
}

export function routeNotFound(app: string): string {
  return `list the routes with \`podfn routes list ${app}\`, or check the app name with \`podfn apps list\``;
}

/** ` on https://a, https://b` for a create's one line, or nothing. */
export const onHosts = (hosts: string[] | undefined) => (hosts?.length ? `, on ${hosts.join(', ')}` : '');

export function normalizePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

function printRoute(r: Route): void {
  details({ ...r });
}

/** The route's last rollout on the node that answered (GET on a route; docs/api.md). */
export interface Rollout {
  status: string;
  node: string;
  from_image: string;
  to_image: string;
  started_at: string;
  ended_at?: string;
  error?: string;
  retry_at?: string;
}

function printRollout(r: Rollout): void {
  const what =
    r.status === 'failed'
      ? `FAILED: ${r.to_image} could not start; ${r.from_image} keeps serving (retried by a call after ${r.retry_at ?? '?'}, or at once by an update)`
      : r.status === 'done'
        ? `done: ${r.to_image} serves (replaced ${r.from_image})`
        : `${r.status}: ${r.to_image} is starting; ${r.from_image} serves meanwhile`;
  details({ rollout: what, rollout_node: r.node, rollout_started: r.started_at, ...(r.error ? { rollout_error: r.error } : {}) });
}

export async function routes(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, ROUTE_OPTIONS);
  const out: Out = { json: bool(p.values, 'json') };
  switch (sub) {
    case 'list': {
      const [app] = positionals(p, 'routes list', ['app']);
      await admin('GET', `/v1/apps/${enc(app!)}`, undefined, 'list the apps with `podfn apps list`');
      const r = await admin<{ routes: Route[] }>('GET', `/v1/apps/${enc(app!)}/routes`);
      emit(out, r.routes, () =>
        table(
          ['path', 'image', 'type', 'format', 'memory', 'timeout', 'schedule'],
          r.routes.map((x) => [x.path, x.image, x.type ?? '', x.format ?? '', String(x.memory ?? ''), String(x.timeout ?? ''), x.schedule ?? '']),
          `no routes in app ${app}`,
        ),
      );
      return;
    }
    case 'create': {
      const [app, path] = positionals(p, 'routes create', ['app', 'path']);
      const fields = routeFields(p.values);
      if (fields.image === undefined) throw usage('routes create needs --image <image>, e.g. --image localhost/hello:0.0.1');
      const r = await admin<{ route: Route }>('POST', `/v1/apps/${enc(app!)}/routes`, { route: { ...fields, path: normalizePath(path!) } });
      emit(out, r.route, () => line(`created route ${app}${r.route.path} (${r.route.image})${onHosts(r.route.hosts)}`));
      return;
    }
    case 'inspect': {
      const [app, path] = positionals(p, 'routes inspect', ['app', 'path']);
      const r = await admin<{ route: Route; rollout?: Rollout }>('GET', `/v1/apps/${enc(app!)}/routes/${routeSegment(path!)}`, undefined, routeNotFound(app!));
      // --json: the route's fields, plus `rollout` when the answering node has one
      emit(out, r.rollout ? { ...r.route, rollout: r.rollout } : r.route, () => {
        printRoute(r.route);
        if (r.rollout) printRollout(r.rollout);
      });
      return;
    }
    case 'update': {
      const [app, path] = positionals(p, 'routes update', ['app', 'path']);
      const fields = routeFields(p.values);
      if (!Object.keys(fields).length)
        throw usage(
          'routes update needs at least one field option (--image, --memory, --type, --format, --timeout, --idle-timeout, --max-concurrency, --config, --header, --host, --no-hosts, --schedule, --secret, --no-secrets)',
        );
      const r = await admin<{ route: Route }>('PATCH', `/v1/apps/${enc(app!)}/routes/${routeSegment(path!)}`, { route: fields }, routeNotFound(app!));
      emit(out, r.route, () => line(`updated route ${app}${r.route.path}`));
      return;
    }
    case 'history': {
      const [app, path] = positionals(p, 'routes history', ['app', 'path']);
      const r = await admin<{
        history: Array<{ version: number; action: string; restored_from?: number; current: boolean; created_at: string; route: Route }>;
      }>('GET', `/v1/apps/${enc(app!)}/routes/${routeSegment(path!)}/history`, undefined, routeNotFound(app!));
      emit(out, r.history, () =>
        table(
          ['back', 'version', 'action', 'created', 'image', 'format', 'memory', 'timeout'],
          r.history.map((v, i) => [
            v.current ? 'current' : String(i),
            String(v.version),
            v.restored_from !== undefined ? `${v.action} of ${v.restored_from}` : v.action,
            v.created_at,
            v.route.image,
            v.route.format ?? '',
            String(v.route.memory ?? ''),
            String(v.route.timeout ?? ''),
          ]),
          `no history for ${app}${normalizePath(path!)}`,
        ),
      );
      return;
    }
    case 'delete': {
      const [app, path] = positionals(p, 'routes delete', ['app', 'path']);
      await admin('DELETE', `/v1/apps/${enc(app!)}/routes/${routeSegment(path!)}`, undefined, routeNotFound(app!));
      emit(out, { deleted: normalizePath(path!), app }, () => line(`deleted route ${app}${normalizePath(path!)}`));
      return;
    }
    default:
      throw usage(sub ? `unknown command: routes ${sub}` : 'routes needs a command: list, create, inspect, update, delete, history');
  }
}
