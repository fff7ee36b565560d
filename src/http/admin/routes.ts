// /v1/apps/{app}/routes and /v1/routes. Route paths contain slashes, so the route is the URL's tail
// after /routes, raw or percent-encoded (`/hello/world` or `%2Fhello%2Fworld`; `//hello` is `/hello`).
// POST creates (and creates the app), PUT upserts, PATCH updates only, DELETE removes.
// GET <route>/history lists the route's kept definitions, POST <route>/rollback restores one (as an
// update). A route whose own path ends in /history is addressed with its slashes encoded
// (%2Fx%2Fhistory); with a raw slash, `<route>/history` is the history of <route> unless a route
// with the whole path exists.
import { Hono, type Context } from 'hono';
import type { HttpDeps } from '../deps.ts';
import { readBody, readJson } from '../body.ts';
import { rawPathname } from '../raw-path.ts';
import { validateAppName } from '../../models/app.ts';
import { ApiError, Errors, badRequest } from '../../models/errors.ts';
import { parseRouteBody, newRoute, applyRoutePatch, routePathFromUrl, routeJson, type Route } from '../../models/route.ts';
import { parseOr400 } from '../../models/schemas/kit.ts';
import { rollbackBody } from '../../models/schemas/route.ts';
import * as routes from '../../store/routes.ts';
import { listHistory } from '../../store/route-history.ts';
import { getApp } from '../../store/apps.ts';
import { missingSecrets } from '../../store/secrets.ts';
import type { Queryable } from '../../store/db.ts';

/** A route may list only secrets its app has (the database refuses the rest too: migration 0006). */
async function checkSecrets(db: Queryable, route: Route): Promise<void> {
  const missing = await missingSecrets(db, route.appName, route.secrets ?? []);
  if (missing.length > 0) {
    throw badRequest(
      `Invalid route secrets: app ${route.appName} has no secret ${missing.join(', ')} (create it first: PUT /v1/apps/${route.appName}/secrets/${missing[0]})`,
    );
  }
}

/** The raw tail of /v1/apps/{app}/routes/<tail>. */
function rawTail(c: Context): string {
  const m = /^\/v1\/apps\/[^/]+\/routes\/(.*)$/.exec(rawPathname(c));
  if (!m) throw badRequest('Missing route Path');
  return m[1]!;
}

/** The route path addressed by /v1/apps/{app}/routes/<tail>, taken from the raw URL. */
function urlRoutePath(c: Context): string {
  return routePathFromUrl(rawTail(c));
}

/** `<route>/<action>` (a raw slash before the action): the route's path, else undefined. */
function actionRoutePath(c: Context, action: string): string | undefined {
  const tail = rawTail(c);
  const suffix = `/${action}`;
  if (!tail.endsWith(suffix) || tail.length === suffix.length) return undefined;
  return routePathFromUrl(tail.slice(0, -suffix.length));
}

