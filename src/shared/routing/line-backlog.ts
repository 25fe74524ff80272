import type {
  DispatcherSettings,
  EncodedLineSegment,
  LineSegmentRef,
  WaitingTask,
} from '../dispatcher-contract';
import type { LineTally } from './queue-statistics';
import { criteriaJson, decodeTask, TaskEncoder } from './task-codec';
import { compareWaitingTasks } from './waiting-order';

export type BacklogSettings = Pick<
  DispatcherSettings,
  'lineHeadPerClass' | 'carriedLineMaxBytes' | 'lineSegmentMaxBytes'
>;

/** A line segment to start before continuing as new: its reference and the tasks it holds. */
export interface NewLineSegment {
  ref: LineSegmentRef;
  tasks: EncodedLineSegment;
}

/**
 * Tasks of one line class (queue, allowed statuses, excluded agents, routing criteria) are
 * interchangeable to every agent who may take any of them (until a preferred-agent window; criteria
 * steps widen with age, and line order is by age within a priority), so the class's first tasks in line order are all a round needs to see.
 */
const lineClasses = new WeakMap<WaitingTask, string>();
export function lineClassOf(task: WaitingTask): string {
  let key = lineClasses.get(task);
  if (key === undefined) {
    const criteria = criteriaJson(task);
    // Without criteria, the key is what it was before criteria existed: carried segments name it.
    key = JSON.stringify([
      task.queueId,
      task.allowedStatuses,
      task.excludedAgentIds,
      ...(criteria === '' ? [] : [criteria]),
    ]);
    lineClasses.set(task, key);
  }
  return key;
}

/** Only its preferred agents may take it now: such a task stays where rounds see it. */
export function waitsForPreferredAgents(task: WaitingTask, now: number): boolean {
  return task.preferredAgentIds.length > 0 && task.widenAt > now;
}

/**
 * A segment asked back that has not answered by then is asked again: it may have missed the ask
 * while the dispatcher was away (reset, say). Asking twice is harmless: it answers once.
 */
const SEGMENT_ASK_AGAIN_MS = 60_000;

interface LineClass {
  /** In memory, in line order. */
  backlog: WaitingTask[];
  /** Out of memory, by their first task's place in line order. */
  segments: LineSegmentRef[];
}

/** A segment's first place as a task, to compare with waiting tasks. */
function firstPlace(ref: LineSegmentRef): WaitingTask {
  const [priority, enqueuedAt, taskId] = ref.first;
  return {
    taskId,
    priority,
    enqueuedAt,
    queueId: '',
    widenAt: 0,
    preferredAgentIds: [],
    excludedAgentIds: [],
    allowedStatuses: [],
  };
}

