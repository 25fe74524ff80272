import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ENCRYPTION_KEYS_VARIABLE,
  encryptionKeysFromEnvironment,
  parseEncryptionKeys,
} from '../../../src/encryption/encryption-keys';

const key = () => randomBytes(32).toString('base64');

describe('encryption keys (CONNECT_TASK_ROUTER_ENCRYPTION_KEYS)', () => {
  it('reads id:base64key entries, the first one current, in order', () => {
    const [k2, k1] = [key(), key()];
    const keys = parseEncryptionKeys(` 2026-06:${k2} , 2026-01:${k1},`);
    assert.deepEqual(
      keys.map((entry) => entry.id),
      ['2026-06', '2026-01'],
    );
    assert.deepEqual(keys[0]!.material, Buffer.from(k2, 'base64'));
    assert.equal(keys[1]!.material.length, 32);
  });

  it('is off when the variable is unset or empty', () => {
    assert.equal(encryptionKeysFromEnvironment({}), undefined);
    assert.equal(encryptionKeysFromEnvironment({ [ENCRYPTION_KEYS_VARIABLE]: ' ' }), undefined);
    assert.equal(encryptionKeysFromEnvironment({ [ENCRYPTION_KEYS_VARIABLE]: `a:${key()}` })?.length, 1);
  });

  it('refuses a bad entry, naming its place and id but never the key', () => {
    const short = Buffer.from('sixteen bytes!!!').toString('base64');
    const cases: [string, RegExp][] = [
      [',', /has no key/],
      [key(), /entry 1 is not id:base64key/],
      [`k1:${key()},bad id:${key()}`, /entry 2: a key id is 1 to 64 of/],
      [`k1:${short}`, /entry 1 \(key "k1"\): the key must be 32 bytes in base64/],
      [`k1:not base64!`, /entry 1 \(key "k1"\): the key must be 32 bytes/],
      [`k1:${key()},k1:${key()}`, /repeats key id k1/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseEncryptionKeys(text),
        (error: Error) => {
          assert.match(error.message, message, text);
          assert.ok(error.message.startsWith(ENCRYPTION_KEYS_VARIABLE), error.message);
          for (const part of text.split(/[,:]/).filter((part) => part.length > 20)) {
            assert.ok(!error.message.includes(part), `the message shows a key: ${error.message}`);
          }
          return true;
        },
      );
    }
  });
});
