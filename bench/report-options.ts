/**
 * bench:report's sizes: the full run's, a quick smoke run's (`--quick`), and single sizes overridden
 * on the command line. Both runs go through the same code; only these numbers differ.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { integerOption } from '../src/cli/options';
import { listOf, oneOf } from './list-options';

export const MEASUREMENTS = ['bulk', 'polling', 'latency', 'free-at-once', 'actions'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

export interface ReportSizes {
  /** Contacts per bulk run, and the account's CreateContact quota per second. */
  bulkItems: number;
  bulkCreateRate: number;
  /** Give up a bulk run after this long. */
  bulkTimeLimitSeconds: number;
  /** routeTask children whose histories are read for the bulk run's actions count. */
  bulkSample: number;
  /** polling-budget: tasks waiting per measurement (the largest also gives the worker's peak RSS). */
  budgetWaiting: number[];
  /** The baseline's pollers per measurement (one per waiting task); larger N are extrapolated. */
  baselinePollers: number[];
  /** Measurement window of polling-budget and of the baseline. */
  windowSeconds: number;
  /** Tasks waiting at each t0 of the latency rounds. */
  latencyWaiting: number[];
  latencyRounds: number;
  freeAgents: number;
  freeWaiting: number;
  /** AssociateContactWithUser's quota (and the dispatcher's offersPerSecond) in free-at-once. */
  freeAssociateRate: number;
  freeTimeLimitSeconds: number;
  actionsTasks: number;
  /** Give up getting a line of waiting tasks in line after this long. */
  fillTimeoutSeconds: number;
  startConcurrency: number;
}

export const FULL_SIZES: ReportSizes = {
  // One batch: every agent is Offline, so a batch holds at most maxConcurrent (2,500) items at once.
  bulkItems: 2_000,
  bulkCreateRate: 50,
  bulkTimeLimitSeconds: 900,
  bulkSample: 200,
  budgetWaiting: [10, 1_000, 10_000],
  baselinePollers: [10, 100],
  windowSeconds: 20,
  latencyWaiting: [1, 1_000],
  latencyRounds: 40,
  freeAgents: 200,
  freeWaiting: 2_000,
  freeAssociateRate: 50,
  freeTimeLimitSeconds: 300,
  actionsTasks: 200,
  // 10,000 tasks get in line at about 6/s on 2 shared cores.
  fillTimeoutSeconds: 2_400,
  startConcurrency: 50,
};

export const QUICK_SIZES: ReportSizes = {
  bulkItems: 300,
  bulkCreateRate: 50,
  bulkTimeLimitSeconds: 300,
  bulkSample: 50,
  budgetWaiting: [10, 200, 1_000],
  baselinePollers: [10, 100],
  windowSeconds: 10,
  latencyWaiting: [1, 200],
  latencyRounds: 10,
  freeAgents: 50,
  freeWaiting: 300,
  freeAssociateRate: 50,
  freeTimeLimitSeconds: 120,
  actionsTasks: 50,
  fillTimeoutSeconds: 600,
  startConcurrency: 50,
};

export interface ReportOptions {
  quick: boolean;
  /** The folder under which each run writes a folder of its own, named after its start time. */
  out: string;
  measurements: Measurement[];
  sizes: ReportSizes;
}

