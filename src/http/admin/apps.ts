// /v1/apps: list, create, get, update (PUT and PATCH merge config), delete (refused while the app has
// routes, as IronFunctions 0.1.18; or cascading, as fn: PODFN_APP_DELETE, ?cascade=true). Shapes and
// messages of IronFunctions 0.1.18; statuses as docs/api.md lists (200 on create, 400 validation, 409 dup).
import { Hono, type Context } from 'hono';
import type { HttpDeps } from '../deps.ts';
import { readJson } from '../body.ts';
import { parseNewApp, parseAppUpdate, applyAppUpdate, validateAppName } from '../../models/app.ts';
import { Errors } from '../../models/errors.ts';
import { parseOr400 } from '../../models/schemas/kit.ts';
import { appDeleteQuery } from '../../models/schemas/app.ts';
import { deletedBeforeRun } from '../../queue/call-from-row.ts';
import * as apps from '../../store/apps.ts';

export function appsApi(deps: HttpDeps) {
  const { store, config, changes, log } = deps;
  const db = store.db;
  const api = new Hono();

  api.get('/', async (c) => c.json({ message: 'Successfully listed applications', apps: await apps.listApps(db) }));

  api.post('/', async (c) => {
    const app = parseNewApp(await readJson(c, config.PODFN_ADMIN_BODY_LIMIT));
    await apps.insertApp(db, app);
    await changes.appChanged(app.name);
    return c.json({ message: 'App successfully created', app });
  });

  api.get('/:app', async (c) => {
    const name = validateAppName(c.req.param('app'));
    const app = await apps.getApp(db, name);
    if (!app) throw Errors.appNotFound();
    return c.json({ message: 'Successfully loaded app', app });
  });

  const update = async (c: Context) => {
    const name = validateAppName(c.req.param('app') ?? '');
    const patch = parseAppUpdate(await readJson(c, config.PODFN_ADMIN_BODY_LIMIT), name);
    const updated = await db.transaction(async (tx) => {
      const app = await apps.getApp(tx, name);
      if (!app) throw Errors.appNotFound();
      const next = applyAppUpdate(app, patch);
      await apps.updateAppConfig(tx, name, next.config, next.hosts ?? []);
      return next;
    });
    await changes.appChanged(name);
    return c.json({ message: 'App successfully updated', app: updated });
  };
  api.put('/:app', update);
  api.patch('/:app', update);

  // refuse (the seed): an app with routes stays (400). cascade (fn, PODFN_APP_DELETE=cascade or
  // ?cascade=true): its routes go too and its queued async calls end as errors, in one transaction.
  // appChanged drops the app and its routes from this node's cache and drains all of its hot pools;
  // other nodes learn every deleted route and the app from the change log.
  api.delete('/:app', async (c) => {
    const name = validateAppName(c.req.param('app'));
    const cascade = parseOr400(appDeleteQuery.cascade, c.req.query('cascade')) === 'true' || config.PODFN_APP_DELETE === 'cascade';
    if (cascade) {
      const res = await apps.deleteAppCascade(db, name, deletedBeforeRun(name), Date.now());
      if (!res.deleted) throw Errors.appNotFound();
      await changes.appChanged(name);
      if (res.routes || res.queuedCalls) log.info({ app: name, routes: res.routes, queued_calls_ended: res.queuedCalls }, 'app deleted with its routes');
      return c.json({ message: 'App deleted' });
    }
    const res = await apps.deleteApp(db, name);
    if (res === 'not_found') throw Errors.appNotFound();
    if (res === 'has_routes') throw Errors.appHasRoutes();
    await changes.appChanged(name);
    return c.json({ message: 'App deleted' });
  });

  return api;
}
