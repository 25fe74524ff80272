/**
 * The routing benchmark: routeTask + the dispatcher on a real Temporal dev server (started here, on
 * 127.0.0.1) against the Connect emulator. Figures are printed as Markdown; nothing is asserted.
 *
 *   npm run bench:routing                                   # every scenario
 *   npm run bench:routing -- --scenario polling-budget --waiting 10,1000,10000
 *   npm run bench:routing -- --scenario latency --rounds 40 --latency-modes poll,push --latency-waiting 1,1000
 *   npm run bench:routing -- --scenario actions --tasks 200 --actions-modes poll,push
 *   npm run bench:routing -- --scenario offers --miss-rates 0,0.1,0.3 --offer-tasks 60 --rate-tasks 100
 *   npm run bench:routing -- --scenario free-at-once --free-agents 500 --free-waiting 2000 --free-associate-rate 50
 *   npm run bench:routing -- --scenario skills --skills-waiting 10000 --skills-agents 500 --skills-proficiencies 10
 *
 * Scenarios: polling-budget (GetCurrentUserData/s while N tasks wait, time to get N in line,
 * continue-as-new count, worker memory, carried book size), latency (agent Available →
 * AssociateContactWithUser, polling only and with push), actions (Temporal Cloud billable actions
 * per routed task), offers (offer → acceptance and miss → next offer as the package sees them, Connect
 * calls and Temporal actions per routed task by miss rate, tasks routed per second at Connect's default
 * quotas), free-at-once (how fast the dispatcher hands out slots when many agents become Available
 * together, at a raised associate rate; with --free-handle-time, then until they have worked the whole line down), skills (a dispatcher round's cost with routing criteria against
without, on the dispatcher's pure book: no server). Every loop is bounded in count and time.
 */
import { Command, InvalidArgumentError } from 'commander';
import { integerOption } from '../src/cli/options';
import { DEFAULT_COALESCE_MS } from '../src/push/agent-event-forwarder';
import { listOf, oneOf } from './list-options';
import { runActionsScenario } from './routing-actions';
import { runFreeAtOnceScenario } from './routing-free-at-once';
import { type LatencyMode, runLatencyScenario } from './routing-latency';
import { runOffersScenario } from './routing-offers';
import { runPollingBudgetScenario } from './routing-polling-budget';
import { runSkillsScenario } from './routing-skills';
import { maxCachedWorkflowsOption, startBenchDevServer, workerHeapOption } from './routing-stack';
import { seconds } from './stats';

const SCENARIOS = ['polling-budget', 'latency', 'actions', 'offers', 'free-at-once', 'skills'] as const;
/** Scenarios that need no Temporal server. */
const PURE_SCENARIOS: readonly Scenario[] = ['skills'];
type Scenario = (typeof SCENARIOS)[number];

/** A commander option parser for a probability in [0, 1]. */
function probabilityOption(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new InvalidArgumentError(`${name}: "${text}" is not a probability from 0 to 1.`);
    }
    return value;
  };
}

const LATENCY_MODES: readonly LatencyMode[] = ['poll', 'push'];

interface BenchOptions {
  scenario: Scenario[];
  waiting: number[];
  window: number;
  fillTimeout: number;
  maxCachedWorkflows?: number;
  workerHeapMb?: number;
  startRate: number;
  continueAsNewAfter?: number;
  startConcurrency: number;
  rounds: number;
  latencyModes: LatencyMode[];
  latencyWaiting: number[];
  pushPollInterval: number;
  pushCoalesceMs: number;
  tasks: number;
  actionsModes: LatencyMode[];
  missRates: number[];
  offerTasks: number;
  offerTimeout: number;
  rateTasks: number;
  freeAgents: number;
  freeWaiting: number;
  freeAssociateRate: number;
  freeTimeLimit: number;
  freeHandleTime?: number;
  skillsWaiting: number;
  skillsAgents: number;
  skillsProficiencies: number;
  skillsRounds: number;
  skillsFreed: number;
}

