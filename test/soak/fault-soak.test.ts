import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_CALL_CENTRE,
  type Faults,
  type Ledger,
  type OperationName,
  type RunningEmulator,
} from '../../src/dev/emulator';
import type { SeededRandom } from '../../src/dev/emulator/random';
import { DEFAULT_DISPATCHER_SETTINGS, LOCAL_DISPATCHER_SETTINGS } from '../../src/shared/dispatcher-contract';
import type { RouteTaskResult } from '../../src/shared/route-task-contract';
import { soakRandom } from '../helpers/soak-seed';
import { assertEachTaskAssignedOnce } from '../integration/routing/assert-assigned-once';
import { FAST_ERROR_POLICY } from '../integration/routing/fast-error-policy';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from '../integration/routing/routing-stack';

const TASKS = 300;
/** Issue #14's mix on the calls that create and offer: 20% throttled, 5% 5xx, 2% applied and then failed. */
const FLAKY_CONNECT = {
  latencyMs: 200,
  errorRates: { ThrottlingException: 0.2, InternalServiceException: 0.03, ServiceUnavailableException: 0.02 },
  commitThenFail: { errorRate: 0.01, dropRate: 0.01 },
};
const FAULTS: Faults = { CreateContact: FLAKY_CONNECT, AssociateContactWithUser: FLAKY_CONNECT };
/** The fault-injected operations, each with the activity that calls it (createIntoLine creates, then transfers). */
const ACTIVITY_OF: Partial<Record<OperationName, string>> = {
  CreateContact: 'createIntoLine',
  AssociateContactWithUser: 'associateContactWithUser',
};
const AGENTS = DEFAULT_CALL_CENTRE.agents.map((agent) => agent.id);

interface StatusChange {
  userId: string;
  status: 'Available' | 'Offline';
  at: number;
}

/**
 * Agents going Offline and back every few seconds (each one on a drawn period of 2–6 s), with at
 * least two Available at any time so that the line moves; bounded in changes and time. `stop()`
 * answers every change made.
 */
function flapAgents(
  emulator: RunningEmulator,
  random: SeededRandom,
  limits: { changes: number; ms: number },
) {
  let stopped = false;
  const changes: StatusChange[] = [];
  const nextChangeAt = new Map(AGENTS.map((id) => [id, Date.now() + random.integerBetween(2_000, 6_000)]));
  const isAvailable = (id: string) =>
    emulator.snapshot().agents.find((agent) => agent.id === id)?.status.name === 'Available';
  const done = (async () => {
    const deadline = Date.now() + limits.ms;
    while (!stopped && changes.length < limits.changes && Date.now() < deadline) {
      await sleep(100);
      for (const [userId, at] of nextChangeAt) {
        if (Date.now() < at) continue;
        nextChangeAt.set(userId, Date.now() + random.integerBetween(2_000, 6_000));
        const status = isAvailable(userId) ? 'Offline' : 'Available';
        if (status === 'Offline' && AGENTS.filter(isAvailable).length <= 2) continue;
        emulator.setAgentStatus(userId, status);
        changes.push({ userId, status, at: Date.now() });
      }
    }
  })();
  return {
    async stop(): Promise<StatusChange[]> {
      stopped = true;
      await done;
      return changes;
    },
  };
}

/**
 * Offers that reached an agent already Offline, each with how long before it the agent went: the
 * dispatcher offered from a picture taken before the change.
 */
function offersAfterGoingOffline(ledger: Ledger, changes: StatusChange[]) {
  return ledger.assignments
    .filter((assignment) => assignment.overCapacityReasons?.includes('AGENT_NOT_ROUTABLE'))
    .map((assignment) => {
      const at = Date.parse(assignment.at);
      const wentOffline = changes
        .filter((change) => change.userId === assignment.userId && change.at <= at)
        .at(-1);
      return {
        assignment,
        offlineForMs: wentOffline?.status === 'Offline' ? at - wentOffline.at : Infinity,
      };
    });
}

