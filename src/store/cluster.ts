// What several gateway nodes sharing one database need from it: the app/route change log (written by
// triggers, migration 0002) that keeps every node's route cache coherent, and the node registry rows.
import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { apps, cacheChanges, nodes, type NodeRow } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';

export interface CacheChange {
  seq: number;
  appName: string;
  /** null: the app row itself changed (or one of its secrets) */
  path: string | null;
  /** a secret of the app was written (path is null) */
  secret: string | null;
}

/** The newest change seq (0 when there is none): a node's starting point before it loads the cache. */
export async function latestChangeSeq(db: Queryable): Promise<number> {
  const row = await db.select({ seq: cacheChanges.seq }).from(cacheChanges).orderBy(desc(cacheChanges.seq)).limit(1).get();
  return row?.seq ?? 0;
}

/** Changes after `seq`, oldest first, at most `limit`. */
export async function changesSince(db: Queryable, seq: number, limit: number): Promise<CacheChange[]> {
  return db
    .select({ seq: cacheChanges.seq, appName: cacheChanges.appName, path: cacheChanges.path, secret: cacheChanges.secret })
    .from(cacheChanges)
    .where(gt(cacheChanges.seq, seq))
    .orderBy(asc(cacheChanges.seq))
    .limit(limit)
    .all();
}

/**
 * A change row for the app itself, written ahead of what the triggers log, as a builder for the
 * caller's batch (only while the app exists). A cascading app delete starts with it: a node applying
 * the log then drops the whole app and drains all of its hot pools first, instead of meeting the
 * deleted routes one by one after their app is already gone from the database (the first of them
 * would drop the app's cache entry, and the routes after it would look unchanged and stay warm).
 */
export function logAppChange(db: Db, appName: string, now: number) {
  return db.run(sql`INSERT INTO ${cacheChanges} (app_name, path, at)
    SELECT ${appName}, NULL, ${now} WHERE EXISTS (SELECT 1 FROM ${apps} WHERE ${apps.name} = ${appName})`);
}

/** Drops change rows older than `before` (ms); nodes further behind reload their whole cache. */
export async function pruneChanges(db: Queryable, before: number): Promise<number> {
  const res = await db.delete(cacheChanges).where(lt(cacheChanges.at, before));
  return res.rowsAffected;
}

export type NodeRecord = NodeRow;

/** Inserts or refreshes this node's row (every heartbeat). */
export async function upsertNode(db: Queryable, n: NodeRecord): Promise<void> {
  const { id: _id, ...fields } = n;
  await db.insert(nodes).values(n).onConflictDoUpdate({ target: nodes.id, set: fields });
}

export async function getNode(db: Queryable, id: string): Promise<NodeRecord | undefined> {
  return db.select().from(nodes).where(eq(nodes.id, id)).get();
}

export async function listNodes(db: Queryable): Promise<NodeRecord[]> {
  return db.select().from(nodes).orderBy(asc(nodes.id)).all();
}

/** A node leaving cleanly removes its row, but only its own instance's (a newer process may own it). */
export async function removeNode(db: Queryable, id: string, instance: string): Promise<void> {
  await db.delete(nodes).where(and(eq(nodes.id, id), eq(nodes.instance, instance)));
}

/** Rows of nodes silent since `before` (ms): crashed nodes are listed as dead for a while, then go. */
export async function pruneNodes(db: Queryable, before: number): Promise<number> {
  const res = await db.delete(nodes).where(lt(nodes.heartbeatAt, before));
  return res.rowsAffected;
}
