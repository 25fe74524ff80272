/**
 * The keys that encrypt payloads, as CONNECT_TASK_ROUTER_ENCRYPTION_KEYS gives them: `id:base64key`
 * entries separated by commas, each key 32 random bytes (AES-256), the first one current. Payloads
 * are encrypted with the current key and decrypted with whichever key their metadata names, so a
 * key rotates by putting a new one first and keeping the old ones until no history needs them.
 *
 * Errors name an entry by its position and key id, never by its key.
 */

export const ENCRYPTION_KEYS_VARIABLE = 'CONNECT_TASK_ROUTER_ENCRYPTION_KEYS';

/** AES-256: a key is 32 bytes. */
export const ENCRYPTION_KEY_BYTES = 32;

/** Key ids travel in every payload's metadata and in error messages: short, printable, not secret. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Standard or URL-safe base64. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export interface EncryptionKey {
  /** Written in the metadata of each payload it encrypts (`encryption-key-id`). */
  readonly id: string;
  readonly material: Buffer;
}

export class EncryptionKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeysError';
  }
}

/** `id:base64key,...` as keys, the current one first; `source` names the setting in error messages. */
export function parseEncryptionKeys(text: string, source = ENCRYPTION_KEYS_VARIABLE): EncryptionKey[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new EncryptionKeysError(`${source} has no key (expected id:base64key,...)`);
  const keys = entries.map((entry, index) => {
    const where = `${source} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new EncryptionKeysError(`${where} is not id:base64key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new EncryptionKeysError(`${where}: a key id is 1 to 64 of the characters A-Z a-z 0-9 . _ -`);
    }
    const material = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (material?.length !== ENCRYPTION_KEY_BYTES) {
      throw new EncryptionKeysError(
        `${where} (key "${id}"): the key must be ${ENCRYPTION_KEY_BYTES} bytes in base64 ` +
          '(make one with `openssl rand -base64 32`)',
      );
    }
    return { id, material };
  });
  const ids = keys.map((key) => key.id);
  const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (repeated.length > 0) throw new EncryptionKeysError(`${source} repeats key id ${repeated.join(', ')}`);
  return keys;
}

/** The keys CONNECT_TASK_ROUTER_ENCRYPTION_KEYS gives; undefined when it is unset or empty (no encryption). */
export function encryptionKeysFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): EncryptionKey[] | undefined {
  const text = env[ENCRYPTION_KEYS_VARIABLE];
  return text === undefined || text.trim() === '' ? undefined : parseEncryptionKeys(text);
}
