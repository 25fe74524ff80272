/**
 * The codec endpoint over HTTP, as the Web UI and the `temporal` CLI call it: decode gives plaintext
 * to an authorized caller and nothing to others; encode and decode round-trip; the Web UI's origin
 * gets CORS answers, other origins do not.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  bearerTokenCheck,
  type RunningCodecServer,
  startCodecServer,
} from '../../../src/encryption/codec-server';
import { EncryptionCodec } from '../../../src/encryption/encryption-codec';

const TOKEN = 'codec-test-token-6f1d2c';
const UI = 'http://localhost:8233';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value).toString('base64'),
    ]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(payload.data ?? '', 'base64'),
});

describe('codec server (remote codec endpoint)', () => {
  const codec = new EncryptionCodec([{ id: 'k1', material: randomBytes(32) }]);
  let server: RunningCodecServer;

  before(async () => {
    server = await startCodecServer({ codec, corsOrigins: [UI], authorize: bearerTokenCheck(TOKEN) });
  });
  after(() => server?.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  const authorized = { authorization: `Bearer ${TOKEN}` };

  it('decodes encrypted payloads to plaintext for an authorized caller', async () => {
    const encrypted = await codec.encode([
      defaultPayloadConverter.toPayload({ name: 'Call back Mrs Example' })!,
      defaultPayloadConverter.toPayload(undefined)!,
    ]);
    const response = await post('/decode', { payloads: encrypted.map(toJson) }, authorized);
    assert.equal(response.status, 200);
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    assert.deepEqual(
      payloads.map((payload) => defaultPayloadConverter.fromPayload(fromJson(payload))),
      [{ name: 'Call back Mrs Example' }, undefined],
    );
    // Some clients put the namespace in the path.
    assert.equal((await post('/default/decode', { payloads: [] }, authorized)).status, 200);
  });

  it('encodes what it decodes back (the UI encodes what a user sends to a workflow)', async () => {
    const plain = defaultPayloadConverter.toPayload({ priority: 2 })!;
    const encoded = await post('/encode', { payloads: [toJson(plain)] }, authorized);
    const { payloads } = (await encoded.json()) as { payloads: JsonPayload[] };
    const payload = fromJson(payloads[0]!);
    assert.equal(Buffer.from(payload.metadata!.encoding!).toString(), 'binary/encrypted');
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([payload]))[0]!), {
      priority: 2,
    });
  });

  it('refuses a caller without the token, or with another, before reading anything (401)', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret plaintext')!]);
    const callers: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: TOKEN },
    ];
    for (const headers of callers) {
      for (const path of ['/decode', '/encode']) {
        const response = await post(path, { payloads: [toJson(encrypted!)] }, headers);
        assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        assert.ok(!(await response.text()).includes('secret plaintext'));
      }
    }
  });

  it("answers the Web UI's preflight and requests from its origin, and no other origin", async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const fromUi = await post('/decode', { payloads: [] }, { ...authorized, origin: UI });
    assert.equal(fromUi.headers.get('access-control-allow-origin'), UI);
    const elsewhere = await post(
      '/decode',
      { payloads: [] },
      { ...authorized, origin: 'https://evil.example' },
    );
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
  });

  it('says what is wrong with a request that is not a codec request', async () => {
    assert.equal((await post('/decode', { nope: 1 }, authorized)).status, 400);
    assert.equal((await post('/decode', { payloads: ['x'] }, authorized)).status, 400);
    const unknownKey = await post(
      '/decode',
      {
        payloads: [
          {
            metadata: { encoding: btoa('binary/encrypted'), 'encryption-key-id': btoa('k0') },
            data: btoa('x'.repeat(40)),
          },
        ],
      },
      authorized,
    );
    assert.equal(unknownKey.status, 400);
    assert.match(((await unknownKey.json()) as { message: string }).message, /key "k0"/);
    assert.equal((await post('/other', { payloads: [] }, authorized)).status, 404);
    assert.equal((await fetch(`${server.url}/decode`, { headers: authorized })).status, 405);
  });
});