function parseOptions(): BenchOptions {
  const command = new Command('bench:routing')
    .description('Routing benchmark: Temporal dev server + Connect emulator, figures as Markdown.')
    .option(
      '--scenario <list>',
      `comma-separated: ${SCENARIOS.join(', ')}`,
      listOf('--scenario', oneOf('--scenario', SCENARIOS)),
      [...SCENARIOS],
    )
    .option(
      '--waiting <list>',
      'polling-budget: tasks waiting per measurement',
      listOf('--waiting', integerOption('--waiting', 1, 100_000)),
      [10, 1_000, 10_000],
    )
    .option(
      '--window <s>',
      'polling-budget: measurement window in seconds',
      integerOption('--window', 5, 300),
      20,
    )
    .option(
      '--fill-timeout <s>',
      'polling-budget, free-at-once, latency: give up getting N tasks in line after this many seconds',
      integerOption('--fill-timeout', 10, 3_600),
      1_200,
    )
    .addOption(maxCachedWorkflowsOption('polling-budget, free-at-once: '))
    .addOption(workerHeapOption('polling-budget, free-at-once: '))
    .option(
      '--continue-as-new-after <events>',
      "polling-budget: the dispatcher's continueAsNewAfterEvents (unset: its default)",
      integerOption('--continue-as-new-after', 10, 50_000),
    )
    .option(
      '--start-rate <r>',
      'polling-budget: at most r routeTask starts per second (0: no limit)',
      integerOption('--start-rate', 0, 10_000),
      0,
    )
    .option(
      '--start-concurrency <n>',
      'routeTask starts in flight (polling-budget, actions, offers, free-at-once, the latency line)',
      integerOption('--start-concurrency', 1, 200),
      50,
    )
    .option('--rounds <k>', 'latency: rounds per mode', integerOption('--rounds', 1, 200), 40)
    .option(
      '--latency-modes <list>',
      'latency: poll, push',
      listOf('--latency-modes', oneOf('--latency-modes', LATENCY_MODES)),
      [...LATENCY_MODES],
    )
    .option(
      '--latency-waiting <list>',
      'latency: tasks waiting for the queue at each t0, the measured one included (a line in the same queue)',
      listOf('--latency-waiting', integerOption('--latency-waiting', 1, 20_000)),
      [1],
    )
    .option(
      '--push-poll-interval <ms>',
      "latency with push: the dispatcher's poll interval",
      integerOption('--push-poll-interval', 1_000, 600_000),
      10_000,
    )
    .option(
      '--push-coalesce-ms <ms>',
      "latency and actions with push: the AgentEventForwarder's coalescing window",
      integerOption('--push-coalesce-ms', 0, 10_000),
      DEFAULT_COALESCE_MS,
    )
    .option('--tasks <n>', 'actions: routeTask runs to route', integerOption('--tasks', 1, 5_000), 200)
    .option(
      '--actions-modes <list>',
      'actions: poll, push',
      listOf('--actions-modes', oneOf('--actions-modes', LATENCY_MODES)),
      ['poll'],
    )
    .option(
      '--miss-rates <list>',
      'offers: probabilities that an agent misses an offer, one deployment each',
      listOf('--miss-rates', probabilityOption('--miss-rates')),
      [0, 0.1, 0.3],
    )
    .option(
      '--offer-tasks <n>',
      'offers: routeTask runs per miss rate',
      integerOption('--offer-tasks', 1, 2_000),
      60,
    )
    .option(
      '--offer-timeout <ms>',
      "offers: the emulator's offers.timeoutMs (an unanswered offer is missed after it)",
      integerOption('--offer-timeout', 500, 120_000),
      3_000,
    )
    .option(
      '--rate-tasks <n>',
      "offers: routeTask runs for tasks per second at Connect's default quotas",
      integerOption('--rate-tasks', 10, 2_000),
      100,
    )
    .option(
      '--free-agents <n>',
      'free-at-once: agents (one TASK slot each) set Available at once',
      integerOption('--free-agents', 1, 5_000),
      500,
    )
    .option(
      '--free-waiting <n>',
      'free-at-once: routeTask runs waiting when they become Available (at least --free-agents)',
      integerOption('--free-waiting', 1, 100_000),
      2_000,
    )
    .option(
      '--free-associate-rate <r>',
      "free-at-once: Connect's per-contact quotas (emulator and worker lanes) and the dispatcher's offersPerSecond",
      integerOption('--free-associate-rate', 1, 1_000),
      50,
    )
    .option(
      '--free-time-limit <s>',
      'free-at-once: give up waiting for every agent to be busy (with --free-handle-time, every task assigned) after this many seconds',
      integerOption('--free-time-limit', 10, 3_600),
      300,
    )
    .option(
      '--free-handle-time <ms>',
      'free-at-once: then the agents work the whole line down, each task taking this long (default: an agent keeps its task)',
      integerOption('--free-handle-time', 1, 3_600_000),
    )
    .option(
      '--skills-waiting <n>',
      'skills: tasks in line',
      integerOption('--skills-waiting', 1, 100_000),
      10_000,
    )
    .option('--skills-agents <n>', 'skills: agents', integerOption('--skills-agents', 1, 5_000), 500)
    .option(
      '--skills-proficiencies <n>',
      'skills: proficiencies per agent',
      integerOption('--skills-proficiencies', 0, 28),
      10,
    )
    .option(
      '--skills-rounds <n>',
      'skills: rounds measured',
      integerOption('--skills-rounds', 1, 10_000),
      300,
    )
    .option(
      '--skills-freed <n>',
      'skills: agents who free a slot each round',
      integerOption('--skills-freed', 1, 1_000),
      5,
    )
    .parse();
  const options = command.opts<BenchOptions>();
  // Every agent is to end with a task: fewer tasks than agents could never get there.
  if (options.scenario.includes('free-at-once') && options.freeWaiting < options.freeAgents) {
    command.error(
      `error: --free-waiting (${options.freeWaiting}) must be at least --free-agents (${options.freeAgents}).`,
    );
  }
  return options;
}

