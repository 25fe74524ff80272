/**
 * The worker command's logs: every log line of the Temporal SDK (the worker's own, workflow and
 * activity logs with their workflowId/runId/activityType, and Core's forwarded logs) through one
 * logger installed on the Runtime, written either as one JSON object per line or as a readable line.
 *
 * No secrets: fields whose names look secret (…secret…, …token…, apiKey, password, authorization,
 * credentials, private keys, encryption keys) are redacted, and so is, anywhere in a line, the value of
 * any secret environment variable (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, TEMPORAL_API_KEY, TLS key
 * data, CONNECT_TASK_ROUTER_ENCRYPTION_KEYS and each key in it...).
 */
import { DefaultLogger, type LogEntry, type Logger, type LogLevel } from '@temporalio/worker';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export const REDACTED = '[REDACTED]';

/** Field names whose values are never logged. */
const SECRET_FIELD =
  /secret|token|password|passphrase|api_?key|authorization|credential|private_?key|key_?data|encryption_?keys?$/i;
/** Environment variables whose values are never logged, wherever they would appear. */
const SECRET_VARIABLE = /SECRET|TOKEN|PASSWORD|API_KEY|KEY_DATA|PRIVATE_KEY|CREDENTIAL|ENCRYPTION_KEY/i;
/** Shorter values are not searched for (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

/**
 * A secret value, and the secrets in it when it is a list of `id:secret` entries (as
 * CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is), each of which a line could show on its own.
 */
function secretParts(value: string): string[] {
  const entries = value.split(',').map((entry) => entry.trim());
  return [value, ...entries, ...entries.map((entry) => entry.slice(entry.indexOf(':') + 1))];
}

/** The values of the environment's secret variables, longest first. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_VARIABLE.test(name) && value !== undefined)
    .flatMap(([, value]) => secretParts(value!))
    .filter((value) => value.length >= MIN_SECRET_LENGTH);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** The fields the SDK puts on workflow, activity and worker log lines, first in each JSON line. */
const LEADING_FIELDS = [
  'sdkComponent',
  'namespace',
  'taskQueue',
  'workflowType',
  'workflowId',
  'runId',
  'activityType',
  'activityId',
  'attempt',
  'contactId',
  'agentId',
];

/** A JSON-safe copy: errors as name/message/stack, bigints as strings, secrets and cycles cut. */
function plain(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    const error: Record<string, unknown> = { name: value.name, message: value.message, stack: value.stack };
    const { cause } = value as { cause?: unknown };
    if (cause !== undefined) error.cause = plain(cause, seen, depth + 1);
    const { type } = value as { type?: unknown };
    if (typeof type === 'string') error.type = type;
    return error;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => plain(item, seen, depth + 1));
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] =
      SECRET_FIELD.test(key) && field !== undefined && field !== null
        ? REDACTED
        : plain(field, seen, depth + 1);
  }
  return copy;
}

function scrub(line: string, secrets: string[]): string {
  let clean = line;
  for (const secret of secrets) if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
  return clean;
}

/** One log entry as a JSON object: time, level, message, the SDK's ids, then the rest of its fields. */
export function formatJson(entry: LogEntry, secrets: string[] = []): string {
  const meta = (plain(entry.meta ?? {}) ?? {}) as Record<string, unknown>;
  const record: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    message: entry.message,
  };
  for (const field of LEADING_FIELDS) if (meta[field] !== undefined) record[field] = meta[field];
  for (const [field, value] of Object.entries(meta)) if (!(field in record)) record[field] = value;
  return scrub(JSON.stringify(record), secrets);
}

/** One log entry as a line for people: time, level, message, then its fields as JSON. */
export function formatPretty(entry: LogEntry, secrets: string[] = []): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = plain(entry.meta ?? {}) as Record<string, unknown>;
  const fields = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
  return scrub(`${time} ${entry.level.padEnd(5)} ${entry.message}${fields}`, secrets);
}

export interface WorkerLoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; default: stdout. */
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The logger for `Runtime.install({ logger })`. */
export function createWorkerLogger(options: WorkerLoggerOptions): Logger {
  const secrets = secretValues(options.env);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const format = options.format === 'json' ? formatJson : formatPretty;
  return new DefaultLogger(options.level, (entry) => write(format(entry, secrets)));
}

/** JSON where the output is not a terminal (a service, a container), readable lines in a terminal. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * Node's process warnings (e.g. a dependency's deprecation notice) as log lines of the logger,
 * instead of Node's own plain lines on stderr.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) =>
    logger.warn(warning.name === 'Warning' ? warning.message : `${warning.name}: ${warning.message}`, {
      sdkComponent: 'node',
    }),
  );
}
