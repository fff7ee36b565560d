// App queries. Uniqueness and "no routes left" are enforced by the database in one statement, so
// concurrent requests get exactly one success and clean conflicts; a cascading delete (fn's dialect)
// is one transaction.
import { eq, sql, asc } from 'drizzle-orm';
import { apps, routes } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import { failQueuedOfApp } from './queue.ts';
import { logAppChange } from './cluster.ts';
import type { App } from '../models/app.ts';
import { Errors } from '../models/errors.ts';
import { isUniqueViolation } from './sql-errors.ts';
import { hostConflict, isHostClaimViolation } from './hosts.ts';

const toApp = (r: { name: string; config: Record<string, string>; hosts: string[] | null }): App => ({
  name: r.name,
  config: r.config ?? {},
  ...(r.hosts?.length ? { hosts: r.hosts } : {}),
});
const appColumns = { name: apps.name, config: apps.config, hosts: apps.hosts };

export async function listApps(db: Queryable): Promise<App[]> {
  const rows = await db.select(appColumns).from(apps).orderBy(asc(apps.name));
  return rows.map(toApp);
}

export async function getApp(db: Queryable, name: string): Promise<App | undefined> {
  const row = await db.select(appColumns).from(apps).where(eq(apps.name, name)).get();
  return row && toApp(row);
}

export async function insertApp(db: Queryable, app: App): Promise<App> {
  const now = Date.now();
  try {
    await db.insert(apps).values({ name: app.name, config: app.config, hosts: app.hosts ?? [], createdAt: now, updatedAt: now });
  } catch (e) {
    if (isHostClaimViolation(e)) throw await hostConflict(db, app.hosts ?? [], { appName: app.name, path: null });
    if (isUniqueViolation(e)) throw Errors.appExists();
    throw e;
  }
  return app;
}

/** Writes the merged config (and the claimed hosts, when given) computed by the caller. */
export async function updateAppConfig(db: Queryable, name: string, config: Record<string, string>, hosts?: string[]): Promise<boolean> {
  try {
    const res = await db
      .update(apps)
      .set({ config, updatedAt: Date.now(), ...(hosts ? { hosts } : {}) })
      .where(eq(apps.name, name));
    return res.rowsAffected > 0;
  } catch (e) {
    if (hosts && isHostClaimViolation(e)) throw await hostConflict(db, hosts, { appName: name, path: null });
    throw e;
  }
}

/** Deletes an app that has no routes, in one statement (its secrets go with it: a trigger, migration 0006). */
export async function deleteApp(db: Queryable, name: string): Promise<'deleted' | 'not_found' | 'has_routes'> {
  const res = await db.delete(apps).where(sql`${apps.name} = ${name} AND NOT EXISTS (SELECT 1 FROM ${routes} WHERE ${routes.appName} = ${name})`);
  if (res.rowsAffected > 0) return 'deleted';
  return (await getApp(db, name)) ? 'has_routes' : 'not_found';
}

/**
 * Deletes an app together with its routes and ends its queued async calls (status error,
 * `queuedError`), in one transaction: the calls first (while the app exists), then the routes, then
 * the app. Other nodes learn it from the change log (src/cluster/cache-sync.ts): an app change row
 * leads (logAppChange: they drop the app and drain all of its hot pools), then the triggers' rows for
 * every deleted route and the app.
 */
export async function deleteAppCascade(
  db: Db,
  name: string,
  queuedError: string,
  now: number,
): Promise<{ deleted: false } | { deleted: true; routes: number; queuedCalls: number }> {
  const [, failed, deletedRoutes, deletedApp] = await db.batch([
    logAppChange(db, name, now),
    failQueuedOfApp(db, name, queuedError, now),
    db.delete(routes).where(eq(routes.appName, name)),
    // its secrets go with the app row (a trigger, migration 0006), after the routes that listed them
    db.delete(apps).where(eq(apps.name, name)),
  ]);
  if (deletedApp.rowsAffected === 0) return { deleted: false };
  return { deleted: true, routes: deletedRoutes.rowsAffected, queuedCalls: failed.rowsAffected };
}