async function runScenario(
  scenario: Scenario,
  options: BenchOptions,
  server: Awaited<ReturnType<typeof startBenchDevServer>> | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (scenario === 'skills') {
    return runSkillsScenario(
      {
        waiting: options.skillsWaiting,
        agents: options.skillsAgents,
        proficienciesPerAgent: options.skillsProficiencies,
        rounds: options.skillsRounds,
        freedPerRound: options.skillsFreed,
      },
      log,
    );
  }
  if (!server) throw new Error(`scenario ${scenario} needs the dev server`);
  if (scenario === 'polling-budget') {
    const { markdown } = await runPollingBudgetScenario(
      server,
      {
        waiting: options.waiting,
        windowSeconds: options.window,
        startConcurrency: options.startConcurrency,
        fillTimeoutSeconds: options.fillTimeout,
        maxCachedWorkflows: options.maxCachedWorkflows,
        heapLimitMb: options.workerHeapMb,
        startRate: options.startRate,
        continueAsNewAfterEvents: options.continueAsNewAfter,
      },
      log,
    );
    return markdown;
  }
  if (scenario === 'latency') {
    const { markdown } = await runLatencyScenario(
      server,
      {
        rounds: options.rounds,
        modes: options.latencyModes,
        waiting: options.latencyWaiting,
        pushPollIntervalMs: options.pushPollInterval,
        pushCoalesceMs: options.pushCoalesceMs,
        startConcurrency: options.startConcurrency,
        fillTimeoutSeconds: options.fillTimeout,
      },
      log,
    );
    return markdown;
  }
  if (scenario === 'offers') {
    return runOffersScenario(
      server,
      {
        missRates: options.missRates,
        offerTasks: options.offerTasks,
        offerTimeoutMs: options.offerTimeout,
        rateTasks: options.rateTasks,
        startConcurrency: options.startConcurrency,
      },
      log,
    );
  }
  if (scenario === 'free-at-once') {
    const { markdown } = await runFreeAtOnceScenario(
      server,
      {
        agents: options.freeAgents,
        waiting: options.freeWaiting,
        associateRate: options.freeAssociateRate,
        fillTimeoutSeconds: options.fillTimeout,
        timeLimitSeconds: options.freeTimeLimit,
        drainHandleTimeMs: options.freeHandleTime,
        startConcurrency: options.startConcurrency,
        maxCachedWorkflows: options.maxCachedWorkflows,
        heapLimitMb: options.workerHeapMb,
      },
      log,
    );
    return markdown;
  }
  const reports: string[] = [];
  for (const mode of options.actionsModes) {
    const { markdown } = await runActionsScenario(
      server,
      {
        tasks: options.tasks,
        startConcurrency: options.startConcurrency,
        push: mode === 'push',
        pushCoalesceMs: options.pushCoalesceMs,
      },
      log,
    );
    reports.push(markdown);
  }
  return reports.join('\n\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const benchStarted = Date.now();
  const needsServer = options.scenario.some((scenario) => !PURE_SCENARIOS.includes(scenario));
  const server = needsServer ? await startBenchDevServer(log) : undefined;
  if (server) log(`Temporal dev server on ${server.address}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the dev server`);
      void (server?.teardown() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  try {
    for (const scenario of options.scenario) {
      const began = Date.now();
      log(`scenario ${scenario}...`);
      const report = await runScenario(scenario, options, server, log);
      const wall = `Wall time of scenario ${scenario}: ${seconds(Date.now() - began)}.`;
      log(wall);
      console.log(`${report}\n\n${wall}\n`);
    }
  } finally {
    await server?.teardown();
  }
  console.log(`Total wall time: ${seconds(Date.now() - benchStarted)} (dev server start included).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
