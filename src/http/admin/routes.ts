// /v1/apps/{app}/routes and /v1/routes. Route paths contain slashes, so the route is the URL's tail
// after /routes, raw or percent-encoded (`/hello/world` or `%2Fhello%2Fworld`; `//hello` is `/hello`).
// POST creates (and creates the app), PUT upserts, PATCH updates only, DELETE removes.
import { Hono, type Context } from 'hono';
import type { HttpDeps } from '../deps.ts';
import { readJson } from '../body.ts';
import { rawPathname } from '../raw-path.ts';
import { validateAppName } from '../../models/app.ts';
import { ApiError, Errors, badRequest } from '../../models/errors.ts';
import { parseRouteBody, newRoute, applyRoutePatch, routePathFromUrl, routeJson, type Route } from '../../models/route.ts';
import * as routes from '../../store/routes.ts';
import { getApp } from '../../store/apps.ts';

/** The route path addressed by /v1/apps/{app}/routes/<tail>, taken from the raw URL. */
function urlRoutePath(c: Context): string {
  const m = /^\/v1\/apps\/[^/]+\/routes\/(.*)$/.exec(rawPathname(c));
  if (!m) throw badRequest('Missing route Path');
  return routePathFromUrl(m[1]!);
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
    await routes.insertRoute(db, route);
    await changes.routeChanged(appName, route.path);
    return c.json({ message: 'Route successfully created', route: routeJson(route) });
  });

  api.get('/:app/routes/*', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const route = await routes.getRoute(db, appName, urlRoutePath(c));
    if (!route) {
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      throw Errors.routeNotFound();
    }
    return c.json({ message: 'Successfully loaded route', route: routeJson(route) });
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