export function routesApi(deps: HttpDeps) {
  const { store, config, changes, limits } = deps;
  const db = store.db;
  const api = new Hono();
  const body = async (c: Context) => parseRouteBody(await readJson(c, config.PODFN_ADMIN_BODY_LIMIT), limits);

  api.get('/:app/routes', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    if (!(await getApp(db, appName))) throw Errors.appNotFound();
    const image = c.req.query('image');
    const list = await routes.listRoutes(db, { appName, image: image || undefined });
    return c.json({ message: 'Sucessfully listed routes', routes: list.map(routeJson) });
  });

  api.post('/:app/routes', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const route = newRoute(appName, await body(c));
    await checkSecrets(db, route);
    await routes.insertRoute(db, route);
    await changes.routeChanged(appName, route.path);
    return c.json({ message: 'Route successfully created', route: routeJson(route) });
  });

  // `<route>/history` first (Hono takes the first match); both fall back to each other's meaning
  const getRouteOrHistory = async (c: Context) => {
    const appName = validateAppName(c.req.param('app'));
    const path = urlRoutePath(c);
    const route = await routes.getRoute(db, appName, path);
    if (!route) {
      const of = actionRoutePath(c, 'history');
      if (of !== undefined) return history(c, appName, of);
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      throw Errors.routeNotFound();
    }
    const rollout = deps.rollout?.(appName, path);
    return c.json({ message: 'Successfully loaded route', route: routeJson(route), ...(rollout ? { rollout } : {}) });
  };
  api.get('/:app/routes/:route{.+}/history', getRouteOrHistory);
  api.get('/:app/routes/*', getRouteOrHistory);

  const history = async (c: Context, appName: string, path: string) => {
    const kept = await listHistory(db, appName, path);
    if (kept.length === 0) {
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      if (!(await routes.getRoute(db, appName, path))) throw Errors.routeNotFound();
    }
    return c.json({
      message: 'Successfully loaded route history',
      history: kept.map((v, i) => ({
        version: v.version,
        action: v.action,
        ...(v.restoredFrom !== undefined ? { restored_from: v.restoredFrom } : {}),
        current: i === 0,
        created_at: new Date(v.createdAt).toISOString(),
        route: routeJson(v.route),
      })),
    });
  };

  // POST <route>/rollback: a kept definition becomes the route again (a new version, rolled out as any update)
  api.post('/:app/routes/:route{.+}/rollback', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const path = actionRoutePath(c, 'rollback');
    if (path === undefined) throw Errors.routeNotFound();
    const raw = await readBody(c, config.PODFN_ADMIN_BODY_LIMIT);
    let input: unknown = {};
    if (raw.length > 0) {
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch {
        throw Errors.invalidJson();
      }
    }
    const target = parseOr400(rollbackBody, input);
    const done = await routes.rollbackRoute(db, appName, path, target.version !== undefined ? { version: target.version } : { back: target.back ?? 1 });
    if (!done) {
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      throw Errors.routeNotFound();
    }
    await changes.routeChanged(appName, path);
    return c.json({ message: `Route rolled back to version ${done.restored}`, restored_from: done.restored, route: routeJson(done.route) });
  });

  // PUT: an upsert (fn S-Aug17), so re-deploying is idempotent; PATCH: update only.
  const update = (upsert: boolean) => async (c: Context) => {
    const appName = validateAppName(c.req.param('app'));
    const path = urlRoutePath(c);
    const patch = await body(c);
    const patchExisting = () =>
      db.transaction(async (tx): Promise<Route | undefined> => {
        const old = await routes.getRoute(tx, appName, path);
        if (!old) return undefined;
        const next = applyRoutePatch(old, patch, path);
        if (patch.secrets) await checkSecrets(tx, next);
        await routes.updateRoute(tx, next);
        return next;
      });
    let route = await patchExisting();
    if (!route) {
      if (!upsert) {
        if (!(await getApp(db, appName))) throw Errors.appNotFound();
        throw Errors.routeNotFound();
      }
      route = newRoute(appName, patch, path);
      await checkSecrets(db, route);
      try {
        await routes.insertRoute(db, route);
      } catch (e) {
        // a concurrent PUT (here or on another node) created it first: ours becomes an update of it
        if (!(e instanceof ApiError && e.status === 409)) throw e;
        route = await patchExisting();
        if (!route) throw e;
      }
    }
    await changes.routeChanged(appName, path);
    return c.json({ message: 'Route successfully updated', route: routeJson(route) });
  };
  api.put('/:app/routes/*', update(true));
  api.patch('/:app/routes/*', update(false));

  api.delete('/:app/routes/*', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const path = urlRoutePath(c);
    if (!(await routes.deleteRoute(db, appName, path))) throw Errors.routeNotFound();
    await changes.routeChanged(appName, path);
    return c.json({ message: 'Route deleted' });
  });

  return api;
}

/** GET /v1/routes: every route of every app (seed), optional ?image= filter. */
export function allRoutesApi(deps: HttpDeps) {
  const api = new Hono();
  api.get('/', async (c) => {
    const image = c.req.query('image');
    const list = await routes.listRoutes(deps.store.db, { image: image || undefined });
    return c.json({ message: 'Sucessfully listed routes', routes: list.map(routeJson) });
  });
  return api;
}
