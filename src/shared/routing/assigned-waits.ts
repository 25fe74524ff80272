import {
  ASSIGNMENTS_KEPT_PER_PRIORITY,
  type DispatcherSettings,
  type EncodedAssignedWaits,
} from '../dispatcher-contract';

export type StatisticsWindowSettings = Pick<DispatcherSettings, 'statisticsWindowMs' | 'serviceLevelMs'>;

/** What the window says of the tasks of one queue and priority assigned within it. */
export interface AssignedFigures {
  queueId: string;
  priority: number;
  assigned: number;
  waitP50Ms: number;
  waitP90Ms: number;
  /** Share (0 to 1) assigned within the service level. */
  withinServiceLevel: number;
}

interface Samples {
  queueId: string;
  priority: number;
  /** When each task was assigned, in the order they were, and how long each waited. */
  assignedAt: number[];
  waitMs: number[];
  /**
   * The figures of the samples from `from` on, kept until the samples change: rounds and queries ask
   * far more often than tasks are assigned.
   */
  memo?: { from: number; figures: AssignedFigures };
}

/** How many of ascending `values` come before `limit` (or at it, with `inclusive`). */
function countBefore(values: readonly number[], limit: number, inclusive = false): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < limit || (inclusive && values[middle] === limit)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least `share` of them at or below it. */
function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!;
}

/**
 * The sliding window behind the queue statistics: how long the tasks assigned lately waited, per
 * queue and priority, the last ASSIGNMENTS_KEPT_PER_PRIORITY of each within `statisticsWindowMs`.
 * Assignments are recorded in time order (the dispatcher's clock only moves forward).
 */
export class AssignedWaits {
  private readonly byQueueAndPriority = new Map<string, Samples>();

  constructor(private readonly settings: StatisticsWindowSettings) {}

  /** A task that joined the line at `enqueuedAt` was assigned (its agent accepted) at `assignedAt`. */
  record(queueId: string, priority: number, enqueuedAt: number, assignedAt: number): void {
    this.forgetBefore(assignedAt - this.settings.statisticsWindowMs);
    const key = JSON.stringify([queueId, priority]);
    const samples = this.byQueueAndPriority.get(key) ?? { queueId, priority, assignedAt: [], waitMs: [] };
    this.byQueueAndPriority.set(key, samples);
    samples.assignedAt.push(assignedAt);
    samples.waitMs.push(Math.max(0, assignedAt - enqueuedAt));
    if (samples.assignedAt.length > ASSIGNMENTS_KEPT_PER_PRIORITY) {
      samples.assignedAt.shift();
      samples.waitMs.shift();
    }
    samples.memo = undefined;
  }

  /** Per queue and priority with tasks assigned within the window that ends at `now`: their figures. */
  figures(now: number): AssignedFigures[] {
    const figures: AssignedFigures[] = [];
    for (const samples of this.byQueueAndPriority.values()) {
      const from = countBefore(samples.assignedAt, now - this.settings.statisticsWindowMs);
      if (from >= samples.assignedAt.length) continue;
      if (samples.memo?.from !== from) {
        const waits = samples.waitMs.slice(from).sort((a, b) => a - b);
        const inTime = countBefore(waits, this.settings.serviceLevelMs, true);
        samples.memo = {
          from,
          figures: {
            queueId: samples.queueId,
            priority: samples.priority,
            assigned: waits.length,
            waitP50Ms: percentile(waits, 0.5),
            waitP90Ms: percentile(waits, 0.9),
            withinServiceLevel: inTime / waits.length,
          },
        };
      }
      figures.push(samples.memo.figures);
    }
    return figures;
  }

  /**
   * A compact form for continue-as-new, at most `maxBytes` of JSON: when the window holds more, its
   * older assignments are left out, half of what is left at a time.
   */
  encode(maxBytes: number): EncodedAssignedWaits {
    let keptFrom = -Infinity;
    for (;;) {
      const encoded = this.encodeFrom(keptFrom);
      if (encoded.length === 0 || JSON.stringify(encoded).length <= maxBytes) return encoded;
      const kept = [...this.byQueueAndPriority.values()]
        .flatMap(({ assignedAt }) => assignedAt.filter((at) => at >= keptFrom))
        .sort((a, b) => a - b);
      const middle = kept[Math.floor(kept.length / 2)]!;
      // Many assigned at one moment would keep as many again: leave those out then.
      keptFrom = middle > kept[0]! ? middle : (kept.find((at) => at > middle) ?? Infinity);
    }
  }

  static decode(settings: StatisticsWindowSettings, encoded: EncodedAssignedWaits): AssignedWaits {
    const waits = new AssignedWaits(settings);
    for (const [queueId, priority, deltas, waitMs] of encoded) {
      let at = 0;
      const assignedAt = deltas.map((delta) => (at += delta));
      waits.byQueueAndPriority.set(JSON.stringify([queueId, priority]), {
        queueId,
        priority,
        assignedAt,
        waitMs: [...waitMs],
      });
    }
    return waits;
  }

  private encodeFrom(keptFrom: number): EncodedAssignedWaits {
    const encoded: EncodedAssignedWaits = [];
    for (const { queueId, priority, assignedAt, waitMs } of this.byQueueAndPriority.values()) {
      const from = countBefore(assignedAt, keptFrom);
      if (from >= assignedAt.length) continue;
      const kept = assignedAt.slice(from);
      const deltas = kept.map((at, i) => (i === 0 ? at : at - kept[i - 1]!));
      encoded.push([queueId, priority, deltas, waitMs.slice(from)]);
    }
    return encoded;
  }

  /** Assignments before `at` are out of every window to come. */
  private forgetBefore(at: number): void {
    for (const [key, samples] of this.byQueueAndPriority) {
      const from = countBefore(samples.assignedAt, at);
      if (from === 0) continue;
      if (from >= samples.assignedAt.length) {
        this.byQueueAndPriority.delete(key);
        continue;
      }
      samples.assignedAt.splice(0, from);
      samples.waitMs.splice(0, from);
      samples.memo = undefined;
    }
  }
}
