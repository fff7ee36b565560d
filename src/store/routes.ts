// Route queries. Creating a route also creates its app when missing (seed behaviour), atomically.
import { and, eq, asc, sql } from 'drizzle-orm';
import { apps, routes, type RouteRow } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import type { Route } from '../models/route.ts';
import { Errors } from '../models/errors.ts';
import { isUniqueViolation } from './sql-errors.ts';

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
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw Errors.routeExists();
    throw e;
  }
}

/** Replaces the stored fields of an existing route (the caller merged them); false when it is gone. */
export async function updateRoute(db: Queryable, route: Route): Promise<boolean> {
  const { createdAt: _c, appName: _a, path: _p, ...fields } = toRow(route, Date.now());
  const res = await db
    .update(routes)
    .set(fields)
    .where(and(eq(routes.appName, route.appName), eq(routes.path, route.path)));
  return res.rowsAffected > 0;
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
