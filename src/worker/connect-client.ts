/**
 * The Connect client the activities are given: built once per worker.
 *
 * - `maxAttempts: 1`: Temporal owns every retry, so each one is durable and visible in history.
 * - Region from the SDK's default chain (`AWS_REGION`, the shared config profile), falling back to
 *   `us-east-1` so that the emulator works on a machine without AWS configuration.
 * - Endpoint: the SDK itself reads `AWS_ENDPOINT_URL_CONNECT` (then `AWS_ENDPOINT_URL`, then the
 *   profile's `endpoint_url`); that is how the emulator is selected. `endpoint` overrides it.
 * - Connection and request timeouts, so a hung call fails as a classified `NetworkError`
 *   (`TimeoutError`) and is retried instead of waiting for the activity's start-to-close timeout.
 */
import { ConnectClient, type ConnectClientConfig } from '@aws-sdk/client-connect';

export const FALLBACK_REGION = 'us-east-1';
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface CreateConnectClientOptions extends Omit<
  ConnectClientConfig,
  'maxAttempts' | 'retryMode' | 'retryStrategy' | 'requestHandler'
> {
  /** Time to establish the TCP/TLS connection. */
  connectionTimeoutMs?: number;
  /** Time for the whole request and response. */
  requestTimeoutMs?: number;
}

export function createConnectClient(options: CreateConnectClientOptions = {}): ConnectClient {
  const {
    connectionTimeoutMs = DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    ...config
  } = options;
  return new ConnectClient({
    ...config,
    region: config.region ?? regionWithFallback(config.profile),
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * The SDK's own region chain, read through a client that never sends a request (the chain's loader
 * is not part of the SDK's public API), with the fallback when the chain finds nothing.
 */
function regionWithFallback(profile: string | undefined): () => Promise<string> {
  const defaultChain = new ConnectClient({ profile }).config.region;
  return async () => {
    try {
      return await defaultChain();
    } catch {
      return FALLBACK_REGION;
    }
  };
}
