// Secret rows (db/schema.ts `secrets`) and the secrets key check. Values arrive here already
// encrypted (src/models/secret-crypto.ts) and leave encrypted: this module never sees a plaintext.
// Which routes use a secret is read from the routes' JSON `secrets` lists; triggers (migration 0006)
// keep those lists and the secrets consistent whatever node writes, and log every secret write for
// the other nodes' route caches.
import { and, asc, eq, sql } from 'drizzle-orm';
import { apps, meta, routes, secrets } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import { ApiError, badRequest, conflict } from '../models/errors.ts';
import { isUniqueViolation } from './sql-errors.ts';

export interface SecretMeta {
  name: string;
  createdAt: number;
  updatedAt: number;
  /** paths of the routes that list it */
  routes: string[];
}

/** A stored secret as the route cache loads it: still encrypted. */
export interface StoredSecret {
  appName: string;
  name: string;
  value: Buffer;
  version: string;
}

export const secretNotFound = () => new ApiError(404, 'Secret not found');
export const secretExists = () => conflict('Secret already exists');

/** The triggers' refusals (RAISE in migration 0006), for the races the API's own checks cannot close. */
export const isUnknownSecretAbort = (e: unknown) => /podfn: unknown secret/.test(chainText(e));
export const isSecretInUseAbort = (e: unknown) => /podfn: secret in use/.test(chainText(e));
export const unknownSecretRace = () => badRequest('Invalid route secrets: a listed secret does not exist (deleted meanwhile?)');

function chainText(e: unknown): string {
  let out = '';
  for (let cur = e, i = 0; cur && typeof cur === 'object' && i < 4; i++) {
    const o = cur as { message?: unknown; cause?: unknown };
    if (typeof o.message === 'string') out += `${o.message} `;
    cur = o.cause;
  }
  return out;
}

/** Paths of the app's routes that list each secret, by secret name. */
async function usersOf(db: Queryable, appName: string, name?: string): Promise<Map<string, string[]>> {
  const rows = await db.all<{ name: string; path: string }>(
    sql`SELECT j.value AS name, ${routes.path} AS path FROM ${routes}, json_each(${routes.secrets}) AS j
        WHERE ${routes.appName} = ${appName} ${name === undefined ? sql`` : sql`AND j.value = ${name}`} ORDER BY ${routes.path}`,
  );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.name) ?? [];
    list.push(r.path);
    out.set(r.name, list);
  }
  return out;
}

export async function listSecrets(db: Queryable, appName: string): Promise<SecretMeta[]> {
  const rows = await db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.appName, appName))
    .orderBy(asc(secrets.name));
  const users = await usersOf(db, appName);
  return rows.map((r) => ({ ...r, routes: users.get(r.name) ?? [] }));
}

export async function getSecretMeta(db: Queryable, appName: string, name: string): Promise<SecretMeta | undefined> {
  const row = await db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(and(eq(secrets.appName, appName), eq(secrets.name, name)))
    .get();
  if (!row) return undefined;
  return { ...row, routes: (await usersOf(db, appName, name)).get(name) ?? [] };
}

/** Names of `names` the app has no secret of. */
export async function missingSecrets(db: Queryable, appName: string, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db.select({ name: secrets.name }).from(secrets).where(eq(secrets.appName, appName));
  const have = new Set(rows.map((r) => r.name));
  return names.filter((n) => !have.has(n));
}

/** Creates the secret (and its app when missing, as a route create does); 409 when it exists. */
export async function insertSecret(db: Db, s: StoredSecret, now: number): Promise<SecretMeta> {
  try {
    await db.batch([
      db.insert(apps).values({ name: s.appName, config: {}, createdAt: now, updatedAt: now }).onConflictDoNothing(),
      db.insert(secrets).values({ ...s, createdAt: now, updatedAt: now }),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw secretExists();
    throw e;
  }
  return { name: s.name, createdAt: now, updatedAt: now, routes: [] };
}

/** Creates or replaces the secret (and creates its app when missing); `created` says which. */
export async function putSecret(db: Db, s: StoredSecret, now: number): Promise<{ created: boolean; secret: SecretMeta }> {
  const [, rows] = await db.batch([
    db.insert(apps).values({ name: s.appName, config: {}, createdAt: now, updatedAt: now }).onConflictDoNothing(),
    db
      .insert(secrets)
      .values({ ...s, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [secrets.appName, secrets.name], set: { value: s.value, version: s.version, updatedAt: now } })
      .returning({ createdAt: secrets.createdAt }),
  ]);
  const createdAt = rows[0]?.createdAt ?? now;
  const users = await usersOf(db, s.appName, s.name);
  return { created: createdAt === now, secret: { name: s.name, createdAt, updatedAt: now, routes: users.get(s.name) ?? [] } };
}

/**
 * Deletes a secret no route lists. 'in_use' names the routes that list it (the trigger refuses the
 * delete too, so a route created meanwhile on another node cannot lose its secret).
 */
export async function deleteSecret(
  db: Queryable,
  appName: string,
  name: string,
): Promise<{ result: 'deleted' | 'not_found' } | { result: 'in_use'; routes: string[] }> {
  const inUse = async () => ({ result: 'in_use' as const, routes: (await usersOf(db, appName, name)).get(name) ?? [] });
  const users = (await usersOf(db, appName, name)).get(name);
  if (users?.length) return { result: 'in_use', routes: users };
  try {
    const res = await db.delete(secrets).where(and(eq(secrets.appName, appName), eq(secrets.name, name)));
    return { result: res.rowsAffected > 0 ? 'deleted' : 'not_found' };
  } catch (e) {
    if (isSecretInUseAbort(e)) return inUse();
    throw e;
  }
}

/** Every stored secret (of one app, or all), encrypted, for the route cache. */
export async function loadSecrets(db: Queryable, appName?: string): Promise<StoredSecret[]> {
  return db
    .select({ appName: secrets.appName, name: secrets.name, value: secrets.value, version: secrets.version })
    .from(secrets)
    .where(appName === undefined ? undefined : eq(secrets.appName, appName))
    .orderBy(asc(secrets.appName), asc(secrets.name));
}

const KEY_CHECK = 'secrets_key_check';

/**
 * Start-up: stores this node's key check value when the database has none yet (the first node to
 * start decides, atomically), else compares. 'mismatch': the database's secrets were written with
 * another key.
 */
export async function checkSecretsKey(db: Queryable, matches: (stored: string) => boolean, value: string): Promise<'stored' | 'match' | 'mismatch'> {
  const inserted = await db.insert(meta).values({ key: KEY_CHECK, value }).onConflictDoNothing();
  if (inserted.rowsAffected > 0) return 'stored';
  const row = await db.select({ value: meta.value }).from(meta).where(eq(meta.key, KEY_CHECK)).get();
  return row && matches(row.value) ? 'match' : 'mismatch';
}
