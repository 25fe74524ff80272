/**
 * The worker's Prometheus endpoint: the Temporal runtime's own metrics (temporal_*) and the package's
 * (connect_task_router_*, see metric-names.ts), which activities and workflows emit through the
 * SDK's metric meter, so that one address serves them all at /metrics.
 */
import net from 'node:net';
import type { MetricsExporterConfig } from '@temporalio/worker';
import { HISTOGRAM_BUCKETS } from './metric-names';

export const DEFAULT_METRICS_PORT = 9464;

/**
 * `host:port` to bind the metrics endpoint to: an IPv4 address, `[IPv6]`, or `localhost`
 * (127.0.0.1); `0.0.0.0` serves every interface. Throws a one-line message naming `name` otherwise.
 */
export function parseMetricsAddress(text: string, name: string): string {
  const match = /^(.*):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] === 'localhost' ? '127.0.0.1' : match?.[1];
  const port = Number(match?.[2]);
  const bare = host?.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const valid =
    host !== undefined &&
    bare !== undefined &&
    port >= 1 &&
    port <= 65_535 &&
    (net.isIPv4(host) || (net.isIPv6(bare) && host !== bare));
  if (!valid) {
    throw new Error(
      `${name} must be host:port with an IP address (e.g. 127.0.0.1:${DEFAULT_METRICS_PORT} or ` +
        `0.0.0.0:${DEFAULT_METRICS_PORT}), got "${text}".`,
    );
  }
  return `${host}:${port}`;
}

/** The Runtime's metrics exporter for `bindAddress` (counters as *_total, durations in seconds). */
export function prometheusExporter(bindAddress: string): MetricsExporterConfig {
  return {
    prometheus: {
      bindAddress,
      useSecondsForDurations: true,
      histogramBucketOverrides: HISTOGRAM_BUCKETS,
    },
  };
}