/** Index of the first task in `sorted` at or after `task` in line order. */
function placeOf(sorted: readonly WaitingTask[], task: WaitingTask): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareWaitingTasks(sorted[middle]!, task) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function mergeSorted(a: WaitingTask[], b: WaitingTask[]): WaitingTask[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const merged: WaitingTask[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    merged.push(compareWaitingTasks(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  }
  while (i < a.length) merged.push(a[i++]!);
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}

/**
 * The line behind its head: what rounds do not look at, so that a round costs the same with 50
 * tasks waiting or 50,000. Per line class, the head (the book's line) holds the first
 * `lineHeadPerClass` tasks any agent of the queue may take; the backlog, in memory, the ones after
 * them; line segments (workflows, across continue-as-new) runs after those. A segment is asked back
 * before its first task could be needed, and no task behind a segment's first is let into the head
 * until it is back, so the head is always the true front of the line.
 */
export class LineBacklog {
  private readonly classes = new Map<string, LineClass>();
  private readonly byId = new Map<string, WaitingTask>();
  /** Copies of these tasks in line segments below the version given are stale: they changed or left. */
  private readonly staleBelow = new Map<string, number>();

  constructor(
    private readonly settings: BacklogSettings,
    /** The book's last-told decisions, by task id: kept with tasks wherever they wait. */
    private readonly told: Map<string, string>,
  ) {}

  /** Tasks behind the head in memory. */
  get size(): number {
    return this.byId.size;
  }

  get carriedCount(): number {
    let count = 0;
    for (const lineClass of this.classes.values())
      for (const segment of lineClass.segments) count += segment.count;
    return count;
  }

  get segmentCount(): number {
    let count = 0;
    for (const lineClass of this.classes.values()) count += lineClass.segments.length;
    return count;
  }

  has(taskId: string): boolean {
    return this.byId.has(taskId);
  }

  get(taskId: string): WaitingTask | undefined {
    return this.byId.get(taskId);
  }

  /** Adds the tasks behind the head, in memory and in segments, to `tally`. */
  tallyInto(tally: LineTally): void {
    for (const [key, lineClass] of this.classes) {
      const [queueId, allowedStatuses] = JSON.parse(key) as [string, string[]];
      tally.addAllowedStatuses(queueId, allowedStatuses);
      for (const { priority, enqueuedAt } of lineClass.backlog)
        tally.addWaiting(queueId, priority, 1, enqueuedAt);
      for (const { priorities, first } of lineClass.segments) {
        for (const [priority, count, oldest] of priorities) {
          // A ref from before queue statistics knows only its first task's place.
          tally.addWaiting(
            queueId,
            priority,
            count,
            oldest ?? (priority === first[0] ? first[1] : undefined),
          );
        }
      }
    }
  }

  /** Queues with tasks behind the head. */
  queues(): string[] {
    return [...this.classes.keys()].map((key) => (JSON.parse(key) as [string])[0]);
  }

  add(task: WaitingTask): void {
    const lineClass = this.classFor(lineClassOf(task));
    lineClass.backlog.splice(placeOf(lineClass.backlog, task), 0, task);
    this.byId.set(task.taskId, task);
  }

  remove(taskId: string): WaitingTask | undefined {
    const task = this.byId.get(taskId);
    if (!task) return undefined;
    this.byId.delete(taskId);
    const key = lineClassOf(task);
    const lineClass = this.classes.get(key)!;
    const at = placeOf(lineClass.backlog, task);
    lineClass.backlog.splice(at, 1);
    this.dropIfEmpty(key, lineClass);
    return task;
  }

  /**
   * A task the book does not hold left the line, or changed (its new copy is `version`): any copy of
   * it that a line segment brings back later is stale. Nothing to remember when no segment exists.
   */
  markStale(taskId: string, version: number): void {
    if (this.segmentCount === 0) return;
    this.staleBelow.set(taskId, Math.max(version, this.staleBelow.get(taskId) ?? 0));
  }

  /**
   * Moves tasks between the head and the backlog so that, per class, the head holds the first
   * `lineHeadPerClass` tasks any agent of the queue may take, none of them behind a segment's first
   * task. Returns the segments to ask back now: a class's first segment as soon as fewer than two
   * heads' worth of tasks are left before it, so that it is back before they are gone. `headSize`
   * other than the setting: see DispatcherBook.spillForContinueAsNew; `ask` false asks for nothing.
   */
  balance(
    head: Map<string, WaitingTask>,
    now: number,
    { headSize = this.settings.lineHeadPerClass, ask = true } = {},
  ): string[] {
    const wideByClass = new Map<string, WaitingTask[]>();
    for (const task of head.values()) {
      if (waitsForPreferredAgents(task, now)) continue;
      const key = lineClassOf(task);
      const tasks = wideByClass.get(key);
      if (tasks) tasks.push(task);
      else wideByClass.set(key, [task]);
    }
    const toRequest: string[] = [];
    for (const key of new Set([...wideByClass.keys(), ...this.classes.keys()])) {
      const wide = wideByClass.get(key) ?? [];
      const lineClass = this.classes.get(key);
      if (!lineClass && wide.length <= headSize) continue;
      const { backlog, segments } = lineClass ?? this.classFor(key);
      wide.sort(compareWaitingTasks);
      const limit = segments[0] && firstPlace(segments[0]);
      const beforeLimit = (task: WaitingTask) => !limit || compareWaitingTasks(task, limit) < 0;
      // Walk head and backlog together in line order; the first headSize before the limit make the head.
      let fromHead = 0;
      let fromBacklog = 0;
      while (fromHead + fromBacklog < headSize) {
        const a = wide[fromHead];
        const b = backlog[fromBacklog];
        const next = a && (!b || compareWaitingTasks(a, b) < 0) ? a : b;
        if (!next || !beforeLimit(next)) break;
        if (next === a) fromHead += 1;
        else fromBacklog += 1;
      }
      const entering = backlog.splice(0, fromBacklog);
      for (const task of entering) {
        this.byId.delete(task.taskId);
        head.set(task.taskId, task);
      }
      const leaving = wide.slice(fromHead);
      for (const task of leaving) {
        head.delete(task.taskId);
        this.byId.set(task.taskId, task);
      }
      const lineClassNow = this.classFor(key);
      lineClassNow.backlog = mergeSorted(backlog, leaving);
      const first = segments[0];
      if (
        ask &&
        first &&
        (first.requestedAt === undefined || now - first.requestedAt >= SEGMENT_ASK_AGAIN_MS)
      ) {
        const left = fromHead + fromBacklog + (limit ? placeOf(lineClassNow.backlog, limit) : 0);
        if (left < 2 * headSize || first.requestedAt !== undefined) {
          first.requestedAt = now;
          toRequest.push(first.segmentId);
        }
      }
      this.dropIfEmpty(key, lineClassNow);
    }
    return toRequest;
  }

  /**
   * A segment's tasks are back: into the backlog, but for stale copies and tasks the book holds
   * already (`held`). Tasks of a segment nobody knows of are taken too: a task is never dropped.
   */
  segmentReturned(segmentId: string, encoded: EncodedLineSegment, held: (taskId: string) => boolean): void {
    for (const lineClass of this.classes.values()) {
      const at = lineClass.segments.findIndex((segment) => segment.segmentId === segmentId);
      if (at >= 0) lineClass.segments.splice(at, 1);
    }
    for (const tuple of encoded.tasks) {
      const { task, told } = decodeTask(encoded.strings, tuple);
      const staleBelow = this.staleBelow.get(task.taskId);
      if (staleBelow !== undefined && (task.version ?? 0) < staleBelow) continue;
      if (held(task.taskId) || this.byId.has(task.taskId)) continue;
      if (told !== undefined) this.told.set(task.taskId, told);
      this.add(task);
    }
    this.forgetStaleWhenNoSegments();
  }

  /** A segment that cannot be asked back (its workflow is gone): its tasks are no longer in line. */
  segmentLost(segmentId: string): LineSegmentRef | undefined {
    for (const [key, lineClass] of this.classes) {
      const at = lineClass.segments.findIndex((segment) => segment.segmentId === segmentId);
      if (at < 0) continue;
      const [lost] = lineClass.segments.splice(at, 1);
      this.dropIfEmpty(key, lineClass);
      this.forgetStaleWhenNoSegments();
      return lost;
    }
    return undefined;
  }

  /**
   * Before continuing as new: the backlog goes into new segments of at most `lineSegmentMaxBytes`
   * each (its tasks in line order, so segments of a class follow each other), which the caller
   * starts; the head and what is reserved stay in the book.
   */
  spill(nextSegmentId: () => string): NewLineSegment[] {
    const created: NewLineSegment[] = [];
    for (const [key, lineClass] of this.classes) {
      let encoder = new TaskEncoder();
      let chunk: WaitingTask[] = [];
      let tuples: EncodedLineSegment['tasks'] = [];
      let bytes = 0;
      const close = () => {
        if (chunk.length === 0) return;
        const { priority, enqueuedAt, taskId } = chunk[0]!;
        // In line order, a priority's first task is its oldest.
        const priorities = new Map<number, [number, number, number]>();
        for (const task of chunk) {
          const seen = priorities.get(task.priority);
          if (seen) seen[1] += 1;
          else priorities.set(task.priority, [task.priority, 1, task.enqueuedAt]);
        }
        const ref: LineSegmentRef = {
          segmentId: nextSegmentId(),
          lineClass: key,
          count: chunk.length,
          priorities: [...priorities.values()],
          first: [priority, enqueuedAt, taskId],
        };
        created.push({ ref, tasks: { strings: encoder.strings, tasks: tuples } });
        lineClass.segments.push(ref);
        encoder = new TaskEncoder();
        chunk = [];
        tuples = [];
        bytes = 0;
      };
      for (const task of lineClass.backlog) {
        const tuple = encoder.encode(task, this.told.get(task.taskId));
        // Strings are counted where first used: an upper bound on the segment's JSON size.
        bytes += JSON.stringify(tuple).length + 2 + task.queueId.length + 64;
        tuples.push(tuple);
        chunk.push(task);
        if (bytes >= this.settings.lineSegmentMaxBytes * 0.9) close();
      }
      close();
      for (const task of lineClass.backlog) {
        this.byId.delete(task.taskId);
        this.told.delete(task.taskId);
      }
      lineClass.backlog = [];
      lineClass.segments.sort((a, b) => compareWaitingTasks(firstPlace(a), firstPlace(b)));
    }
    return created;
  }

  /** Tasks behind the head in memory, for the book's encoding. */
  tasks(): WaitingTask[] {
    return [...this.byId.values()];
  }

  segmentRefs(): LineSegmentRef[] {
    return [...this.classes.values()].flatMap((lineClass) => lineClass.segments);
  }

  staleCopies(): Record<string, number> {
    return Object.fromEntries(this.staleBelow);
  }

  restore(segments: readonly LineSegmentRef[], staleBelow: Record<string, number>): void {
    for (const segment of segments) this.classFor(segment.lineClass).segments.push({ ...segment });
    for (const lineClass of this.classes.values())
      lineClass.segments.sort((a, b) => compareWaitingTasks(firstPlace(a), firstPlace(b)));
    for (const [taskId, version] of Object.entries(staleBelow)) this.staleBelow.set(taskId, version);
  }

  private classFor(key: string): LineClass {
    let lineClass = this.classes.get(key);
    if (!lineClass) this.classes.set(key, (lineClass = { backlog: [], segments: [] }));
    return lineClass;
  }

  private dropIfEmpty(key: string, lineClass: LineClass): void {
    if (lineClass.backlog.length === 0 && lineClass.segments.length === 0) this.classes.delete(key);
  }

  private forgetStaleWhenNoSegments(): void {
    if (this.segmentCount === 0) this.staleBelow.clear();
  }
}
