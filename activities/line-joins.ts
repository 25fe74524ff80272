import { z } from 'zod';
import type { JoinLineAnswer, WaitingTask, WaitNotice } from '../src/shared/dispatcher-contract';
import { GatheredSends, type GatheringLimits } from './gathered-sends';

/** The line tasks join: a Connect instance's dispatcher, for routeTask runs on one task queue. */
export interface JoinTarget {
  instanceId: string;
  taskQueue: string;
}

/**
 * Tasks that join one line in one message (registerWithDispatcher's update), and its answer;
 * `withdrawn` aborts once none of their callers waits any more.
 */
export type SendJoins = (
  target: JoinTarget,
  tasks: WaitingTask[],
  withdrawn: AbortSignal,
) => Promise<JoinLineAnswer | void>;

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

/** The limits of a worker's gathered messages, as its `lineJoins` options set them. */
export function gatheringLimits({ intervalMs, maxTasks, maxBytes }: LineJoinsOptions): GatheringLimits {
  return { intervalMs, maxItems: maxTasks, maxBytes };
}

/**
 * Gathers the joins of the tasks routed by this worker into few updates per dispatcher (see
 * GatheredSends): the server also admits at most 10 updates in flight to one run. A dispatcher
 * receives at most one per `intervalMs` from each worker. A caller's join fails with the update that
 * carried it (the activity retries; joining twice is harmless), and is answered with why its task
 * waits, when the dispatcher said.
 */
export class LineJoins {
  private readonly gathered: GatheredSends<JoinTarget, WaitingTask, WaitNotice>;

  constructor(send: SendJoins, options: LineJoinsOptions, now: () => number = Date.now) {
    this.gathered = new GatheredSends(
      async (target, tasks, withdrawn) => {
        const answer = await send(target, tasks, withdrawn);
        const notices = new Map(answer?.notices.map((notice) => [notice.taskId, notice]));
        return tasks.map((task) => notices.get(task.taskId));
      },
      ({ instanceId, taskQueue }) => `${instanceId}\n${taskQueue}`,
      gatheringLimits(options),
      now,
    );
  }

  /** `signal`: the caller gives up when it aborts (see GatheredSends.add). */
  join(target: JoinTarget, task: WaitingTask, signal?: AbortSignal): Promise<WaitNotice | undefined> {
    return this.gathered.add(target, task, signal);
  }
}
