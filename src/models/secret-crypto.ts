// Secrets at rest: AES-256-GCM from node:crypto with a 32-byte key (PODFN_SECRETS_KEY or the key file,
// src/secrets-key.ts). Every value gets a fresh random 96-bit nonce; the app and the secret's name are
// the associated data, so a stored value moved to another row (or app) fails to decrypt instead of
// answering as the other secret. A key check value (an HMAC of a fixed text) kept in the database
// tells at start-up whether this node holds the key the database's secrets were written with.
// The key never appears in a log or JSON: SecretsKey hides it from JSON.stringify and util.inspect.
// Pure: node's crypto only.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

export const SECRETS_KEY_BYTES = 32;
const FORMAT_V1 = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES + TAG_BYTES;

/** The stored value does not decrypt with this key under this app and name (wrong key, moved or altered row). */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
}

/**
 * A key as PODFN_SECRETS_KEY or the key file gives it: 64 hex digits, or base64 / base64url of 32
 * bytes (`openssl rand -base64 32`); surrounding white space is ignored. undefined for anything else.
 */
export function parseSecretsKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === SECRETS_KEY_BYTES) return b;
  }
  return undefined;
}

/** Associated data binding a value to its row: app and secret names never contain NUL. */
function associatedData(app: string, name: string): Buffer {
  return Buffer.from(`podfn secret v1\u0000${app}\u0000${name}`, 'utf8');
}

export class SecretsKey {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRETS_KEY_BYTES) throw new Error(`a secrets key is ${SECRETS_KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  /** format byte | nonce | tag | ciphertext */
  encrypt(app: string, name: string, plaintext: Buffer): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(app, name));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_V1]), nonce, cipher.getAuthTag(), body]);
  }

  decrypt(app: string, name: string, stored: Buffer): Buffer {
    if (stored.length < HEADER_BYTES || stored[0] !== FORMAT_V1) throw new SecretDecryptError(`secret ${name} of app ${app}: unknown stored format`);
    const nonce = stored.subarray(1, 1 + NONCE_BYTES);
    const tag = stored.subarray(1 + NONCE_BYTES, HEADER_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(app, name));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(stored.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new SecretDecryptError(`secret ${name} of app ${app} does not decrypt with this node's secrets key`);
    }
  }

  /** The value the database keeps to recognise this key (reveals nothing about it). */
  checkValue(): string {
    return createHmac('sha256', this.#key).update('podfn secrets key check v1').digest('hex');
  }

  /** true when `stored` is this key's check value */
  matches(stored: string): boolean {
    const mine = Buffer.from(this.checkValue(), 'hex');
    const theirs = /^[0-9a-f]{64}$/.test(stored) ? Buffer.from(stored, 'hex') : Buffer.alloc(0);
    return theirs.length === mine.length && timingSafeEqual(mine, theirs);
  }

  /** A short fingerprint for logs, so operators can compare nodes' keys without showing them. */
  get id(): string {
    return createHmac('sha256', this.#key).update('podfn secrets key id v1').digest('hex').slice(0, 12);
  }

  toJSON(): string {
    return '[secrets key]';
  }

  [inspect.custom](): string {
    return '[secrets key]';
  }
}
