/**
 * Latency from an agent becoming Available to AssociateContactWithUser, polling only and with the
 * push path. Each round: one task waits for the Billing queue, every agent is Offline and the
 * dispatcher knows it; after a random 0–1 s pause (so that t0 falls anywhere within a 1 s poll
 * interval) one agent goes Available at t0. The latency is the emulator ledger's assignment time
 * minus t0 (one process, one clock). Then the agent finishes the contact (no after-contact work) and
 * goes Offline again: an agent still holding a contact would get Offline only as its next status,
 * staying Available with its other slots free (erin and frank have three).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../test/helpers/eventually';
import { EVERYONE_OFFLINE } from '../src/dev/emulator';
import { DEFAULT_DISPATCHER_SETTINGS } from '../src/shared/dispatcher-contract';
import {
  BILLING_AGENTS,
  BILLING_QUEUE,
  type BenchServer,
  type Deployment,
  startDeployment,
  withTimeout,
} from './routing-stack';
import { fmt, formatTable, seconds, summarize } from './stats';

export type LatencyMode = 'poll' | 'push';

export interface LatencyOptions {
  rounds: number;
  modes: LatencyMode[];
  /** The poll interval with push: long, so that only the push path explains a fast assignment. */
  pushPollIntervalMs: number;
  /** With push: the forwarder's coalescing window. */
  pushCoalesceMs: number;
}

interface ModeResult {
  mode: LatencyMode;
  pollIntervalMs: number;
  latenciesMs: number[];
  /** Rounds in which the dispatcher did not poll between t0 and the assignment. */
  withoutPoll: number;
  wrongAgent: number;
  overCapacity: number;
  wallMs: number;
  logs: Record<string, number>;
}

async function runRounds(
  deployment: Deployment,
  mode: LatencyMode,
  pollIntervalMs: number,
  rounds: number,
  log: (line: string) => void,
): Promise<Omit<ModeResult, 'wallMs' | 'logs'>> {
  const latenciesMs: number[] = [];
  let offlineAt = 0;
  let withoutPoll = 0;
  let wrongAgent = 0;
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
    const agent = BILLING_AGENTS[round % BILLING_AGENTS.length];
    const handle = await deployment.startTask(round, {
      queueId: BILLING_QUEUE,
      contact: { name: `latency bench ${mode} ${round}` },
    });
    // Ready: the task is in line; the dispatcher knows the last agent went Offline (a poll after it,
    // or its forwarded event); the reservation of the last assignment is gone (Connect showed the contact).
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
        return status?.waitingCount === 1 && status.reservationCount === 0 && knowsOffline
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
    const result = await withTimeout(`round ${round} result`, handle.result(), pollIntervalMs + 30_000);
    const assignment = deployment.emulator
      .ledger()
      .assignments.find((record) => record.contactId === result.contactId);
    if (!assignment || result.outcome !== 'assigned') {
      throw new Error(`round ${round}: no assignment (${JSON.stringify(result)})`);
    }
    deployment.emulator.completeContact(assignment.contactId);
    deployment.emulator.setAgentStatus(assignment.userId, 'Offline');
    offlineAt = Date.now();
    if (assignment.userId !== agent) wrongAgent += 1;
    latenciesMs.push(Date.parse(assignment.at) - t0);
    const after = await deployment.status();
    if (after && after.pollCount === before.pollCount) withoutPoll += 1;
    if ((round + 1) % 10 === 0) log(`latency ${mode}: ${round + 1}/${rounds} rounds`);
    // The next task must not be matched against a picture taken before this agent went Offline: with
    // push, its event reaches the dispatcher; polling only, the next task's arrival triggers a fresh
    // poll once a poll interval has passed since the last one (polls stop while nothing waits).
    if (mode === 'push') await allForwarded(`round ${round}: Offline forwarded`);
    else await sleep(pollIntervalMs + 250);
  }
  const overCapacity = deployment.emulator.ledger().overCapacityAssignments;
  return { mode, pollIntervalMs, latenciesMs, withoutPoll, wrongAgent, overCapacity };
}

export async function runLatencyScenario(
  server: BenchServer,
  options: LatencyOptions,
  log: (line: string) => void,
): Promise<string> {
  const results: ModeResult[] = [];
  for (const mode of options.modes) {
    const pollIntervalMs =
      mode === 'push' ? options.pushPollIntervalMs : DEFAULT_DISPATCHER_SETTINGS.pollIntervalMs;
    const deployment = await startDeployment(server, {
      label: `latency-${mode}`,
      config: { ...EVERYONE_OFFLINE, afterContactWorkMs: 0 },
      dispatcherSettings: { pollIntervalMs },
      push: mode === 'push',
      pushCoalesceMs: options.pushCoalesceMs,
    });
    const began = Date.now();
    try {
      const measured = await runRounds(deployment, mode, pollIntervalMs, options.rounds, log);
      const { logs } = await deployment.worker.stats();
      results.push({ ...measured, wallMs: Date.now() - began, logs });
    } finally {
      await deployment.stop();
    }
  }
  const target = (r: ModeResult) => (r.mode === 'poll' ? r.pollIntervalMs + 1_000 : 500);
  const logLines = results.flatMap((r) =>
    Object.entries(r.logs).map(([line, n]) => `- ${r.mode}: ${n}× ${line}`),
  );
  return [
    '### Latency: agent Available → AssociateContactWithUser',
    '',
    `${options.rounds} rounds per mode; one task waiting, every agent Offline, then one of alice, bob, erin, frank ` +
      '(in turn) set Available at t0, 0–1 s after a poll; latency = ledger assignment `at` − t0. Poll only: default ' +
      `dispatcher settings; with push: pollIntervalMs ${fmt(options.pushPollIntervalMs)} and the emulator's agent ` +
      'events forwarded as agentsChanged signals (followEmulatorEvents + AgentEventForwarder, coalescing window ' +
      `${fmt(options.pushCoalesceMs)} ms).`,
    '',
    formatTable(
      [
        'mode',
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
        'wall time',
      ],
      results.map((r) => {
        const s = summarize(r.latenciesMs);
        return [
          r.mode === 'poll' ? 'polling only' : 'polling + push',
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
          seconds(r.wallMs),
        ];
      }),
    ),
    '',
    `Assignments to another agent than the one set Available: ${results.map((r) => `${r.mode} ${r.wrongAgent}`).join(', ')}; ` +
      `over capacity: ${results.map((r) => `${r.mode} ${r.overCapacity}`).join(', ')}. ` +
      'p99 is the nearest-rank percentile: with fewer than 100 rounds it is the largest sample.',
    '',
    `Sorted samples (ms): ${results.map((r) => `${r.mode}: ${[...r.latenciesMs].sort((a, b) => a - b).join(' ')}`).join('; ')}`,
    '',
    logLines.length > 0 ? 'Worker warnings and errors:' : 'Worker warnings and errors: none.',
    ...logLines,
  ].join('\n');
}
