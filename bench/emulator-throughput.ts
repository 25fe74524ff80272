/**
 * CreateContact throughput of the Connect emulator over loopback, through the real AWS SDK client.
 * Bounded in count and time: at most 20,000 requests or 20 seconds, with 32 requests in flight.
 * Run: npm run bench:emulator
 */
import { ConnectClient, CreateContactCommand } from '@aws-sdk/client-connect';
import { OPERATIONS, startEmulator } from '../src/dev/emulator';
import { percentile } from './stats';

const MAX_REQUESTS = 20_000;
const MAX_DURATION_MS = 20_000;
const CONCURRENCY = 32;

async function main(): Promise<void> {
  const emulator = await startEmulator({
    seed: 1,
    // Measure the emulator, not its quotas: no throttling, and room for every task created.
    config: {
      handleTimeMs: null,
      activeTaskQuota: MAX_REQUESTS,
      throttling: Object.fromEntries(OPERATIONS.map((operation) => [operation, null])),
    },
  });
  const connect = new ConnectClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  const latenciesMs: number[] = [];
  let sent = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + MAX_DURATION_MS;

  const worker = async () => {
    while (sent < MAX_REQUESTS && performance.now() < deadline) {
      const index = sent++;
      const callStarted = performance.now();
      try {
        await connect.send(
          new CreateContactCommand({
            InstanceId: emulator.instanceId,
            Channel: 'TASK',
            InitiationMethod: 'API',
            Name: `bench task ${index}`,
            ClientToken: `bench-${index}`,
          }),
        );
        latenciesMs.push(performance.now() - callStarted);
      } catch {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsedSeconds = (performance.now() - started) / 1000;

  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const ledger = emulator.ledger();
  connect.destroy();
  await emulator.stop();

  console.log(
    [
      `CreateContact via @aws-sdk/client-connect over loopback, concurrency ${CONCURRENCY}`,
      `requests: ${latenciesMs.length} ok, ${failures} failed in ${elapsedSeconds.toFixed(2)} s`,
      `throughput: ${Math.round(latenciesMs.length / elapsedSeconds)} requests/s`,
      `latency: p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms`,
      `emulator ledger: ${ledger.contactsCreated} contacts created, ${ledger.duplicateCreations} duplicates`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
