/**
 * The push path into the dispatcher: turns Amazon Connect agent event stream records into
 * `agentsChanged` signals, so a dispatcher matches a freed agent at once instead of at its next
 * poll. Each signal is a billed Temporal action, so records are coalesced: one signal per instance
 * carries the newest state of every agent that changed.
 *
 * - `forwardAll(records)`: for a consumer that receives records in batches (Kinesis GetRecords, a
 *   Lambda Kinesis event): one signal per instance per call, sent at once.
 * - `forward(record)`: for a record-at-a-time feed (the emulator's `/_emulator/events`, see
 *   follow-emulator-events.ts): at most one signal per instance per `coalesceMs`. A record that
 *   finds its instance quiet (no signal in the last `coalesceMs`) goes out at once, with the records
 *   of the same moment; records that arrive sooner wait and go together in one signal `coalesceMs`
 *   after the previous one. A quiet instance hears of a freed agent at once; a busy one costs one
 *   action per `coalesceMs` however many events it has.
 *
 * Signals to one dispatcher go out one at a time, in the order their windows closed: a later state of
 * an agent never overtakes an earlier one. `close()` (or `flush()`) sends the open windows at once.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { agentContact, type AgentState } from '../shared/dispatcher-contract';
import { agentsChangedSignal, dispatcherWorkflowId } from '../shared/dispatcher-contract';

/** The fields of a Connect agent event stream record that routing reads. */
export interface AgentEventStreamRecord {
  EventType: string;
  EventTimestamp: string;
  AgentARN: string;
  CurrentAgentSnapshot?: {
    AgentStatus?: { Name: string; StartTimestamp: string };
    NextAgentStatus?: { Name: string } | null;
    Configuration?: {
      RoutingProfile?: {
        ARN: string;
        Concurrency?: { Channel: string; AvailableSlots: number }[];
      };
    };
    Contacts?: { ContactId: string; State?: string }[];
  } | null;
}

export type ForwardOutcome =
  /** Sent to the dispatcher, in a signal with the other records of its window or batch. */
  | 'signalled'
  /** A record that says nothing about slots (HEART_BEAT, or no snapshot). */
  | 'ignored'
  /** No dispatcher runs for the instance: no task waits there, so nothing needs waking. */
  | 'no-dispatcher';

export interface AgentEventForwarderOptions {
  /**
   * `forward()`: the least time between two signals to one dispatcher. Records that arrive within it
   * of the last signal wait for the end of it and share one signal, so the dispatcher hears of them
   * up to this much later (uniformly 0 to `coalesceMs` when events never stop); a record after a quiet
   * spell goes out at once. Default 1,000 ms, the dispatcher's default poll interval: the push path
   * signals no more often than the dispatcher polls. 0: every moment's records in a signal of their own.
   */
  coalesceMs?: number;
  /**
   * At most this many agents in one signal (a larger batch is sent as several, in order), so that a
   * signal stays far below Temporal's payload limit. Default 500.
   */
  maxAgentsPerSignal?: number;
}

export const DEFAULT_COALESCE_MS = 1_000;
const DEFAULT_MAX_AGENTS_PER_SIGNAL = 500;

/** Counters since the forwarder was made. */
export interface ForwarderStats {
  /** Records that carried an agent state (heartbeats and unreadable records not counted). */
  states: number;
  /** `agentsChanged` signals sent (each one billed action), failed ones included. */
  signals: number;
  /** Signals that found no dispatcher. */
  noDispatcher: number;
  /** Signals that failed otherwise (reported to the callers of the records they carried). */
  failed: number;
}

/** `arn:aws:connect:<region>:<account>:instance/<instanceId>/<kind>/<id>` → ids. */
function parseConnectArn(arn: string, kind: string): { instanceId: string; id: string } | undefined {
  const match = new RegExp(`:instance/([^/]+)/${kind}/([^/]+)$`).exec(arn);
  return match ? { instanceId: match[1], id: match[2] } : undefined;
}