/** The command-line flag of each size, with its parser and help. */
const SIZE_FLAGS: {
  [K in keyof ReportSizes]: { flag: string; help: string; parse: (text: string) => ReportSizes[K] };
} = {
  bulkItems: {
    flag: '--bulk-items <n>',
    help: 'bulk: contacts per run',
    parse: integerOption('--bulk-items', 10, 50_000),
  },
  bulkCreateRate: {
    flag: '--bulk-create-rate <r>',
    help: "bulk: the account's CreateContact quota per second",
    parse: integerOption('--bulk-create-rate', 1, 500),
  },
  bulkTimeLimitSeconds: {
    flag: '--bulk-time-limit <s>',
    help: 'bulk: give up a run after this many seconds',
    parse: integerOption('--bulk-time-limit', 30, 7_200),
  },
  bulkSample: {
    flag: '--bulk-sample <n>',
    help: 'bulk: routeTask children read for the actions count',
    parse: integerOption('--bulk-sample', 10, 2_000),
  },
  budgetWaiting: {
    flag: '--budget-waiting <list>',
    help: 'polling: tasks waiting per polling-budget measurement',
    parse: listOf('--budget-waiting', integerOption('--budget-waiting', 1, 20_000)),
  },
  baselinePollers: {
    flag: '--baseline-pollers <list>',
    help: 'polling: pollers (waiting tasks) per baseline measurement',
    parse: listOf('--baseline-pollers', integerOption('--baseline-pollers', 1, 1_000)),
  },
  windowSeconds: {
    flag: '--window <s>',
    help: 'polling: measurement window in seconds',
    parse: integerOption('--window', 5, 300),
  },
  latencyWaiting: {
    flag: '--latency-waiting <list>',
    help: 'latency: tasks waiting at each t0',
    parse: listOf('--latency-waiting', integerOption('--latency-waiting', 1, 20_000)),
  },
  latencyRounds: {
    flag: '--rounds <k>',
    help: 'latency: rounds per mode and waiting',
    parse: integerOption('--rounds', 1, 200),
  },
  freeAgents: {
    flag: '--free-agents <n>',
    help: 'free-at-once: agents set Available at once',
    parse: integerOption('--free-agents', 1, 5_000),
  },
  freeWaiting: {
    flag: '--free-waiting <n>',
    help: 'free-at-once: tasks waiting (at least --free-agents)',
    parse: integerOption('--free-waiting', 1, 100_000),
  },
  freeAssociateRate: {
    flag: '--free-associate-rate <r>',
    help: "free-at-once: AssociateContactWithUser's quota per second",
    parse: integerOption('--free-associate-rate', 1, 1_000),
  },
  freeTimeLimitSeconds: {
    flag: '--free-time-limit <s>',
    help: 'free-at-once: give up waiting for every agent to be busy after this many seconds',
    parse: integerOption('--free-time-limit', 10, 3_600),
  },
  actionsTasks: {
    flag: '--actions-tasks <n>',
    help: 'actions: routeTask runs to route',
    parse: integerOption('--actions-tasks', 1, 5_000),
  },
  fillTimeoutSeconds: {
    flag: '--fill-timeout <s>',
    help: 'give up getting a line of waiting tasks in line after this many seconds',
    parse: integerOption('--fill-timeout', 10, 7_200),
  },
  startConcurrency: {
    flag: '--start-concurrency <n>',
    help: 'routeTask starts in flight',
    parse: integerOption('--start-concurrency', 1, 200),
  },
};

export function parseReportOptions(): ReportOptions {
  const command = new Command('bench:report')
    .description(
      'Every benchmark against its baseline, side by side in one run on the emulator: report.md and SVG charts.',
    )
    .option('--quick', 'a smoke run with small sizes (the same code as the full run)', false)
    .option('--out <dir>', 'where the report folders go', resolve(__dirname, 'results'))
    .option(
      '--measurements <list>',
      `comma-separated: ${MEASUREMENTS.join(', ')}`,
      listOf('--measurements', oneOf('--measurements', MEASUREMENTS)),
      [...MEASUREMENTS],
    );
  // Each size's option, by the size's name: a flag's own attribute name need not match it.
  const sizeOptions = (Object.keys(SIZE_FLAGS) as (keyof ReportSizes)[]).map((key) => {
    const { flag, help, parse } = SIZE_FLAGS[key];
    const option = new Option(flag, `${help} (overrides the preset)`).argParser((text: string) =>
      parse(text),
    );
    command.addOption(option);
    return [key, option] as const;
  });
  command.parse();
  const given = command.opts<Record<string, unknown> & Omit<ReportOptions, 'sizes'>>();
  const preset = given.quick ? QUICK_SIZES : FULL_SIZES;
  const sizes = Object.fromEntries(
    sizeOptions.map(([key, option]) => [key, given[option.attributeName()] ?? preset[key]]),
  ) as unknown as ReportSizes;
  if (given.measurements.includes('free-at-once') && sizes.freeWaiting < sizes.freeAgents) {
    command.error(
      `error: --free-waiting (${sizes.freeWaiting}) must be at least --free-agents (${sizes.freeAgents}).`,
    );
  }
  return { quick: given.quick, out: given.out, measurements: given.measurements, sizes };
}
