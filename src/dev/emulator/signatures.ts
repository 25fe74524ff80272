/**
 * Connect's authentication, as the emulator applies it to every Connect request (the admin API has
 * none): a request without a well-formed SigV4 `Authorization` header is AccessDeniedException. When
 * the emulator is given credentials, it also checks the signature as AWS does: an access key it does
 * not know is UnrecognizedClientException, and a signature other than the one it computes with that
 * key's secret over the method, path, query, signed headers and body is InvalidSignatureException.
 * Without credentials, any well-formed header passes, whatever access key signed it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConnectError } from './protocol';

export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>` */
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
/** `x-amz-date`: `20260101T120000Z`. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const CONNECT_SERVICE = 'connect';

function invalidSignature(message: string): ConnectError {
  return new ConnectError('InvalidSignatureException', message);
}

export class SignatureChecker {
  /** One signer per known access key: each caches the signing keys it derives. */
  private readonly signers: Map<string, SignatureV4>;

  /** Without credentials, only the header's presence and form are checked. */
  constructor(credentials: readonly EmulatorCredentials[] = []) {
    this.signers = new Map(
      credentials.map((credential) => [
        credential.accessKeyId,
        new SignatureV4({
          credentials: credential,
          region: 'us-east-1', // each request is signed in the region its credential scope names
          service: CONNECT_SERVICE,
          sha256: Sha256,
          uriEscapePath: true,
          applyChecksum: false,
        }),
      ]),
    );
  }

  /** Throws the ConnectError Connect would answer with; `body` is the request's body as received. */
  async check(request: IncomingMessage, body: string): Promise<void> {
    const header = SIGV4_AUTHORIZATION.exec(request.headers.authorization ?? '');
    if (!header)
      throw new ConnectError('AccessDeniedException', 'Missing or malformed SigV4 Authorization header');
    if (this.signers.size === 0) return;
    const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] =
      header as unknown as string[];
    const signer = this.signers.get(accessKeyId!);
    if (!signer) {
      throw new ConnectError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (service !== CONNECT_SERVICE) {
      throw invalidSignature(`Credential should be scoped to correct service: '${CONNECT_SERVICE}'.`);
    }
    const amzDate = AMZ_DATE.exec(String(request.headers['x-amz-date'] ?? ''));
    if (!amzDate || !amzDate[0].startsWith(scopeDate!)) {
      throw invalidSignature('The request needs an X-Amz-Date header on the date of its credential scope.');
    }
    const [, year, month, day, hours, minutes, seconds] = amzDate.map(Number);
    const signingDate = new Date(Date.UTC(year!, month! - 1, day, hours, minutes, seconds));
    const claimedHash = request.headers['x-amz-content-sha256'];
    if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(body).digest('hex')) {
      throw invalidSignature('The provided x-amz-content-sha256 header does not match what was computed.');
    }

    const signedHeaders = signedHeaderList!.split(';');
    const headers = Object.fromEntries(
      signedHeaders
        .filter((name) => request.headers[name] !== undefined)
        .map((name) => [name, String(request.headers[name])]),
    );
    const [path = '/', rawQuery = ''] = (request.url ?? '/').split('?', 2);
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(rawQuery)) {
      const previous = query[key];
      query[key] = previous === undefined ? value : [previous, value].flat();
    }
    const signed = await signer.sign(
      {
        method: request.method ?? 'GET',
        protocol: 'http:',
        hostname: String(headers.host ?? ''),
        path,
        query,
        headers,
        body,
      },
      {
        signingDate,
        signingRegion: region,
        signingService: service,
        signableHeaders: new Set(signedHeaders),
      },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(Buffer.from(expected.padEnd(64)), Buffer.from(signature!))) {
      throw invalidSignature(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
  }
}