/** The dispatcher's view of an agent in one record, or undefined when the record has none. */
export function agentUpdateFromRecord(
  record: AgentEventStreamRecord,
): { instanceId: string; update: AgentState } | undefined {
  const snapshot = record.CurrentAgentSnapshot;
  const agent = parseConnectArn(record.AgentARN, 'agent');
  const routingProfileArn = snapshot?.Configuration?.RoutingProfile?.ARN;
  const routingProfile = routingProfileArn
    ? parseConnectArn(routingProfileArn, 'routing-profile')
    : undefined;
  const status = snapshot?.AgentStatus;
  if (record.EventType === 'HEART_BEAT' || !agent || !routingProfile || !status) return undefined;
  const task = snapshot.Configuration?.RoutingProfile?.Concurrency?.find(({ Channel }) => Channel === 'TASK');
  return {
    instanceId: agent.instanceId,
    update: {
      userId: agent.id,
      routingProfileId: routingProfile.id,
      statusName: status.Name,
      statusSince: Date.parse(status.StartTimestamp),
      freeTaskSlots: task?.AvailableSlots ?? 0,
      contacts: (snapshot.Contacts ?? []).map(({ ContactId, State }) => agentContact(ContactId, State)),
      ...(snapshot.NextAgentStatus ? { nextStatusName: snapshot.NextAgentStatus.Name } : {}),
      observedAt: Date.parse(record.EventTimestamp),
    },
  };
}

/** The states gathered for one instance's next signal, and the callers waiting for it. */
interface PendingSignal {
  /** The newest state of each agent, by user id. */
  agents: Map<string, AgentState>;
  waiters: { resolve: (outcome: ForwardOutcome) => void; reject: (error: unknown) => void }[];
  timer?: NodeJS.Timeout;
}

export class AgentEventForwarderClosedError extends Error {
  constructor() {
    super('The AgentEventForwarder is closed: no more records are forwarded.');
    this.name = 'AgentEventForwarderClosedError';
  }
}

export class AgentEventForwarder {
  readonly coalesceMs: number;
  private readonly maxAgentsPerSignal: number;
  /** Records waiting for their signal (and batches being assembled), by instance id. */
  private readonly pending = new Map<string, PendingSignal>();
  /** Per instance, the last signal sent or queued: the next one waits for it, so that states stay in order. */
  private readonly sending = new Map<string, Promise<void>>();
  /** Per instance, when its last window closed (its signal went out or was queued). */
  private readonly lastSentAt = new Map<string, number>();
  private readonly counters: ForwarderStats = { states: 0, signals: 0, noDispatcher: 0, failed: 0 };
  private closed = false;

  constructor(
    private readonly temporal: Client,
    options: AgentEventForwarderOptions = {},
  ) {
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.maxAgentsPerSignal = options.maxAgentsPerSignal ?? DEFAULT_MAX_AGENTS_PER_SIGNAL;
    if (!(this.coalesceMs >= 0)) throw new RangeError(`coalesceMs must be 0 or more, not ${this.coalesceMs}`);
    if (!(Number.isInteger(this.maxAgentsPerSignal) && this.maxAgentsPerSignal >= 1)) {
      throw new RangeError(
        `maxAgentsPerSignal must be a whole number from 1, not ${this.maxAgentsPerSignal}`,
      );
    }
  }

  /**
   * One record of a record-at-a-time feed. It joins its instance's next signal: sent at once (after
   * the records of the same moment) when the instance had no signal for `coalesceMs`, else
   * `coalesceMs` after the previous one. The promise settles when that signal went out (`signalled`,
   * `no-dispatcher`) or failed (rejects with the error). Do not await one record before passing the
   * next: each would then wait a window of its own.
   *
   * Every state change is forwarded, not only "became available": an agent going Offline or taking
   * a contact elsewhere must stop receiving reservations before the next poll says so.
   */
  forward(record: AgentEventStreamRecord): Promise<ForwardOutcome> {
    if (this.closed) return Promise.reject(new AgentEventForwarderClosedError());
    const parsed = agentUpdateFromRecord(record);
    if (!parsed) return Promise.resolve('ignored');
    const { instanceId } = parsed;
    const outcome = this.join(instanceId, parsed.update);
    const pending = this.pending.get(instanceId)!;
    if (!pending.timer) {
      const quietUntil = (this.lastSentAt.get(instanceId) ?? -Infinity) + this.coalesceMs;
      // Even at once, after the current turn of the event loop: records of the same moment (an agent
      // going Available sends LOGIN and STATE_CHANGE together) share the signal.
      pending.timer = setTimeout(() => this.send(instanceId), Math.max(0, quietUntil - Date.now()));
    }
    return outcome;
  }

