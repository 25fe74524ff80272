/**
 * The worker of a Connect call lane: activities only, on purpose (see CONNECT_CALL_LANES).
 *
 * A Temporal TypeScript worker without workflows logs "No workflows registered, not polling for
 * workflow tasks" at WARN when it starts: a hint for a worker that forgot its workflows. Here there
 * is one such worker per lane, so every start of every deployment printed the warning eight times,
 * and a user whose logger shows warnings (the SDK's DefaultLogger prints them on stderr) saw them
 * on every start. The SDK (1.24) has no option to mark a worker activity-only and builds each
 * worker's logger from the Runtime's, which belongs to the application; so this subclass gives its
 * worker a logger that tells that one line at DEBUG, where it is still there for anyone looking.
 * Every other line, warnings included, passes unchanged.
 */
import type { MetricMeter } from '@temporalio/common';
import {
  type CompiledWorkerOptions,
  type Logger,
  type LogLevel,
  type LogMetadata,
  type NativeConnection,
  type Runtime,
  Worker,
  type WorkerPlugin,
} from '@temporalio/worker';
import type { NativeWorkerLike } from '@temporalio/worker/lib/worker';
import type { WorkflowCreator } from '@temporalio/worker/lib/workflow/interface';

/** The SDK's line for a worker without workflows (packages/worker/src/worker.ts, `workflow$`). */
export const NO_WORKFLOWS_MESSAGE = 'No workflows registered, not polling for workflow tasks';

/** A logger that passes everything to `logger`, except that it tells NO_WORKFLOWS_MESSAGE at DEBUG. */
export function activityOnlyLogger(logger: Logger): Logger {
  const levelOf = (level: LogLevel, message: string): LogLevel =>
    level === 'WARN' && message === NO_WORKFLOWS_MESSAGE ? 'DEBUG' : level;
  return {
    log: (level: LogLevel, message: string, meta?: LogMetadata) =>
      logger.log(levelOf(level, message), message, meta),
    trace: (message, meta) => logger.trace(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.info(message, meta),
    warn: (message, meta) =>
      levelOf('WARN', message) === 'WARN' ? logger.warn(message, meta) : logger.debug(message, meta),
    error: (message, meta) => logger.error(message, meta),
  };
}

/**
 * `ActivityOnlyWorker.create(options)` is `Worker.create(options)` (which constructs `this`), for
 * options without workflows. Its constructor is the SDK's protected one, with the logger wrapped.
 */
export class ActivityOnlyWorker extends Worker {
  protected constructor(
    runtime: Runtime,
    nativeWorker: NativeWorkerLike,
    workflowCreator: WorkflowCreator | undefined,
    options: CompiledWorkerOptions,
    logger: Logger,
    metricMeter: MetricMeter,
    plugins: WorkerPlugin[],
    connection?: NativeConnection,
    isReplayWorker?: boolean,
  ) {
    super(
      runtime,
      nativeWorker,
      workflowCreator,
      options,
      activityOnlyLogger(logger),
      metricMeter,
      plugins,
      connection,
      isReplayWorker,
    );
  }
}
