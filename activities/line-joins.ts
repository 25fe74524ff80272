import { z } from 'zod';
import type { WaitingTask } from '../src/shared/dispatcher-contract';

/** The line tasks join: a Connect instance's dispatcher, for routeTask runs on one task queue. */
export interface JoinTarget {
  instanceId: string;
  taskQueue: string;
}

/** Tasks that join one line in one message (registerWithDispatcher's update). */
export type SendJoins = (target: JoinTarget, tasks: WaitingTask[]) => Promise<void>;

export const lineJoinsOptionsSchema = z
  .object({
    intervalMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .describe(
        'At most one update per dispatcher this often; the tasks that join meanwhile go in the next one.',
      ),
    maxTasks: z.number().int().min(1).max(5_000).describe('At most this many tasks per update.'),
    maxBytes: z
      .number()
      .int()
      .min(16 * 1024)
      .max(1024 * 1024)
      .describe(
        "At most about this many bytes of tasks (JSON) per update: under Temporal's 2 MB payload limit.",
      ),
  })
  .strict();

export type LineJoinsOptions = z.output<typeof lineJoinsOptionsSchema>;

export const DEFAULT_LINE_JOINS: LineJoinsOptions = { intervalMs: 200, maxTasks: 500, maxBytes: 256 * 1024 };

interface Joining {
  task: WaitingTask;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface TargetJoins {
  target: JoinTarget;
  waiting: Joining[];
  sending: boolean;
  timer: NodeJS.Timeout | undefined;
  lastSentAt: number;
}

/**
 * Gathers the joins of the tasks routed by this worker into few updates per dispatcher. One per task
 * would reach a dispatcher at the rate tasks arrive (tens per second when thousands pour in), each a
 * billed action, events in the dispatcher's history and a workflow task of its own, and the server
 * admits at most 10 updates in flight to one run. Here a dispatcher receives at most one per
 * `intervalMs` from each worker; a lone join at a quiet time is sent at once.
 *
 * Each caller's promise settles when the update that carries its task has completed, or fails with
 * it (the activity retries; joining twice is harmless).
 */
export class LineJoins {
  private readonly byTarget = new Map<string, TargetJoins>();

  constructor(
    private readonly send: SendJoins,
    private readonly options: LineJoinsOptions,
    private readonly now: () => number = Date.now,
  ) {}

  join(target: JoinTarget, task: WaitingTask): Promise<void> {
    const joins = this.joinsOf(target);
    return new Promise<void>((resolve, reject) => {
      joins.waiting.push({ task, bytes: JSON.stringify(task).length, resolve, reject });
      this.schedule(joins);
    });
  }

  /** Kept after it empties (one per Connect instance): the interval holds across quiet moments. */
  private joinsOf(target: JoinTarget): TargetJoins {
    const key = `${target.instanceId}\n${target.taskQueue}`;
    const joins = this.byTarget.get(key) ?? {
      target,
      waiting: [],
      sending: false,
      timer: undefined,
      lastSentAt: Number.NEGATIVE_INFINITY,
    };
    this.byTarget.set(key, joins);
    return joins;
  }

  private schedule(joins: TargetJoins): void {
    if (joins.sending || joins.timer !== undefined || joins.waiting.length === 0) return;
    // Same-tick joins share the update even when it may go at once.
    const delay = Math.max(0, joins.lastSentAt + this.options.intervalMs - this.now());
    joins.timer = setTimeout(() => {
      joins.timer = undefined;
      void this.sendNext(joins);
    }, delay);
  }

  private async sendNext(joins: TargetJoins): Promise<void> {
    const batch = this.takeBatch(joins);
    joins.sending = true;
    joins.lastSentAt = this.now();
    try {
      await this.send(
        joins.target,
        batch.map(({ task }) => task),
      );
      for (const { resolve } of batch) resolve();
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      joins.sending = false;
      this.schedule(joins);
    }
  }

  private takeBatch(joins: TargetJoins): Joining[] {
    let count = 1;
    let bytes = joins.waiting[0]!.bytes;
    while (count < joins.waiting.length && count < this.options.maxTasks) {
      const next = joins.waiting[count]!.bytes;
      if (bytes + next > this.options.maxBytes) break;
      bytes += next;
      count += 1;
    }
    return joins.waiting.splice(0, count);
  }
}
