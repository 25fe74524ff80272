/**
 * The demo command's run: a dev server with its Web UI, the demo, its report; then, unless
 * `--exit`, everything stays up until Ctrl-C, which stops it in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { startDemoDevServer } from '../dev-server';
import { progressBar } from './progress';
import { demoSucceeded, formatDemoReport, formatWhereToLook } from './report';
import { runDemo } from './run-demo';
import type { DemoCommandOptions } from './demo-options';

/**
 * The Temporal runtime for the demo. Worker warnings (an activity retried after throttling, say),
 * the SDK core's included, would tear through the progress line: they are counted instead and
 * listed after the summary. Ctrl-C is left to the demo, which stops the worker before the server.
 */
function installDemoRuntime(): () => string | undefined {
  const tally = new Map<string, number>();
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry: LogEntry) => {
      tally.set(entry.message, (tally.get(entry.message) ?? 0) + 1);
    }),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
    shutdownSignals: [],
  });
  return () =>
    tally.size === 0
      ? undefined
      : 'Worker warnings: ' +
        [...tally.entries()]
          .sort(([, a], [, b]) => b - a)
          .map(([message, n]) => `${n} × "${message}"`)
          .join('; ');
}

/** How to run the CLI from here: the bin script of this checkout, or the installed command. */
function cliCommand(): string {
  const bin = path.join('bin', 'connect-task-router.js');
  return fs.existsSync(bin) ? `node ${bin}` : 'npx connect-task-router';
}

function untilInterrupted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export async function runDemoCommand(options: DemoCommandOptions): Promise<void> {
  const warnings = installDemoRuntime();
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      // Exiting still stops the dev server (see dev-server.ts); the worker is simply dropped.
      console.error('Stopping at once.');
      process.exit(130);
    }
    console.error('Stopping the worker, the emulator and the dev server (Ctrl-C again to stop at once)...');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (line: string) => console.log(line);
  try {
    const server = await startDemoDevServer({
      temporalPort: options.temporalPort,
      uiPort: options.uiPort,
      log,
    });
    try {
      log(`Temporal dev server on ${server.address}; Web UI on ${server.workflowsUrl}`);
      const report = await runDemo({
        client: server.client,
        connection: server.nativeConnection,
        tasks: options.tasks,
        scheduledBatchItems: options.scheduledBatch,
        seed: options.seed,
        timeoutMs: options.timeout * 1000,
        progress: progressBar(),
        signal: interrupt.signal,
        log,
        async beforeStop(report) {
          log(formatDemoReport(report));
          const warningLine = warnings();
          if (warningLine) log(warningLine);
          if (!options.exit && !interrupt.signal.aborted) {
            log(
              formatWhereToLook(report, {
                workflowsUrl: server.workflowsUrl,
                temporalAddress: server.address,
                cli: cliCommand(),
              }),
            );
            await untilInterrupted(interrupt.signal);
          } else if (!interrupt.signal.aborted) {
            log(
              `\nEnding (--exit): the Web UI stops with the demo; run it without --exit to browse the runs.`,
            );
          }
        },
      });
      process.exitCode = demoSucceeded(report) ? 0 : 1;
    } finally {
      await server.stop();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
