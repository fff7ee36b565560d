// /v1/apps/{app}/secrets: create (POST), list (GET: names, timestamps and the routes that use each),
// get one (GET .../{name}: the same, no value), create or replace (PUT .../{name}) and delete (DELETE,
// 409 naming the routes while a route lists it). Values are write-only: they are encrypted here with
// the node's secrets key and no answer, log line or error message of this file ever holds one.
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { HttpDeps } from '../deps.ts';
import { readJson } from '../body.ts';
import { validateAppName } from '../../models/app.ts';
import { ApiError, Errors, badRequest } from '../../models/errors.ts';
import { parseOr400 } from '../../models/schemas/kit.ts';
import { newSecretBody, secretBody, secretName, type SecretJson } from '../../models/schemas/secret.ts';
import { getApp } from '../../store/apps.ts';
import * as store from '../../store/secrets.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const secretJson = (s: store.SecretMeta): SecretJson => ({ name: s.name, created_at: iso(s.createdAt), updated_at: iso(s.updatedAt), routes: s.routes });

/** The value's bytes as the body gives them, within the server's cap (413 above). */
function valueBytes(body: { value: string; encoding?: 'utf8' | 'base64' | undefined }, max: number): Buffer {
  let bytes: Buffer;
  if (body.encoding === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.value) || body.value.length % 4 !== 0) throw badRequest('Invalid secret value: not base64');
    bytes = Buffer.from(body.value, 'base64');
  } else {
    bytes = Buffer.from(body.value, 'utf8');
  }
  if (bytes.length === 0) throw badRequest('Missing secret value');
  if (bytes.length > max) throw new ApiError(413, `Secret value too large: at most ${max} bytes`);
  return bytes;
}

export function secretsApi(deps: HttpDeps) {
  const { store: s, config, changes, secretsKey } = deps;
  const db = s.db;
  const api = new Hono();
  const max = config.PODFN_SECRET_MAX_BYTES;
  const encrypt = (app: string, name: string, value: Buffer) => {
    if (!secretsKey) throw new ApiError(503, 'Secrets are not available on this node (no secrets key)');
    const out = secretsKey.encrypt(app, name, value);
    value.fill(0);
    return out;
  };
  const version = () => randomBytes(12).toString('hex');

  api.get('/:app/secrets', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    if (!(await getApp(db, appName))) throw Errors.appNotFound();
    return c.json({ message: 'Successfully listed secrets', secrets: (await store.listSecrets(db, appName)).map(secretJson) });
  });

  api.post('/:app/secrets', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const { secret } = parseOr400(newSecretBody, await readJson(c, config.PODFN_ADMIN_BODY_LIMIT));
    const value = encrypt(appName, secret.name, valueBytes(secret, max));
    const meta = await store.insertSecret(db, { appName, name: secret.name, value, version: version() }, Date.now());
    await changes.secretChanged?.(appName, secret.name);
    return c.json({ message: 'Secret successfully created', secret: secretJson(meta) });
  });

  const urlName = (c: Context) => parseOr400(secretName, c.req.param('name'));

  api.get('/:app/secrets/:name', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const meta = await store.getSecretMeta(db, appName, urlName(c));
    if (!meta) {
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      throw store.secretNotFound();
    }
    return c.json({ message: 'Successfully loaded secret', secret: secretJson(meta) });
  });

  // create or replace: the routes that list it roll onto containers with the new value
  api.put('/:app/secrets/:name', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const name = urlName(c);
    const { secret } = parseOr400(secretBody, await readJson(c, config.PODFN_ADMIN_BODY_LIMIT));
    if (secret.name !== undefined && secret.name !== name) throw badRequest('Could not update secret - name is immutable');
    const value = encrypt(appName, name, valueBytes(secret, max));
    const res = await store.putSecret(db, { appName, name, value, version: version() }, Date.now());
    await changes.secretChanged?.(appName, name);
    return c.json({ message: res.created ? 'Secret successfully created' : 'Secret successfully replaced', secret: secretJson(res.secret) });
  });

  api.delete('/:app/secrets/:name', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const name = urlName(c);
    const res = await store.deleteSecret(db, appName, name);
    if (res.result === 'not_found') {
      if (!(await getApp(db, appName))) throw Errors.appNotFound();
      throw store.secretNotFound();
    }
    if (res.result === 'in_use') {
      throw new ApiError(
        409,
        `Secret ${name} is used by route${res.routes.length === 1 ? ' ' : 's '}${res.routes.join(', ')}: remove it from ${res.routes.length === 1 ? 'its' : 'their'} secrets first`,
      );
    }
    await changes.secretChanged?.(appName, name);
    return c.json({ message: 'Secret deleted' });
  });

  return api;
}