  /**
   * A batch of records (Kinesis GetRecords, a Lambda Kinesis event), in stream order: one signal per
   * instance, sent at once, with the newest state of each agent (records of the instance waiting in
   * `forward()` go along). Resolves with each record's outcome, in the order of `records`, once every signal went
   * out; rejects if any signal failed (with its error, or an AggregateError when several did: the
   * other instances' signals were still sent), so that the consumer retries the batch.
   */
  async forwardAll(records: readonly AgentEventStreamRecord[]): Promise<ForwardOutcome[]> {
    if (this.closed) throw new AgentEventForwarderClosedError();
    const instances = new Set<string>();
    const outcomes = records.map((record): Promise<ForwardOutcome> => {
      const parsed = agentUpdateFromRecord(record);
      if (!parsed) return Promise.resolve('ignored');
      instances.add(parsed.instanceId);
      return this.join(parsed.instanceId, parsed.update);
    });
    for (const instanceId of instances) this.send(instanceId);
    const settled = await Promise.allSettled(outcomes);
    const errors = [
      ...new Set(settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))),
    ];
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} agentsChanged signals failed`);
    return settled.map((result) => (result as PromiseFulfilledResult<ForwardOutcome>).value);
  }

  /** Sends every waiting record now; resolves once every signal sent or queued so far has settled. */
  async flush(): Promise<void> {
    for (const instanceId of [...this.pending.keys()]) this.send(instanceId);
    await Promise.all([...this.sending.values()]);
  }

  /** Flushes, then refuses further records: call it on shutdown so that no waiting record is dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  stats(): ForwarderStats {
    return { ...this.counters };
  }

  /** Adds a state to the instance's next signal: the newest state of an agent wins (a tie: the later record). */
  private join(instanceId: string, update: AgentState): Promise<ForwardOutcome> {
    let pending = this.pending.get(instanceId);
    if (!pending) {
      pending = { agents: new Map(), waiters: [] };
      this.pending.set(instanceId, pending);
    }
    this.counters.states += 1;
    const known = pending.agents.get(update.userId);
    if (!known || !(update.observedAt < known.observedAt)) pending.agents.set(update.userId, update);
    const waiters = pending.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** Closes the instance's window and queues its signal(s) behind the instance's previous one. */
  private send(instanceId: string): void {
    const pending = this.pending.get(instanceId);
    if (!pending) return;
    this.pending.delete(instanceId);
    clearTimeout(pending.timer);
    this.lastSentAt.set(instanceId, Date.now());
    const agents = [...pending.agents.values()];
    const previous = this.sending.get(instanceId) ?? Promise.resolve();
    const sent = previous.then(() => this.signal(instanceId, agents));
    const done = sent.then(
      (outcome) => pending.waiters.forEach(({ resolve }) => resolve(outcome)),
      (error: unknown) => pending.waiters.forEach(({ reject }) => reject(error)),
    );
    this.sending.set(instanceId, done);
    void done.then(() => {
      if (this.sending.get(instanceId) === done) this.sending.delete(instanceId);
    });
  }

  private async signal(instanceId: string, agents: AgentState[]): Promise<ForwardOutcome> {
    const handle = this.temporal.workflow.getHandle(dispatcherWorkflowId(instanceId));
    try {
      for (let from = 0; from < agents.length; from += this.maxAgentsPerSignal) {
        this.counters.signals += 1;
        await handle.signal(agentsChangedSignal, agents.slice(from, from + this.maxAgentsPerSignal));
      }
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        this.counters.noDispatcher += 1;
        return 'no-dispatcher';
      }
      this.counters.failed += 1;
      throw error;
    }
  }
}
