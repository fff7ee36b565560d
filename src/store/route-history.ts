// Route history: the last HISTORY_KEEP definitions of each route (table route_history). The statements
// that append a version are built here and run by src/store/routes.ts inside the same batch or
// transaction as the route write, so a committed route always has its definition in the history.
// An update that changes nothing adds no version. Rows go with the route (a trigger, migration 0003).
import { and, desc, eq, sql } from 'drizzle-orm';
import { routeHistory, type RouteHistoryRow } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import { ROUTE_HISTORY_KEEP, type Route } from '../models/route.ts';

/** definitions kept per route (the current one included) */
export const HISTORY_KEEP = ROUTE_HISTORY_KEEP;

export type HistoryAction = RouteHistoryRow['action'];

export interface RouteVersion {
  version: number;
  action: HistoryAction;
  /** rollback: the version it restored */
  restoredFrom?: number;
  route: Route;
  createdAt: number;
}

/** The stored definition: the route model's fields in one fixed order, so equal routes store equal text. */
export function definitionText(r: Route): string {
  const { appName, path, image, memory, headers, type, format, maxConcurrency, timeout, idleTimeout, config, jwtKey, schedule, ...more } = r;
  // schedule "" (not absent) when there is none: a rollback to it removes a schedule set since
  return JSON.stringify({
    appName,
    path,
    image,
    memory,
    headers,
    type,
    format,
    maxConcurrency,
    timeout,
    idleTimeout,
    config,
    jwtKey,
    ...more,
    schedule: schedule ?? '',
  });
}

/**
 * A stored definition as a route. Fields it lacks (written before they existed) come from `current`
 * when given; null fields (the migration's seed rows) are absent.
 */
export function routeOfDefinition(def: Record<string, unknown>, current?: Route): Route {
  const fields = Object.fromEntries(Object.entries(def).filter(([, v]) => v !== null && v !== undefined));
  const { jwtKey: _drop, ...base } = current ?? ({} as Partial<Route>);
  return { ...base, ...fields } as unknown as Route;
}

/**
 * The two statements that record `route` as the route's next version (unless it equals the latest)
 * and drop versions beyond HISTORY_KEEP. Run them in the route write's batch or transaction.
 */
export function historyStatements(db: Queryable, route: Route, action: HistoryAction, now: number, restoredFrom?: number) {
  const { appName, path } = route;
  const text = definitionText(route);
  const latest = sql`(SELECT max(version) FROM ${routeHistory} WHERE app_name = ${appName} AND path = ${path})`;
  const append = db.run(sql`INSERT INTO ${routeHistory} (app_name, path, version, action, restored_from, definition, created_at)
    SELECT ${appName}, ${path}, coalesce(${latest}, 0) + 1, ${action}, ${restoredFrom ?? null}, ${text}, ${now}
    WHERE NOT EXISTS (SELECT 1 FROM ${routeHistory} WHERE app_name = ${appName} AND path = ${path} AND version = ${latest} AND definition = ${text})`);
  const prune = db.run(sql`DELETE FROM ${routeHistory} WHERE app_name = ${appName} AND path = ${path} AND version <= ${latest} - ${HISTORY_KEEP}`);
  return [append, prune] as const;
}

/** Appends a version inside a transaction the caller holds (routes.ts's updates). */
export async function recordVersion(db: Queryable, route: Route, action: HistoryAction, now: number, restoredFrom?: number): Promise<void> {
  const [append, prune] = historyStatements(db, route, action, now, restoredFrom);
  await append;
  await prune;
}

/** A route's kept versions, newest first (the first is the current definition). */
export async function listHistory(db: Queryable | Db, appName: string, path: string): Promise<RouteVersion[]> {
  const rows = await db
    .select()
    .from(routeHistory)
    .where(and(eq(routeHistory.appName, appName), eq(routeHistory.path, path)))
    .orderBy(desc(routeHistory.version));
  return rows.map((r) => ({
    version: r.version,
    action: r.action,
    ...(r.restoredFrom !== null ? { restoredFrom: r.restoredFrom } : {}),
    route: routeOfDefinition(r.definition),
    createdAt: r.createdAt,
  }));
}
