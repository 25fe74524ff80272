/**
 * The `skills` scenario of bench:routing: what skills-based matching costs a dispatcher round. The
 * dispatcher's book (the pure state its workflow runs) holds a line of N waiting tasks and M agents
 * with P proficiencies each; every simulated second some agents free a slot, the round matches, the
 * matched tasks leave and as many new ones join, so the line stays N long. Side by side: the same line
 * with routing criteria (two steps, each an AND of two skills, the first expiring) and without (the
 * queue-only matching a user has today). Reported per round: CPU time of `round()` plus the skill
 * bookkeeping the workflow does each round, and the bytes the round adds to the dispatcher's history
 * (signals to tasks: reservations and wait notices); and once: the carried book, and one agent's
 * ListUserProficiencies answer as the activity returns it. No server: the book is the whole decision.
 */
import {
  type AgentProficiency,
  type AgentState,
  DEFAULT_DISPATCHER_SETTINGS,
  type WaitingTask,
} from '../src/shared/dispatcher-contract';
import type { RoutingCriteria } from '../src/shared/routing-criteria';
import { type BookSettings, DispatcherBook } from '../src/shared/routing/dispatcher-book';
import { fmt, formatTable, summarize } from './stats';

export interface SkillsScenarioOptions {
  waiting: number;
  agents: number;
  proficienciesPerAgent: number;
  rounds: number;
  /** Agents who free one TASK slot each simulated second. */
  freedPerRound: number;
}

/** The dispatcher's defaults, with offers unpaced: the round's own cost is what is measured. */
const SETTINGS: BookSettings = { ...DEFAULT_DISPATCHER_SETTINGS, offersPerSecond: 1_000, offerBurst: 1_000 };

const QUEUES = ['q-1', 'q-2', 'q-3', 'q-4', 'q-5'];
const LANGUAGES = ['English', 'Spanish', 'French', 'German', 'Portuguese', 'Italian', 'Polish', 'Dutch'];
const PRODUCTS = Array.from({ length: 20 }, (_, index) => `Product-${index + 1}`);
const T0 = Date.UTC(2026, 11, 3, 9);

/** mulberry32: the same line and agents in every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function agentProficiencies(next: () => number, count: number): AgentProficiency[] {
  const pool = [
    ...LANGUAGES.map((value) => ({ name: 'Language', value })),
    ...PRODUCTS.map((value) => ({ name: 'Product', value })),
  ];
  const chosen: AgentProficiency[] = [];
  while (chosen.length < Math.min(count, pool.length)) {
    const [skill] = pool.splice(Math.floor(next() * pool.length), 1);
    chosen.push({ ...skill!, level: 1 + Math.floor(next() * 5) });
  }
  return chosen;
}

/** A handful of criteria shared by many tasks, as a bulk batch or a flow would set them. */
function criteriaFor(index: number): RoutingCriteria {
  const language = LANGUAGES[index % LANGUAGES.length]!;
  const product = PRODUCTS[index % PRODUCTS.length]!;
  const skill = (name: string, value: string, proficiencyLevel: number) => ({
    attributeCondition: { name, value, proficiencyLevel },
  });
  return {
    steps: [
      {
        expression: { andExpression: [skill('Language', language, 4), skill('Product', product, 3)] },
        expirySeconds: 60,
      },
      { expression: { andExpression: [skill('Language', language, 2), skill('Product', product, 1)] } },
    ],
  };
}

interface RunFigures {
  roundMs: number[];
  historyBytes: number[];
  assigned: number;
  carriedBytes: number;
}

