/**
 * Latency from an agent becoming Available to AssociateContactWithUser, polling only and with the
 * push path, with W tasks waiting for the Billing queue at t0 (`waiting`, 1 by default). With W > 1,
 * W − 1 tasks get in line before the rounds begin, in the same queue: the dispatcher then offers the
 * head of the line (its oldest task), so the latency includes waking the run that waited longest, as
 * it would with a real line (a line in another queue would leave the freed agent's own queue at one
 * task). Each round: one task joins the back of the line (W waiting), every agent is Offline and the
 * dispatcher knows it; after a random 0–1 s pause (so that t0 falls anywhere within a 1 s poll
 * interval) one agent with a single TASK slot goes Available at t0. The latency is the emulator
 * ledger's first association at or after t0 minus t0 (one process, one clock). Then the agent
 * finishes the contact (no after-contact work) and goes Offline again: an agent still holding a
 * contact would get Offline only as its next status, staying Available with its other slots free.
 * The tasks still waiting at the end are terminated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { waitUntil } from '../test/helpers/eventually';
import { EVERYONE_OFFLINE } from '../src/dev/emulator';
import { DEFAULT_DISPATCHER_SETTINGS } from '../src/shared/dispatcher-contract';
import type { routeTask } from '../workflows/route-task';
import {
  BILLING_QUEUE,
  type BenchServer,
  type Deployment,
  ONE_SLOT_BILLING_AGENTS,
  RAISED_CONTACT_QUOTAS,
  RAISED_CONTACT_QUOTAS_TEXT,
  roomForTasks,
  startDeployment,
  withTimeout,
} from './routing-stack';
import type { ScenarioReport } from './scenario-report';
import { fmt, formatTable, seconds, summarize } from './stats';
import { fillLine, terminateOpen } from './waiting-line';

export type LatencyMode = 'poll' | 'push';

export interface LatencyOptions {
  rounds: number;
  modes: LatencyMode[];
  /** Tasks waiting for the Billing queue at each t0, the round's own included (one deployment per value and mode). */
  waiting: number[];
  /** The poll interval with push: long, so that only the push path explains a fast assignment. */
  pushPollIntervalMs: number;
  /** With push: the forwarder's coalescing window. */
  pushCoalesceMs: number;
  /** For the line: routeTask starts in flight, and when to give up getting it in line. */
  startConcurrency: number;
  fillTimeoutSeconds: number;
}

export interface LatencyResult {
  mode: LatencyMode;
  waiting: number;
  pollIntervalMs: number;
  latenciesMs: number[];
  /** Rounds in which the dispatcher did not poll between t0 and the assignment. */
  withoutPoll: number;
  wrongAgent: number;
  overCapacity: number;
  /** Getting the W − 1 tasks of the line in line (0 without a line). */
  fillMs: number;
  /** Why the line or a round failed; the rounds measured until then are kept. */
  failure?: string;
  wallMs: number;
  logs: Record<string, number>;
}

type Rounds = Pick<LatencyResult, 'latenciesMs' | 'withoutPoll' | 'wrongAgent'>;

