/**
 * A codec endpoint (Temporal's remote codec protocol) for the Web UI and the `temporal` CLI, which
 * cannot decrypt payloads themselves: `POST …/decode` and `POST …/encode` take `{"payloads": [...]}`
 * in protobuf JSON (bytes in base64) and answer the same shape, through the given codec. The Web UI
 * calls it from the browser, so the UI's origin must be allowed (CORS); whoever may read plaintext
 * must be allowed too: `authorize` (for example `bearerTokenCheck`) sees each request first.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const PayloadsMessage = temporal.api.common.v1.Payloads;

/** The UI sends X-Namespace with every request, and Authorization when it passes the user's token. */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';
/** More than any page of history the UI decodes at once. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default: 127.0.0.1 (this machine only). */
  host?: string;
  /** Default: 0, a free port. */
  port?: number;
  /** Origins whose pages may call the endpoint, e.g. the Web UI's `http://localhost:8233`; default: none. */
  corsOrigins?: readonly string[];
  /** Whether a request may use the codec; default: anyone who reaches the endpoint may. */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
}

export interface RunningCodecServer {
  /** The endpoint: give it to `--ui-codec-endpoint`, the Web UI's data encoder or `--codec-endpoint`. */
  url: string;
  stop(): Promise<void>;
}

/** Allows requests whose `Authorization` header is `Bearer <token>` (compared in constant time). */
export function bearerTokenCheck(token: string): (request: IncomingMessage) => boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(`Bearer ${token}`);
  return (request) => timingSafeEqual(digest(request.headers.authorization ?? ''), expected);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

function payloadsFromJson(body: unknown): temporal.api.common.v1.IPayload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'the body must be {"payloads": [...]}');
  try {
    return PayloadsMessage.fromObject({ payloads }).payloads;
  } catch (error) {
    throw new HttpError(400, `the payloads are not Temporal payloads in JSON: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function handle(options: CodecServerOptions, request: IncomingMessage, response: ServerResponse) {
  const origin = request.headers.origin;
  if (origin !== undefined && options.corsOrigins?.includes(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    response.setHeader('Vary', 'Origin');
  }
  if (request.method === 'OPTIONS') {
    // A browser's preflight carries no credentials; the request that follows is checked.
    response.writeHead(204, {
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '600',
    });
    return response.end();
  }
  const { pathname } = new URL(request.url ?? '/', 'http://codec');
  // Suffixes, as the SDKs' handlers match them: some clients put the namespace first (`/default/decode`).
  const operation = pathname.endsWith('/decode')
    ? 'decode'
    : pathname.endsWith('/encode')
      ? 'encode'
      : undefined;
  if (operation === undefined) throw new HttpError(404, 'POST …/encode or …/decode');
  if (request.method !== 'POST') throw new HttpError(405, `${operation} takes POST`);
  if (options.authorize && !(await options.authorize(request))) {
    response.setHeader('WWW-Authenticate', 'Bearer');
    throw new HttpError(401, 'not authorized');
  }
  const payloads = payloadsFromJson(await readJsonBody(request));
  let coded: temporal.api.common.v1.IPayload[];
  try {
    coded = await options.codec[operation](payloads);
  } catch (error) {
    throw new HttpError(400, `cannot ${operation}: ${(error as Error).message}`);
  }
  send(
    response,
    200,
    PayloadsMessage.toObject(PayloadsMessage.create({ payloads: coded }), { bytes: String }),
  );
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'codec server failure';
      if (!response.headersSent) send(response, status, { message });
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