/** Per fault-injected operation: what the emulator answered, by error, beside the attempts the tasks report. */
function retryTable(ledger: Ledger, results: RouteTaskResult[]) {
  return Object.entries(ACTIVITY_OF).map(([operation, activity]) => {
    const name = operation as OperationName;
    const errors = ledger.errors[name] ?? {};
    const injected = ledger.faultsInjected[name];
    return {
      operation,
      calls: ledger.calls[name] ?? 0,
      attempts: results.reduce((sum, result) => sum + (result.attemptsByActivity[activity] ?? 0), 0),
      throttled: errors.ThrottlingException ?? 0,
      quotaThrottled: ledger.throttledCalls[name] ?? 0,
      internal: errors.InternalServiceException ?? 0,
      unavailable: errors.ServiceUnavailableException ?? 0,
      commitThenError: injected?.commitThenError ?? 0,
      commitThenDrop: injected?.commitThenDrop ?? 0,
    };
  });
}

function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells: (string | number)[]) =>
    `      | ${cells.map((cell, i) => String(cell).padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((column) => row[column]!)));
}

describe('routing under a soak of Connect faults and flapping agents', () => {
  let stack: RoutingStack | undefined;
  afterEach(() => stack?.stop());

  it(`routes ${TASKS} tasks exactly once through throttling, 5xx, commit-then-fail and agents going Offline`, async function () {
    this.timeout(600_000);
    stack = await startRoutingStack({
      config: {
        // Agents with a few slots each, who answer offers after a moment (an offer stands a while).
        routingProfiles: DEFAULT_CALL_CENTRE.routingProfiles.map((profile) => ({
          ...profile,
          taskConcurrency: 5,
        })),
        handleTimeMs: { min: 1_000, max: 3_000 },
        afterContactWorkMs: 300,
        offers: { acceptDelayMs: { min: 100, max: 600 } },
        faults: FAULTS,
      },
      seed: 14,
      dispatcherErrorPolicy: FAST_ERROR_POLICY,
    });
    const { emulator } = stack;
    const flapping = flapAgents(emulator, soakRandom('agents flapping'), { changes: 1_000, ms: 480_000 });
    const handles = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        stack!.startTask(`soak-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Soaked ${i}`, attributes: { item: String(i) } },
          errorPolicy: FAST_ERROR_POLICY,
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    const changes = await flapping.stop();

    const ledger = assertEachTaskAssignedOnce(emulator, results, { agentsGoOffline: true });
    const offline = emulator.snapshot().agents.filter((agent) => agent.status.type === 'OFFLINE');
    console.log(
      `      ${changes.length} status changes; Offline at the end: ${offline.map((agent) => agent.username).join(', ') || 'none'}`,
    );
    assert.ok(changes.length >= 10, `agents changed status only ${changes.length} times`);
    for (const agent of offline) {
      const offered = agent.contacts.filter((held) => held.state === 'CONNECTING');
      assert.deepEqual(
        offered.map((held) => held.contact.id),
        [],
        `no offer left standing on ${agent.username}, Offline`,
      );
    }
    // A reservation is the dispatcher's promise of a slot until it expires: an offer to an agent gone
    // Offline must come from one made before the change, so no later than its lifetime after it.
    const late = offersAfterGoingOffline(ledger, changes);
    const lags = late.map(({ offlineForMs }) => offlineForMs);
    console.log(
      `      offers that reached an agent gone Offline: ${late.length}, at most ${Math.max(0, ...lags)} ms after`,
    );
    const { reservationTtlMs } = { ...DEFAULT_DISPATCHER_SETTINGS, ...LOCAL_DISPATCHER_SETTINGS };
    assert.deepEqual(
      late.filter(({ offlineForMs }) => offlineForMs > reservationTtlMs),
      [],
      `offers more than ${reservationTtlMs} ms after the agent went Offline`,
    );

    const table = retryTable(ledger, results);
    printTable(table);
    for (const row of table) {
      assert.ok(row.throttled > 0, `${row.operation} was throttled`);
      assert.ok(row.internal + row.unavailable > 0, `${row.operation} failed with 5xx`);
      assert.ok(row.commitThenError + row.commitThenDrop > 0, `${row.operation} failed after committing`);
      // Only the tasks make these calls, one per attempt (a call lost before it reached Connect is an attempt too).
      assert.ok(
        row.attempts >= row.calls,
        `${row.operation}: every call Connect saw is an attempt a task counted`,
      );
    }
    const creations = table.find((row) => row.operation === 'CreateContact')!;
    assert.ok(
      creations.attempts - TASKS >= creations.throttled + creations.internal + creations.unavailable,
      'every refused CreateContact was retried, and the retry counted',
    );
  });
});
