// src/http: where requests enter. server.ts is the node server (every request: /r to the gateway
// handler it is handed, the rest to this app); this file is the Hono admin app. It routes the admin
// API (/v1), the task API (/tasks) and the system endpoints, and turns every error into a JSON error
// body (src/request/errors.ts, the mapping /r uses too). With an admin token or JWT key configured,
// everything but the system endpoints and /metrics needs it (deny by default: a path this file forgets
// to list is protected, not open). The web console (src/ui) is mounted here too: its pages and login
// are open, and a /v1 request may authenticate with the console's session cookie instead of the
// bearer credential, only together with the session's CSRF header and a same-origin Origin.
// May import: hono, request, models, store, queue, cluster (types), gateway (route-cache's cleanPath
// only), metrics, ui, config (types), log (types), version, node built-ins; the rest of podfn reaches it
// through the narrow interfaces in deps.ts. Never runner: /r and its runner are wired in src/main.ts.
import { Hono, type Context } from 'hono';
import type { HttpDeps } from './deps.ts';
import { errorHandler, jsonError } from './errors.ts';
import { rawPathname } from './raw-path.ts';
import { hasDotSegment } from '../request/dot-segments.ts';
import { systemApi } from './system.ts';
import { appsApi } from './admin/apps.ts';
import { routesApi, allRoutesApi } from './admin/routes.ts';
import { secretsApi } from './admin/secrets.ts';
import { openApiDocument } from './openapi.ts';
import { callsApi } from './admin/calls.ts';
import { tasksApi } from './tasks.ts';
import { nodesApi } from './admin/nodes.ts';
import { statsApi } from './admin/stats.ts';
import { credentialChecker, requireAdmin } from './auth.ts';
import { CONTENT_TYPE } from '../metrics/registry.ts';
import { consoleServer } from '../ui/index.ts';

/** Paths anyone may call even when admin authentication is on (/r never reaches this app). */
const OPEN_PATHS = new Set(['/', '/version', '/healthz', '/readyz', '/metrics']);

export function buildApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.notFound((c) => jsonError(c, 404, 'Path not found'));
  // The URL parser resolves `..` before routing, so `/v1/apps/x/%2e%2e/base` would address app `base`:
  // refuse dot segments on the raw target instead of acting on a different resource.
  app.use('*', async (c: Context, next) => {
    if (hasDotSegment(rawPathname(c))) return jsonError(c, 400, 'Path malformed: . and .. segments are not allowed');
    await next();
  });
  const check = credentialChecker({ tokens: deps.config.PODFN_ADMIN_TOKEN, jwtKey: deps.config.PODFN_JWT_KEY });
  // the web console (src/ui): its pages and login are open; its API calls carry a session cookie
  // plus the session's CSRF header instead of the bearer token (ConsoleServer.authenticates)
  const ui = deps.config.PODFN_CONSOLE === 'on' ? consoleServer({ check, sessionMs: deps.config.PODFN_CONSOLE_SESSION_MS }) : undefined;
  if (check) {
    const guard = requireAdmin(check, () => deps.metrics?.error('unauthorized'));
    const open = (p: string) => OPEN_PATHS.has(p) || (ui !== undefined && (p === '/ui' || p.startsWith('/ui/')));
    app.use('*', async (c: Parameters<typeof guard>[0], next) => {
      if (open(c.req.path)) return next();
      if (ui && c.req.header('authorization') === undefined && ui.authenticates(c)) return next();
      return guard(c, next);
    });
  }
  const metrics = deps.metrics;
  if (metrics) app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': CONTENT_TYPE }));

  if (ui) app.route('/', ui.app);
  app.route('/', systemApi(deps));
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument(deps.limits)));
  app.route('/v1/apps', appsApi(deps));
  app.route('/v1/apps', routesApi(deps));
  app.route('/v1/apps', secretsApi(deps));
  app.route('/v1/routes', allRoutesApi(deps));
  app.route('/v1/apps', callsApi({ store: deps.store }));
  if (deps.nodes) app.route('/v1/nodes', nodesApi(deps.nodes));
  if (deps.stats) app.route('/v1/stats', statsApi(deps.stats));
  const queue = deps.queue;
  if (queue) app.route('/', tasksApi({ tasks: queue.tasks, bodyLimit: deps.config.PODFN_ADMIN_BODY_LIMIT, stats: () => queue.stats() }));
  return app;
}
