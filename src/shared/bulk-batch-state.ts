/**
 * A bulkCreateTasks run's whole state and its decisions, as plain deterministic code: which items are
 * valid, which child to start next within the concurrency cap, what each ended as, and whether the
 * failures passed the tolerated threshold.
 */
import {
  type BulkCounts,
  type BulkCreateTasksProgress,
  type BulkCreateTasksRequest,
  type BulkCreateTasksResult,
  type BulkItemReport,
  bulkItemWorkflowId,
  type BulkItemStatus,
} from './bulk-create-contract';
import { parseRouteTaskInput, type RouteTaskInput, type RouteTaskResult } from './route-task-contract';

/** A child to start: its workflow id and its complete, validated routeTask input. */
export interface BulkChildStart {
  index: number;
  workflowId: string;
  input: RouteTaskInput;
}

const STATUSES: BulkItemStatus[] = [
  'pending',
  'running',
  'assigned',
  'already-existed',
  'failed',
  'rejected',
];

export class BulkBatchState {
  private readonly reports: BulkItemReport[];
  private readonly inputs = new Map<number, RouteTaskInput>();
  private nextIndex = 0;
  private running = 0;
  private stoppedEarly: string | undefined;

  /** `now` bounds time fields of the items (scheduledTime), as routeTask's own validation does. */
  constructor(
    private readonly request: BulkCreateTasksRequest,
    now: Date,
  ) {
    this.reports = request.items.map((item, index) => {
      const { key: givenKey, ...fields } = item;
      // Position is the default key: the same batch run again gives each item the same child.
      const key = givenKey ?? `item-${index}`;
      const workflowId = bulkItemWorkflowId(request.batchId, key);
      const input = { ...request.defaults, ...fields } as RouteTaskInput;
      const parsed = parseRouteTaskInput(input, now);
      if (!parsed.ok) {
        return { index, key, workflowId, status: 'rejected', issues: parsed.issues, reason: 'invalid item' };
      }
      this.inputs.set(index, input);
      return { index, key, workflowId, status: 'pending' };
    });
    this.checkThreshold();
  }

  /** Children to start now: pending items in order, within the concurrency cap, unless stopped early. */
  takeStarts(): BulkChildStart[] {
    const starts: BulkChildStart[] = [];
    while (this.stoppedEarly === undefined && this.running < this.request.maxConcurrent) {
      const report = this.reports.slice(this.nextIndex).find((item) => item.status === 'pending');
      if (!report) break;
      this.nextIndex = report.index + 1;
      report.status = 'running';
      this.running += 1;
      starts.push({
        index: report.index,
        workflowId: report.workflowId,
        input: this.inputs.get(report.index)!,
      });
    }
    return starts;
  }

  /** A routeTask with the child's id was started before (an earlier run): nothing new was created. */
  alreadyExisted(index: number): void {
    this.settle(index, { status: 'already-existed' });
  }

  finished(index: number, result: RouteTaskResult): void {
    const { outcome, contactId, userId, reason } = result;
    this.settle(index, {
      status: outcome === 'assigned' ? 'assigned' : 'failed',
      outcome,
      ...(contactId === undefined ? {} : { contactId }),
      ...(userId === undefined ? {} : { userId }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  failed(index: number, reason: string): void {
    this.settle(index, { status: 'failed', reason });
  }

  /** Nothing runs and nothing more will start. */
  get done(): boolean {
    return this.running === 0 && (this.stoppedEarly !== undefined || this.counts().pending === 0);
  }

  /** Why the batch stopped early, if it did: the failure the run ends with. */
  get stopReason(): string | undefined {
    return this.stoppedEarly;
  }

  progress(): BulkCreateTasksProgress {
    return {
      batchId: this.request.batchId,
      total: this.reports.length,
      counts: this.counts(),
      ...(this.stoppedEarly === undefined ? {} : { stoppedEarly: this.stoppedEarly }),
    };
  }

  result(): BulkCreateTasksResult {
    return { ...this.progress(), items: this.reports.map((report) => ({ ...report })) };
  }

  private settle(index: number, outcome: Partial<BulkItemReport>): void {
    const report = this.reports[index]!;
    if (report.status !== 'running') throw new Error(`bulk item ${index} is ${report.status}, not running`);
    Object.assign(report, outcome);
    this.running -= 1;
    this.checkThreshold();
  }

  private counts(): BulkCounts {
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as BulkCounts;
    for (const report of this.reports) counts[report.status] += 1;
    return counts;
  }

  private checkThreshold(): void {
    const tolerated = this.request.toleratedFailures;
    if (tolerated === undefined || this.stoppedEarly !== undefined) return;
    const { failed, rejected } = this.counts();
    const failures = failed + rejected;
    const total = this.reports.length;
    const limit = 'count' in tolerated ? tolerated.count : (tolerated.percent / 100) * total;
    if (failures > limit) {
      const allowed = 'count' in tolerated ? `${tolerated.count}` : `${tolerated.percent}% of ${total}`;
      this.stoppedEarly =
        `${failures} of ${total} items failed or were rejected (${failed} failed, ${rejected} rejected), ` +
        `more than the ${allowed} tolerated (toleratedFailures): no further item was started`;
    }
  }
}
