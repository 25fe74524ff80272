import type { EncodedTask, WaitingTask } from '../dispatcher-contract';

/**
 * Waiting tasks as compact tuples with one string table: queue ids, agent ids and statuses repeat
 * across thousands of tasks, and these tuples go into continue-as-new inputs and line segments.
 */
export class TaskEncoder {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  intern(value: string): number {
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.strings.push(value) - 1;
      this.index.set(value, id);
    }
    return id;
  }

  /** `told`: the last wait decision the task was told, if any. */
  encode(task: WaitingTask, told: string | undefined): EncodedTask {
    const intern = (value: string) => this.intern(value);
    const tuple: EncodedTask = [
      task.taskId,
      intern(task.queueId),
      task.priority,
      task.enqueuedAt,
      task.widenAt - task.enqueuedAt,
      task.preferredAgentIds.map(intern),
      task.excludedAgentIds.map(intern),
      task.allowedStatuses.map(intern),
      told === undefined ? -1 : intern(told),
    ];
    if (task.version) tuple.push(task.version);
    return tuple;
  }
}

export function decodeTask(
  strings: readonly string[],
  tuple: EncodedTask,
): { task: WaitingTask; told: string | undefined } {
  const [taskId, queue, priority, enqueuedAt, widenDelay, preferred, excluded, statuses, told, version] =
    tuple;
  const str = (id: number) => strings[id]!;
  return {
    task: {
      taskId,
      queueId: str(queue),
      priority,
      enqueuedAt,
      widenAt: enqueuedAt + widenDelay,
      preferredAgentIds: preferred.map(str),
      excludedAgentIds: excluded.map(str),
      allowedStatuses: statuses.map(str),
      ...(version ? { version } : {}),
    },
    told: told >= 0 ? str(told) : undefined,
  };
}
