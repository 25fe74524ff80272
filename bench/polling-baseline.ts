/**
 * The polling baseline: what a user would otherwise write to notice a free agent for each waiting task
 * — one poller per task, each calling GetCurrentUserData for its task's queue once a second through
 * `@aws-sdk/client-connect` with its default retries (standard mode, 3 attempts, its client-side retry
 * quota). For each N, N pollers run against a fresh emulator (every agent Offline, GetCurrentUserData
 * at Connect's default quota, 2/s burst 5) for a window; the emulator's ledger counts the requests it
 * saw, throttled ones included. Every loop is bounded in count and time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectClient, GetCurrentUserDataCommand } from '@aws-sdk/client-connect';
import { DEFAULT_CALL_CENTRE, EVERYONE_OFFLINE, startEmulator } from '../src/dev/emulator';
import { BILLING_QUEUE, SUPPORT_QUEUE, withTimeout } from './routing-stack';
import type { ScenarioReport } from './scenario-report';
import { fmt, formatTable, seconds } from './stats';

export interface PollerBaselineOptions {
  /** Waiting tasks, one poller each, per measurement. */
  pollers: number[];
  windowSeconds: number;
}

export interface PollerBaselineResult {
  pollers: number;
  windowMs: number;
  /** GetCurrentUserData requests the emulator saw in the window (SDK retries included), and how many it throttled. */
  requests: number;
  throttled: number;
  /** Polls that got an answer, and polls that failed for good after the SDK's retries (whole run). */
  pollsAnswered: number;
  pollsFailed: number;
  failuresByError: Record<string, number>;
}

const POLL_EVERY_MS = 1_000;

async function measure(
  pollers: number,
  windowSeconds: number,
  log: (line: string) => void,
): Promise<PollerBaselineResult> {
  const emulator = await startEmulator({ seed: 7, config: { ...EVERYONE_OFFLINE } });
  const connect = new ConnectClient({
    endpoint: emulator.endpoint,
    region: DEFAULT_CALL_CENTRE.instance.region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const windowMs = windowSeconds * 1000;
    const from = Date.now();
    const to = from + windowMs;
    let pollsAnswered = 0;
    let pollsFailed = 0;
    const failuresByError: Record<string, number> = {};
    // Each poller starts at a random moment of the first second, as tasks arriving one by one would.
    const poller = async (index: number) => {
      const phase = Math.random() * POLL_EVERY_MS;
      for (let tick = 0; tick <= windowSeconds; tick++) {
        const due = from + phase + tick * POLL_EVERY_MS;
        if (due >= to) break;
        await sleep(Math.max(0, due - Date.now()));
        try {
          await connect.send(
            new GetCurrentUserDataCommand({
              InstanceId: emulator.instanceId,
              Filters: { Queues: [index % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE] },
              MaxResults: 100,
            }),
          );
          pollsAnswered += 1;
        } catch (error) {
          pollsFailed += 1;
          const name = (error as Error).name;
          failuresByError[name] = (failuresByError[name] ?? 0) + 1;
        }
      }
    };
    log(`polling baseline: ${fmt(pollers)} pollers for ${seconds(windowMs)}`);
    const running = Promise.all(Array.from({ length: pollers }, (_, index) => poller(index)));
    await sleep(windowMs);
    // Read at the window's end: retries still in flight after it are not the window's.
    const ledger = emulator.ledger();
    await withTimeout('the pollers to finish', running, 60_000).catch((error: unknown) =>
      log(`polling baseline: ${String(error)}`),
    );
    return {
      pollers,
      windowMs,
      requests: ledger.calls.GetCurrentUserData ?? 0,
      throttled: ledger.throttledCalls.GetCurrentUserData ?? 0,
      pollsAnswered,
      pollsFailed,
      failuresByError,
    };
  } finally {
    connect.destroy();
    await emulator.stop();
  }
}

/** Requests per second the emulator saw, over the window. */
export function requestsPerSecond(result: PollerBaselineResult): number {
  return result.requests / (result.windowMs / 1000);
}

export async function runPollerPerTaskBaseline(
  options: PollerBaselineOptions,
  log: (line: string) => void,
): Promise<ScenarioReport<PollerBaselineResult[]>> {
  const results: PollerBaselineResult[] = [];
  for (const pollers of options.pollers) results.push(await measure(pollers, options.windowSeconds, log));
  const perSecond = (n: number, r: PollerBaselineResult) => fmt(n / (r.windowMs / 1000), 2);
  const markdown = [
    '### Baseline: one poller per waiting task',
    '',
    "N pollers, each calling GetCurrentUserData for its task's queue (Billing and Support alternately) once a " +
      'second, starting at a random moment of the first second, through `@aws-sdk/client-connect` with its ' +
      'defaults (retryMode standard, maxAttempts 3); one client, as one process would share. A fresh emulator for ' +
      'each N: every agent Offline, GetCurrentUserData at its default quota (2/s, burst 5). Requests and throttles ' +
      `from the emulator's ledger over a ${options.windowSeconds} s window.`,
    '',
    formatTable(
      [
        'pollers (waiting)',
        'GetCurrentUserData requests /s',
        'per poller /s',
        'throttled /s',
        'polls answered',
        'polls failed for good',
        'failures by error',
      ],
      results.map((r) => [
        fmt(r.pollers),
        perSecond(r.requests, r),
        fmt(requestsPerSecond(r) / r.pollers, 2),
        perSecond(r.throttled, r),
        fmt(r.pollsAnswered),
        fmt(r.pollsFailed),
        Object.entries(r.failuresByError)
          .map(([name, n]) => `${name} ${fmt(n)}`)
          .join(', ') || 'none',
      ]),
    ),
  ].join('\n');
  return { markdown, figures: results };
}
