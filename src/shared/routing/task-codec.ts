import type { EncodedTask, WaitingTask } from '../dispatcher-contract';
import type { RoutingCriteria } from '../routing-criteria';

/** A task's routing criteria as one string, computed once per task: it keys line classes and candidate sets. */
const criteriaJsons = new WeakMap<WaitingTask, string>();
export function criteriaJson(task: WaitingTask): string {
  let json = criteriaJsons.get(task);
  if (json === undefined) {
    json = task.routingCriteria ? JSON.stringify(task.routingCriteria) : '';
    criteriaJsons.set(task, json);
  }
  return json;
}

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
    const { version, routingCriteria, contactId } = task;
    if (version || routingCriteria || contactId) tuple.push(version ?? 0);
    // Tasks of one batch share their criteria: the JSON is stored once in the string table.
    if (routingCriteria || contactId) tuple.push(routingCriteria ? intern(criteriaJson(task)) : -1);
    // Contact ids are unique: not worth a place in the string table.
    if (contactId) tuple.push(contactId);
    return tuple;
  }
}

export function decodeTask(
  strings: readonly string[],
  tuple: EncodedTask,
): { task: WaitingTask; told: string | undefined } {
  const [
    taskId,
    queue,
    priority,
    enqueuedAt,
    widenDelay,
    preferred,
    excluded,
    statuses,
    told,
    version,
    criteria,
    contactId,
  ] = tuple;
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
      ...(criteria === undefined || criteria < 0
        ? {}
        : { routingCriteria: JSON.parse(str(criteria)) as RoutingCriteria }),
      ...(contactId === undefined ? {} : { contactId }),
    },
    told: told >= 0 ? str(told) : undefined,
  };
}
