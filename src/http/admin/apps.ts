// /v1/apps: list, create, get, update (PUT and PATCH merge config), delete. Shapes and messages of
// IronFunctions 0.1.18; statuses as the README lists (200 on create, 400 validation, 409 dup).
import { Hono, type Context } from 'hono';
import type { HttpDeps } from '../deps.ts';
import { readJson } from '../body.ts';
import { parseNewApp, parseAppUpdate, applyAppUpdate, validateAppName } from '../../models/app.ts';
import { Errors } from '../../models/errors.ts';
import * as apps from '../../store/apps.ts';

export function appsApi(deps: HttpDeps) {
  const { store, config, changes } = deps;
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
      await apps.updateAppConfig(tx, name, next.config);
      return next;
    });
    await changes.appChanged(name);
    return c.json({ message: 'App successfully updated', app: updated });
  };
  api.put('/:app', update);
  api.patch('/:app', update);

  api.delete('/:app', async (c) => {
    const name = validateAppName(c.req.param('app'));
    const res = await apps.deleteApp(db, name);
    if (res === 'not_found') throw Errors.appNotFound();
    if (res === 'has_routes') throw Errors.appHasRoutes();
    await changes.appChanged(name);
    return c.json({ message: 'App deleted' });
  });

  return api;
}
