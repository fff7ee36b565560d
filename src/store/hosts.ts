// Function URLs: the claims table's side of a refused write. A route or app write that claims a name
// already in host_claims fails inside the database (its primary key, filled by triggers, migration
// 0003); this turns that failure into the 409 the API answers, naming who owns the name.
import { and, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { hostClaims } from '../../db/schema.ts';
import type { Queryable } from './db.ts';
import { ApiError, conflict } from '../models/errors.ts';

/** A write failed because a host name it claims is someone else's (not a route or app that exists). */
export function isHostClaimViolation(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const o = cur as { message?: unknown; cause?: unknown };
    if (typeof o.message === 'string' && /UNIQUE constraint failed: host_claims\.host/i.test(o.message)) return true;
    cur = o.cause;
  }
  return false;
}

/** Who claims a name: a route (app + path) or an app (path null). */
export interface HostOwner {
  host: string;
  appName: string;
  path: string | null;
}

export const describeOwner = (o: HostOwner) => (o.path === null ? `app ${o.appName}` : `route ${o.path} of app ${o.appName}`);

/**
 * The 409 for a write of `hosts` by `self` (path null: the app itself) that the database refused:
 * names the first name another owner holds. When the owner went away meanwhile, says so without one.
 */
export async function hostConflict(db: Queryable, hosts: readonly string[], self: { appName: string; path: string | null }): Promise<ApiError> {
  const notSelf =
    self.path === null
      ? or(ne(hostClaims.appName, self.appName), sql`${hostClaims.path} IS NOT NULL`)
      : or(ne(hostClaims.appName, self.appName), isNull(hostClaims.path), ne(hostClaims.path, self.path));
  const owners = hosts.length
    ? await db
        .select()
        .from(hostClaims)
        .where(and(inArray(hostClaims.host, [...hosts]), notSelf))
        .all()
    : [];
  const first = hosts.map((h) => owners.find((o) => o.host === h)).find((o) => o !== undefined);
  if (!first) return conflict(`Host already claimed: one of ${hosts.join(', ')} was claimed by another route or app meanwhile; retry`);
  return conflict(`Host ${first.host} is already claimed by ${describeOwner(first)}`);
}

/** Every claim, for tests and operators (the route cache builds its map from the routes and apps instead). */
export async function listHostClaims(db: Queryable): Promise<HostOwner[]> {
  return db.select().from(hostClaims).all();
}
