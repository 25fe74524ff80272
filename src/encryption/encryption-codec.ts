/**
 * A PayloadCodec that encrypts every payload with AES-256-GCM, the way Temporal's encryption samples
 * do, so that other SDKs' codecs can read it: the whole payload (metadata and data) serialized as a
 * protobuf message, encrypted into `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, in a payload
 * whose metadata says `encoding: binary/encrypted` and `encryption-key-id: <id>`. It encrypts with
 * the current key and decrypts with the key a payload names; a payload that is not encrypted (one
 * written before encryption was turned on) passes through. Node code only: codecs run outside the
 * workflow sandbox, in the worker's and the client's own threads.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKey } from './encryption-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const ENCRYPTION_KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PayloadMessage = temporal.api.common.v1.Payload;

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

export function isEncryptedPayload(payload: Payload): boolean {
  return metadataText(payload, METADATA_ENCODING_KEY) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  /** Private fields: the keys never show in a log line or an inspected object. */
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: EncryptionKey;

  /** `keys[0]` encrypts; every key decrypts what names it. */
  constructor(keys: readonly EncryptionKey[]) {
    const [current] = keys;
    if (current === undefined) throw new ValueError('EncryptionCodec needs at least one key');
    this.#current = current;
    this.#keys = new Map(keys.map((key) => [key.id, key.material]));
  }

  /** The id of the key that encrypts. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /** Every key id, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncryptedPayload(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(CIPHER, this.#current.material, nonce);
    const plain = PayloadMessage.encode(payload).finish();
    const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [ENCRYPTION_KEY_ID_METADATA]: Buffer.from(this.#current.id),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = metadataText(payload, ENCRYPTION_KEY_ID_METADATA);
    if (keyId === undefined)
      throw new ValueError(`An encrypted payload names no ${ENCRYPTION_KEY_ID_METADATA}`);
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new ValueError(
        `A payload is encrypted with key "${keyId}", which is not among the configured keys (${this.keyIds.join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new ValueError('An encrypted payload is too short');
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new ValueError(
        `A payload does not decrypt with key "${keyId}": it was altered, or the key is not the one it was encrypted with`,
      );
    }
    return PayloadMessage.decode(plain);
  }
}
