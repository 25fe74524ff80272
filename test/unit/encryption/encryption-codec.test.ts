import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload, ValueError } from '@temporalio/common';
import {
  ENCRYPTED_ENCODING,
  ENCRYPTION_KEY_ID_METADATA,
  EncryptionCodec,
  isEncryptedPayload,
} from '../../../src/encryption/encryption-codec';
import type { EncryptionKey } from '../../../src/encryption/encryption-keys';

const newKey = (id: string): EncryptionKey => ({ id, material: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const CONTACT = { name: 'Call back Mrs Example about claim 4711', attributes: { claim: 'CLM-4711' } };

describe('EncryptionCodec (AES-256-GCM payload codec)', () => {
  const [june, january] = [newKey('2026-06'), newKey('2026-01')];

  it('encrypts the whole payload and names the key; decoding gives back the same payload', async () => {
    const codec = new EncryptionCodec([june, january]);
    const plain = defaultPayloadConverter.toPayload(CONTACT)!;
    const [encrypted] = await codec.encode([plain]);
    assert.ok(encrypted && isEncryptedPayload(encrypted));
    assert.equal(text(encrypted.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(encrypted.metadata?.[ENCRYPTION_KEY_ID_METADATA]), '2026-06');
    assert.deepEqual(Object.keys(encrypted.metadata ?? {}).sort(), ['encoding', ENCRYPTION_KEY_ID_METADATA]);
    for (const clear of [CONTACT.name, CONTACT.attributes.claim, 'json/plain']) {
      assert.ok(!Buffer.from(encrypted.data ?? []).includes(clear), `"${clear}" in the ciphertext`);
    }
    const [decoded] = await codec.decode([encrypted]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), CONTACT);
    assert.equal(text(decoded!.metadata?.encoding), 'json/plain');
  });

  it('uses a fresh nonce each time: the same payload never encrypts to the same bytes', async () => {
    const codec = new EncryptionCodec([june]);
    const plain = defaultPayloadConverter.toPayload(CONTACT)!;
    const [a, b] = await codec.encode([plain, plain]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
  });

  it('rotates: payloads of the old key still decrypt once a new key is current, and new ones use the new key', async () => {
    const before = new EncryptionCodec([january]);
    const after = new EncryptionCodec([june, january]);
    const [old] = await before.encode([defaultPayloadConverter.toPayload('written in January')!]);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('written in June')!]);
    assert.equal(text(fresh!.metadata?.[ENCRYPTION_KEY_ID_METADATA]), '2026-06');
    const decoded = await after.decode([old!, fresh!]);
    assert.deepEqual(
      decoded.map((payload) => defaultPayloadConverter.fromPayload(payload)),
      ['written in January', 'written in June'],
    );
    // A codec that no longer has the old key says which key it would need.
    await assert.rejects(new EncryptionCodec([june]).decode([old!]), (error: Error) => {
      assert.ok(error instanceof ValueError);
      assert.match(
        error.message,
        /encrypted with key "2026-01", which is not among the configured keys \(2026-06\)/,
      );
      return true;
    });
  });

  it('passes payloads that are not encrypted through (history from before encryption was on)', async () => {
    const codec = new EncryptionCodec([june]);
    const plain = defaultPayloadConverter.toPayload({ written: 'before' })!;
    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  it('refuses a payload that was altered, or decrypted with another key of the same id', async () => {
    const codec = new EncryptionCodec([june]);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(CONTACT)!]);
    const altered: Payload = { ...encrypted, data: Buffer.from(encrypted!.data!) };
    altered.data![20]! ^= 1;
    await assert.rejects(codec.decode([altered]), /does not decrypt with key "2026-06": it was altered/);
    const impostor = new EncryptionCodec([newKey('2026-06')]);
    await assert.rejects(impostor.decode([encrypted!]), /does not decrypt with key "2026-06"/);
  });

  it('keeps its keys out of inspection and JSON', () => {
    const codec = new EncryptionCodec([june, january]);
    const shown = `${inspect(codec, { depth: 5, showHidden: true })} ${JSON.stringify(codec)}`;
    for (const key of [june, january]) {
      assert.ok(!shown.includes(key.material.toString('base64')));
      assert.ok(!shown.includes(key.material.toString('hex')));
    }
    assert.deepEqual(codec.keyIds, ['2026-06', '2026-01']);
    assert.equal(codec.currentKeyId, '2026-06');
  });
});
