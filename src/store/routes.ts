// Route queries. Creating a route also creates its app when missing (seed behaviour), atomically.
// Every create, update and rollback appends the definition to the route's history in the same
// transaction (./route-history.ts).
import { and, eq, asc, sql } from 'drizzle-orm';
import { apps, routes, type RouteRow } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import type { Route } from '../models/route.ts';
import { Errors, badRequest } from '../models/errors.ts';
import { isUniqueViolation } from './sql-errors.ts';
import { baselineStatement } from './schedules.ts';
import { HISTORY_KEEP, historyStatements, listHistory, recordVersion, routeOfDefinition, type HistoryAction } from './route-history.ts';
import { hostConflict, isHostClaimViolation } from './hosts.ts';
import { unknownSecretRace, isUnknownSecretAbort } from './secrets.ts';

export function toRoute(r: RouteRow): Route {
  return {
    appName: r.appName,
    path: r.path,
    image: r.image,
    memory: r.memory,
    headers: r.headers ?? {},
    type: r.type,
    format: r.format,
    maxConcurrency: r.maxConcurrency,
    timeout: r.timeout,
    idleTimeout: r.idleTimeout,
    config: r.config ?? {},
    ...(r.jwtKey ? { jwtKey: r.jwtKey } : {}),
    ...(r.hosts?.length ? { hosts: r.hosts } : {}),
    ...(r.secrets?.length ? { secrets: r.secrets } : {}),
    ...(r.schedule ? { schedule: r.schedule } : {}),
  };
}

function toRow(r: Route, now: number) {
  return {
    appName: r.appName,
    path: r.path,
    image: r.image,
    memory: r.memory,
    headers: r.headers,
    type: r.type,
    format: r.format,
    maxConcurrency: r.maxConcurrency,
    timeout: r.timeout,
    idleTimeout: r.idleTimeout,
    config: r.config,
    jwtKey: r.jwtKey ?? null,
    hosts: r.hosts ?? [],
    secrets: r.secrets ?? [],
    schedule: r.schedule || null,
    createdAt: now,
    updatedAt: now,
  };
}

export async function listRoutes(db: Queryable, filter: { appName?: string; image?: string } = {}): Promise<Route[]> {
  const conds = [];
  if (filter.appName !== undefined) conds.push(eq(routes.appName, filter.appName));
  if (filter.image !== undefined) conds.push(eq(routes.image, filter.image));
  const rows = await db
    .select()
    .from(routes)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(routes.appName), asc(routes.path));
  return rows.map(toRoute);
}

export async function getRoute(db: Queryable, appName: string, path: string): Promise<Route | undefined> {
  const row = await db
    .select()
    .from(routes)
    .where(and(eq(routes.appName, appName), eq(routes.path, path)))
    .get();
  return row && toRoute(row);
}

/** Inserts the route, creating the app if needed, in one batch (one transaction). */
export async function insertRoute(db: Db, route: Route): Promise<void> {
  const now = Date.now();
  try {
    await db.batch([
      db.insert(apps).values({ name: route.appName, config: {}, createdAt: now, updatedAt: now }).onConflictDoNothing(),
      db.insert(routes).values(toRow(route, now)),
      ...historyStatements(db, route, 'create', now),
      baselineStatement(db, route, now, true),
    ]);
  } catch (e) {
    // a host name claimed elsewhere fails the same batch (host_claims, filled by a trigger)
    if (isHostClaimViolation(e)) throw await hostConflict(db, route.hosts ?? [], { appName: route.appName, path: route.path });
    if (isUniqueViolation(e)) throw Errors.routeExists();
    if (isUnknownSecretAbort(e)) throw unknownSecretRace();
    throw e;
  }
}

/**
 * Replaces the stored fields of an existing route (the caller merged them) and records the definition
 * in its history; false when it is gone. Run it in a transaction (the admin API does) so the two
 * writes commit together.
 */
export async function updateRoute(db: Queryable, route: Route, action: HistoryAction = 'update', restoredFrom?: number): Promise<boolean> {
  const now = Date.now();
  const { createdAt: _c, appName: _a, path: _p, ...fields } = toRow(route, now);
  let res;
  try {
    res = await db
      .update(routes)
      .set(fields)
      .where(and(eq(routes.appName, route.appName), eq(routes.path, route.path)));
  } catch (e) {
    // a host name claimed elsewhere fails the statement (host_claims, filled by a trigger)
    if (isHostClaimViolation(e)) throw await hostConflict(db, route.hosts ?? [], { appName: route.appName, path: route.path });
    // a listed secret deleted meanwhile (on any node): the trigger of migration 0006 refuses it
    if (isUnknownSecretAbort(e)) throw unknownSecretRace();
    throw e;
  }
  if (res.rowsAffected === 0) return false;
  await recordVersion(db, route, action, now, restoredFrom);
  await baselineStatement(db, route, now, false);
  return true;
}

/** Which kept definition a rollback restores: `back` versions before the current one, or a version number. */
export type RollbackTarget = { back: number } | { version: number };

/**
 * Restores a kept definition as a new update (action `rollback`, a new version), in one transaction.
 * undefined when the route is gone; 400 when the target is not kept.
 */
export async function rollbackRoute(db: Db, appName: string, path: string, target: RollbackTarget): Promise<{ route: Route; restored: number } | undefined> {
  return db.transaction(async (tx) => {
    const current = await getRoute(tx, appName, path);
    if (!current) return undefined;
    const kept = await listHistory(tx, appName, path);
    let pick;
    if ('version' in target) {
      pick = kept.find((v) => v.version === target.version);
      if (!pick) throw badRequest(`Route ${path} has no version ${target.version} kept (kept: ${kept.map((v) => v.version).join(', ') || 'none'})`);
    } else {
      pick = kept[target.back];
      if (!pick) {
        throw badRequest(
          `Route ${path} has no definition ${target.back} back: ${Math.max(0, kept.length - 1)} earlier kept (the last ${HISTORY_KEEP} definitions are kept)`,
        );
      }
    }
    const route = routeOfDefinition({ ...pick.route }, current);
    await updateRoute(tx, { ...route, appName, path }, 'rollback', pick.version);
    return { route: { ...route, appName, path }, restored: pick.version };
  });
}

export async function deleteRoute(db: Queryable, appName: string, path: string): Promise<boolean> {
  const res = await db.delete(routes).where(and(eq(routes.appName, appName), eq(routes.path, path)));
  return res.rowsAffected > 0;
}

export async function countRoutes(db: Queryable, appName: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(routes)
    .where(eq(routes.appName, appName))
    .get();
  return row?.n ?? 0;
}
