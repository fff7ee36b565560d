// The secrets key: the 32-byte AES-256-GCM key that encrypts app secrets at rest
// (src/models/secret-crypto.ts). From PODFN_SECRETS_KEY (64 hex digits or base64) when set; else from
// the key file PODFN_SECRETS_KEY_FILE (`auto`: secrets-key next to the embedded database, beside the
// admin token file), generated on first start with mode 0600 (the same atomic create as the admin
// token file, after the gateway gave root up, so the file is its user's). Every node sharing a
// database needs the same key: the database keeps a check value of the key its secrets were written
// with (store/secrets.ts checkSecretsKey) and a node holding another key stops at start-up instead of
// serving values it cannot decrypt.
// May import only node built-ins, admin-token.ts (the private file writer), models (the key type) and
// log (types).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createPrivateFile, dataFilePath } from './admin-token.ts';
import { parseSecretsKey, SecretsKey, SECRETS_KEY_BYTES } from './models/secret-crypto.ts';
import type { Logger } from './log.ts';

export const SECRETS_KEY_FILE_NAME = 'secrets-key';

export interface SecretsKeySettings {
  PODFN_SECRETS_KEY: string;
  PODFN_SECRETS_KEY_FILE: string;
  PODFN_DB_URL: string;
}

export class SecretsKeyError extends Error {}

export type SecretsKeySource = { kind: 'env' } | { kind: 'file'; file: string; generated: boolean };

/** Reads (or, the first time, generates) the key. Never puts the key into a message. */
export function resolveSecretsKey(s: SecretsKeySettings, cwd = process.cwd()): { key: SecretsKey; source: SecretsKeySource } {
  if (s.PODFN_SECRETS_KEY) {
    const key = parseSecretsKey(s.PODFN_SECRETS_KEY);
    if (!key) throw new SecretsKeyError(`PODFN_SECRETS_KEY must be ${SECRETS_KEY_BYTES} bytes as 64 hex digits or base64 (openssl rand -base64 32)`);
    return { key: new SecretsKey(key), source: { kind: 'env' } };
  }
  const file = dataFilePath(s.PODFN_SECRETS_KEY_FILE, s.PODFN_DB_URL, SECRETS_KEY_FILE_NAME, cwd);
  if (!file) throw new SecretsKeyError('no secrets key: set PODFN_SECRETS_KEY, or PODFN_SECRETS_KEY_FILE to a file (auto: next to the database)');
  let generated = false;
  if (!fs.existsSync(file)) {
    try {
      generated = createPrivateFile(file, `${randomBytes(SECRETS_KEY_BYTES).toString('base64')}\n`);
    } catch (e) {
      throw new SecretsKeyError((e as Error).message);
    }
  }
  let text: string;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if ((st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SecretsKeyError(`cannot read the secrets key file ${file}: ${(e as Error).message}`);
  }
  const key = parseSecretsKey(text);
  if (!key) throw new SecretsKeyError(`the secrets key file ${file} does not hold a key (${SECRETS_KEY_BYTES} bytes as base64 or 64 hex digits)`);
  return { key: new SecretsKey(key), source: { kind: 'file', file, generated } };
}

/** The message a node with the wrong key stops with. */
export function keyMismatchMessage(source: SecretsKeySource): string {
  const from =
    source.kind === 'env' ? 'PODFN_SECRETS_KEY' : `the secrets key file ${source.file}${source.generated ? ' (just generated: this node had none)' : ''}`;
  return (
    `the secrets key from ${from} is not the key this database's secrets are encrypted with. ` +
    'Every node sharing a database needs the same key: copy the key file of the node that created the database ' +
    '(or set the same PODFN_SECRETS_KEY everywhere). Refusing to start rather than serve secrets it cannot decrypt.'
  );
}

export function logKeySource(log: Pick<Logger, 'info'>, key: SecretsKey, source: SecretsKeySource): void {
  if (source.kind === 'env') log.info({ keyId: key.id }, 'secrets key from PODFN_SECRETS_KEY');
  else if (source.generated)
    log.info({ keyFile: source.file, keyId: key.id }, 'generated the secrets key file (every node sharing this database needs a copy)');
  else log.info({ keyFile: source.file, keyId: key.id }, 'secrets key read from the key file');
}