async function runRounds(
  deployment: Deployment,
  mode: LatencyMode,
  pollIntervalMs: number,
  rounds: number,
  line: { waiting: number; handles: (WorkflowHandle<typeof routeTask> | undefined)[] },
  measured: Rounds,
  log: (line: string) => void,
): Promise<void> {
  const { waiting, handles } = line;
  const label = `latency ${mode} at ${fmt(waiting)} waiting`;
  let offlineAt = 0;
  // The push path: every agent event the emulator sent has reached the follower (the emulator runs
  // in this process: a moment suffices) and gone out in a signal (it may wait up to coalesceMs).
  const allForwarded = async (what: string) => {
    await sleep(100);
    await waitUntil(what, () => (deployment.follower?.pending() === 0 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
  };

  for (let round = 0; round < rounds; round += 1) {
    const agent = ONE_SLOT_BILLING_AGENTS[round % ONE_SLOT_BILLING_AGENTS.length];
    // The line holds indices 0 … waiting − 2; each round's task comes after them.
    const index = waiting - 1 + round;
    handles[index] = await deployment.startTask(index, latencyTask(mode, index));
    // Ready: W tasks in line; the dispatcher knows the last agent went Offline (a poll after it, or
    // its forwarded event); the reservation of the last assignment is gone (Connect showed the contact).
    let last: unknown;
    const ready = await waitUntil(
      () => `round ${round} ready (last dispatcher status: ${JSON.stringify(last)})`,
      async () => {
        const status = await deployment.status();
        last = status;
        const knowsOffline =
          mode === 'push'
            ? deployment.follower?.pending() === 0
            : status?.lastPollAt !== undefined && Date.parse(status.lastPollAt) > offlineAt;
        return status?.waitingCount === waiting && status.reservationCount === 0 && knowsOffline
          ? status
          : undefined;
      },
      { timeoutMs: pollIntervalMs * 2 + 30_000, intervalMs: 100 },
    );
    await sleep(Math.random() * 1_000);
    if (mode === 'push') await allForwarded(`round ${round}: events forwarded before t0`);
    const before = (await deployment.status()) ?? ready;

    const t0 = Date.now();
    deployment.emulator.setAgentStatus(agent, 'Available');
    // The head of the line is offered, not necessarily this round's task: the ledger says which.
    const assignment = await waitUntil(
      `round ${round}: an association after t0`,
      () =>
        deployment.emulator
          .ledger()
          .assignments.find(
            (record) => record.via === 'AssociateContactWithUser' && Date.parse(record.at) >= t0,
          ),
      { timeoutMs: pollIntervalMs + 30_000, intervalMs: 20 },
    );
    const contactName = deployment.emulator
      .snapshot()
      .contacts.find((contact) => contact.id === assignment.contactId)?.name;
    const assignedIndex = handles.findIndex(
      (handle, candidate) =>
        handle !== undefined && latencyTask(mode, candidate).contact.name === contactName,
    );
    if (assignedIndex < 0)
      throw new Error(`round ${round}: no task of this bench owns contact "${contactName}"`);
    const result = await withTimeout(
      `round ${round} result`,
      handles[assignedIndex]!.result(),
      pollIntervalMs + 30_000,
    );
    if (result.outcome !== 'assigned' || result.contactId !== assignment.contactId) {
      throw new Error(`round ${round}: not the assignment the ledger shows (${JSON.stringify(result)})`);
    }
    handles[assignedIndex] = undefined;
    deployment.emulator.completeContact(assignment.contactId);
    deployment.emulator.setAgentStatus(assignment.userId, 'Offline');
    offlineAt = Date.now();
    if (assignment.userId !== agent) measured.wrongAgent += 1;
    measured.latenciesMs.push(Date.parse(assignment.at) - t0);
    const after = await deployment.status();
    if (after && after.pollCount === before.pollCount) measured.withoutPoll += 1;
    if ((round + 1) % 10 === 0) log(`${label}: ${round + 1}/${rounds} rounds`);
    // The next task must not be matched against a picture taken before this agent went Offline: with
    // push, its event reaches the dispatcher; polling only, a poll after a poll interval (polls stop
    // while nothing waits; the next task's arrival triggers one once the interval has passed).
    if (mode === 'push') await allForwarded(`round ${round}: Offline forwarded`);
    else await sleep(pollIntervalMs + 250);
  }
}

/** The `index`th task of a deployment: its contact name says which run it belongs to. */
function latencyTask(mode: LatencyMode, index: number) {
  return { queueId: BILLING_QUEUE, contact: { name: `latency bench ${mode} ${index}` } };
}

async function measure(
  server: BenchServer,
  mode: LatencyMode,
  waiting: number,
  options: LatencyOptions,
  log: (line: string) => void,
): Promise<LatencyResult> {
  const pollIntervalMs =
    mode === 'push' ? options.pushPollIntervalMs : DEFAULT_DISPATCHER_SETTINGS.pollIntervalMs;
  const lineLength = waiting - 1;
  const deployment = await startDeployment(server, {
    label: `latency-${mode}-${waiting}`,
    config: { ...EVERYONE_OFFLINE, afterContactWorkMs: 0, ...roomForTasks(waiting + options.rounds) },
    // The line needs them to fill in reasonable time; the same for every W, so that W alone differs.
    connectCallRates: RAISED_CONTACT_QUOTAS,
    dispatcherSettings: { pollIntervalMs },
    push: mode === 'push',
    pushCoalesceMs: options.pushCoalesceMs,
  });
  const say = (line: string) => log(`latency ${mode} at ${fmt(waiting)} waiting: ${line}`);
  const handles: (WorkflowHandle<typeof routeTask> | undefined)[] = [];
  const measured: Rounds = { latenciesMs: [], withoutPoll: 0, wrongAgent: 0 };
  const began = Date.now();
  let fillMs = 0;
  let failure: string | undefined;
  try {
    if (lineLength > 0) {
      const fill = await fillLine(
        deployment,
        {
          count: lineLength,
          startConcurrency: options.startConcurrency,
          fillTimeoutSeconds: options.fillTimeoutSeconds,
          task: (index) => latencyTask(mode, index),
        },
        handles,
        say,
      );
      fillMs = fill.fillMs;
      failure = fill.failure && `the line never got all in line: ${fill.failure}`;
      if (!failure) say(`${fmt(lineLength)} in line after ${seconds(fillMs)}`);
    }
    if (!failure) {
      await runRounds(
        deployment,
        mode,
        pollIntervalMs,
        options.rounds,
        { waiting, handles },
        measured,
        log,
      ).catch((error: unknown) => {
        failure = (error as Error).message;
        say(`stopped: ${failure}`);
      });
    }
    const logs = deployment.worker.exitReason()
      ? {}
      : ((await deployment.worker.stats().catch(() => undefined))?.logs ?? {});
    return {
      mode,
      waiting,
      pollIntervalMs,
      ...measured,
      overCapacity: deployment.emulator.ledger().overCapacityAssignments,
      fillMs,
      failure,
      wallMs: Date.now() - began,
      logs,
    };
  } finally {
    await terminateOpen(handles);
    await deployment.stop();
  }
}

export async function runLatencyScenario(
  server: BenchServer,
  options: LatencyOptions,
  log: (line: string) => void,
): Promise<ScenarioReport<LatencyResult[]>> {
  const results: LatencyResult[] = [];
  for (const waiting of options.waiting)
    for (const mode of options.modes) results.push(await measure(server, mode, waiting, options, log));
  const target = (r: LatencyResult) => (r.mode === 'poll' ? r.pollIntervalMs + 1_000 : 500);
  const label = (r: LatencyResult) => `${r.mode} at ${fmt(r.waiting)}`;
  const logLines = results.flatMap((r) =>
    Object.entries(r.logs).map(([line, n]) => `- ${label(r)}: ${n}× ${line}`),
  );
  const failures = results.flatMap((r) =>
    r.failure === undefined
      ? []
      : [`- ${label(r)}: ${r.failure} (after ${r.latenciesMs.length}/${options.rounds} rounds)`],
  );
  const markdown = [
    '### Latency: agent Available → AssociateContactWithUser',
    '',
    `${options.rounds} rounds per mode and line; W tasks waiting for the Billing queue at t0 (with W > 1, the ` +
      `W − 1 longest waiting were in line before the first round; the dispatcher offers the head of the line), ` +
      'every agent Offline, then alice or bob (one TASK slot each, in turn) set Available at t0, 0–1 s after a poll; ' +
      'latency = the first ledger association `at` after t0 − t0. Poll only: default dispatcher settings; with ' +
      `push: pollIntervalMs ${fmt(options.pushPollIntervalMs)} and the emulator's agent events forwarded as ` +
      'agentsChanged signals (followEmulatorEvents + AgentEventForwarder, coalescing window ' +
      `${fmt(options.pushCoalesceMs)} ms). ${RAISED_CONTACT_QUOTAS_TEXT}.`,
    '',
    formatTable(
      [
        'mode',
        'waiting (W)',
        'poll interval',
        'rounds',
        'min',
        'p50',
        'p90',
        'p99',
        'max',
        'mean',
        'target p99',
        'no poll in between',
        'line filled in',
        'wall time',
      ],
      results.map((r) => {
        const s = summarize(r.latenciesMs);
        return [
          r.mode === 'poll' ? 'polling only' : 'polling + push',
          fmt(r.waiting),
          `${fmt(r.pollIntervalMs)} ms`,
          fmt(s.count),
          `${fmt(s.min)} ms`,
          `${fmt(s.p50)} ms`,
          `${fmt(s.p90)} ms`,
          `${fmt(s.p99)} ms`,
          `${fmt(s.max)} ms`,
          `${fmt(s.mean)} ms`,
          `< ${fmt(target(r))} ms (${s.p99 < target(r) ? 'met' : 'missed'})`,
          `${r.withoutPoll}/${s.count}`,
          r.waiting > 1 ? seconds(r.fillMs) : 'no line',
          seconds(r.wallMs),
        ];
      }),
    ),
    '',
    `Assignments to another agent than the one set Available: ${results.map((r) => `${label(r)} ${r.wrongAgent}`).join(', ')}; ` +
      `over capacity: ${results.map((r) => `${label(r)} ${r.overCapacity}`).join(', ')}. ` +
      'p99 is the nearest-rank percentile: with fewer than 100 rounds it is the largest sample.',
    ...(failures.length > 0 ? ['', 'Stopped early:', ...failures] : []),
    '',
    `Sorted samples (ms): ${results.map((r) => `${label(r)}: ${[...r.latenciesMs].sort((a, b) => a - b).join(' ')}`).join('; ')}`,
    '',
    logLines.length > 0 ? 'Worker warnings and errors:' : 'Worker warnings and errors: none.',
    ...logLines,
  ].join('\n');
  return { markdown, figures: results };
}