function runLine(options: SkillsScenarioOptions, withCriteria: boolean): RunFigures {
  const next = random(7);
  const book = new DispatcherBook(SETTINGS);
  const profiles = QUEUES.map((_, index) => `rp-${index}`);
  // Each routing profile serves two neighbouring queues: agents are blended across queues.
  profiles.forEach((profile, index) =>
    book.setRoutingProfileQueues(profile, {
      manual: [QUEUES[index]!, QUEUES[(index + 1) % QUEUES.length]!],
      routed: [],
    }),
  );
  const agentIds = Array.from({ length: options.agents }, (_, index) => `agent-${index}`);
  const routingProfileOf = (userId: string) => profiles[Number(userId.slice(6)) % profiles.length]!;
  const skills = Object.fromEntries(
    agentIds.map((userId) => [userId, agentProficiencies(next, options.proficienciesPerAgent)]),
  );
  let taskCounter = 0;
  const newTask = (now: number): WaitingTask => {
    taskCounter += 1;
    return {
      taskId: `task-${taskCounter}`,
      queueId: QUEUES[taskCounter % QUEUES.length]!,
      priority: 1 + Math.floor(next() * 5),
      enqueuedAt: now,
      preferredAgentIds: [],
      widenAt: now,
      excludedAgentIds: [],
      allowedStatuses: ['Available'],
      ...(withCriteria ? { routingCriteria: criteriaFor(taskCounter % 40) } : {}),
    };
  };
  // The line fills over the 10 minutes before the first round.
  for (let index = 0; index < options.waiting; index += 1) {
    book.enqueue(newTask(T0 - 600_000 + Math.floor((index * 600_000) / options.waiting)));
  }
  const agentsWith = (free: ReadonlySet<string>, now: number): AgentState[] =>
    agentIds.map((userId) => ({
      userId,
      routingProfileId: routingProfileOf(userId),
      statusName: 'Available',
      statusSince: T0 - 3_600_000 + Number(userId.slice(6)),
      freeTaskSlots: free.has(userId) ? 1 : 0,
      contacts: [],
      observedAt: now,
    }));
  book.applySnapshot(agentsWith(new Set(), T0 - 1), T0 - 1);
  if (withCriteria) book.setSkills(skills, [], T0 - 1);
  book.round(T0 - 1); // settles the line's first decisions, as a running dispatcher would have

  const figures: RunFigures = { roundMs: [], historyBytes: [], assigned: 0, carriedBytes: 0 };
  for (let round = 0; round < options.rounds; round += 1) {
    const now = T0 + round * 1000;
    const free = new Set<string>();
    while (free.size < options.freedPerRound) free.add(agentIds[Math.floor(next() * agentIds.length)]!);
    book.applySnapshot(agentsWith(free, now), now);
    const started = process.hrtime.bigint();
    // What the workflow does each round besides matching: asks which agents' skills to read.
    book.agentsNeedingSkills(now, 6);
    const outcome = book.round(now);
    figures.roundMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    figures.historyBytes.push(
      JSON.stringify(outcome.reservations).length +
        JSON.stringify(outcome.notices).length +
        JSON.stringify(outcome.verdicts).length,
    );
    // The matched tasks are accepted and leave; as many new ones join.
    for (const reservation of outcome.reservations) {
      book.leave(reservation.taskId);
      book.enqueue(newTask(now));
    }
    figures.assigned += outcome.reservations.length;
  }
  // What the next run's input carries once the rest of the line has gone to line segments.
  book.spillForContinueAsNew(T0 + options.rounds * 1000, (index) => `segment-${index}`);
  figures.carriedBytes = JSON.stringify(book.encode()).length;
  return figures;
}

export function runSkillsScenario(options: SkillsScenarioOptions, log: (line: string) => void): string {
  const rows: unknown[][] = [];
  for (const withCriteria of [false, true]) {
    log(`skills: ${withCriteria ? 'with' : 'without'} routing criteria, ${options.waiting} waiting...`);
    const figures = runLine(options, withCriteria);
    const time = summarize(figures.roundMs);
    const bytes = summarize(figures.historyBytes);
    rows.push([
      withCriteria ? 'routing criteria (2 steps, 2 skills each)' : 'queue only (baseline)',
      `${fmt(figures.assigned)} / ${fmt(options.rounds * options.freedPerRound)}`,
      `${fmt(time.p50, 2)} / ${fmt(time.p99, 2)} / ${fmt(time.max, 2)}`,
      `${fmt(bytes.mean)} / ${fmt(bytes.max)}`,
      fmt(figures.carriedBytes / 1024, 1),
    ]);
  }
  const oneAgent = agentProficiencies(random(7), options.proficienciesPerAgent);
  return [
    `### Skills matching per round: ${fmt(options.waiting)} waiting, ${options.agents} agents with ` +
      `${options.proficienciesPerAgent} proficiencies each, ${options.freedPerRound} slots freed per round, ` +
      `${options.rounds} rounds`,
    '',
    formatTable(
      [
        'line',
        'slots filled',
        'round ms p50 / p99 / max',
        'history bytes per round mean / max',
        'carried at continue-as-new KiB',
      ],
      rows,
    ),
    '',
    `One agent's proficiencies as listUserProficiencies returns them: ${JSON.stringify({ proficiencies: { 'agent-0': oneAgent } }).length} bytes ` +
      `(${options.agents} agents every skillRefreshMs, 15 min by default, while a task with criteria waits).`,
  ].join('\n');
}
