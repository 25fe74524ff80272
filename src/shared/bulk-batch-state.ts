/**
 * A bulkCreateTasks run's whole state and its decisions, as plain deterministic code: which items
 * are valid, which child to start next (within the concurrency cap, not while Connect's instance is
 * full), what each item ended as (from its child's news or result), whether the failures passed the
 * tolerated threshold, which report lines to write, and what to carry into the next run.
 */
import {
  BULK_ITEM_STATUSES,
  BULK_LIMITS,
  type BulkBatchSnapshot,
  type BulkCancelMode,
  type BulkCounts,
  type BulkCreateTasksProgress,
  type BulkCreateTasksRequest,
  type BulkCreateTasksResult,
  type BulkItemNews,
  type BulkItemReport,
  bulkItemWorkflowId,
  type RunningBulkItem,
} from './bulk-create-contract';
import {
  BULK_SOURCE_LIMITS,
  type BulkItem,
  type BulkSourceCursor,
  type BulkSourcePage,
  type WriteBulkReportPartInput,
} from './bulk-source';
import { parseRouteTaskInput, type RouteTaskInput } from './route-task-contract';

/** A child to start: its workflow id and its complete, validated routeTask input. */
export interface BulkChildStart {
  index: number;
  workflowId: string;
  input: RouteTaskInput;
}

/** An item read and valid, not yet started. */
interface QueuedItem extends Omit<RunningBulkItem, 'contactId' | 'waitingForCapacity'> {
  input: RouteTaskInput;
}

type EndedStatus = keyof BulkBatchSnapshot['ended'];
type Settled = Omit<BulkItemReport, 'index' | 'line' | 'key' | 'workflowId' | 'status'> & {
  status: EndedStatus;
};

/** Report lines per written part. */
const REPORT_PART_LINES = 500;
/** A percent threshold is judged once this many items were read (or all, if fewer). */
const PERCENT_JUDGED_FROM = 100;

export class BulkBatchState {
  private read: number;
  private sourceDone: boolean;
  private cursor: BulkSourceCursor | undefined;
  private readonly ended: BulkBatchSnapshot['ended'];
  private created: number;
  private readonly running: Map<string, RunningBulkItem>;
  private report: BulkItemReport[];
  private reportParts: number;
  private stoppedEarly: string | undefined;
  private readonly queue: QueuedItem[] = [];
  private cancelled: BulkCancelMode | undefined;
  private startsThisRun = 0;

  /** `now` bounds time fields of the items (scheduledTime), as routeTask's own validation does. */
  constructor(
    private readonly request: BulkCreateTasksRequest,
    private readonly now: Date,
  ) {
    const carried = request.carried;
    this.read = carried?.read ?? 0;
    this.sourceDone = carried?.sourceDone ?? false;
    this.cursor = carried?.cursor;
    this.ended = carried?.ended ?? {
      assigned: 0,
      'already-existed': 0,
      failed: 0,
      rejected: 0,
      cancelled: 0,
    };
    this.created = carried?.created ?? 0;
    this.running = new Map((carried?.running ?? []).map((item) => [item.workflowId, item]));
    this.report = carried?.report ?? [];
    this.reportParts = carried?.reportParts ?? 0;
    this.stoppedEarly = carried?.stoppedEarly;
    if (!carried && request.items) {
      this.sourceDone = true;
      // Position is an inline item's default key: the same batch run again gives each item the same child.
      this.addItems(request.items.map((item, index) => ({ key: item.key ?? `item-${index}`, item })));
    }
  }

  // ---- Reading ----

  /** Whether to read the next page now: every item read has started, more may start, and this run has room for a page. */
  get wantsPage(): boolean {
    return (
      !this.sourceDone && this.queue.length === 0 && this.mayStart && this.startsLeftInRun >= this.pageRows
    );
  }

  private get pageRows(): number {
    return this.request.source?.pageRows ?? BULK_SOURCE_LIMITS.pageRows.default;
  }

  /** A source batch's run starts at most `startsPerRun` children; an inline batch (at most 1,000) is one run. */
  private get startsLeftInRun(): number {
    return this.request.source ? this.request.startsPerRun - this.startsThisRun : Infinity;
  }

  /**
   * Whether a source batch's run should continue as new now: every item it read has started, and it
   * has no room for another page, or Temporal suggests it (its history is long).
   */
  shouldContinueAsNew(suggested: boolean): boolean {
    if (!this.request.source || this.queue.length > 0) return false;
    return suggested || (!this.sourceDone && this.mayStart && this.startsLeftInRun < this.pageRows);
  }

  get sourceCursor(): BulkSourceCursor | undefined {
    return this.cursor;
  }

  /** A page from the source: its items join the queue, its malformed rows are reported. */
  pageRead(page: BulkSourcePage): void {
    const rows: { line: number; key?: string; item?: BulkItem; issues?: BulkItemReport['issues'] }[] = [
      ...page.items,
      ...page.rejected,
    ].sort((a, b) => a.line - b.line);
    for (const { line, key, item, issues } of rows) {
      if (item && key !== undefined) this.addItems([{ line, key, item }]);
      else this.reject(this.read++, { line, key }, issues, 'unreadable row');
    }
    this.cursor = page.next;
    if (!page.next) this.sourceDone = true;
    this.checkThreshold();
  }

  private addItems(items: { line?: number; key: string; item: BulkItem }[]): void {
    for (const { line, key, item } of items) {
      const index = this.read++;
      const { key: _key, ...fields } = item;
      const workflowId = bulkItemWorkflowId(this.request.batchId, key);
      const input = { ...this.request.defaults, ...fields } as RouteTaskInput;
      const parsed = parseRouteTaskInput(input, this.now);
      if (!parsed.ok) this.reject(index, { line, key, workflowId }, parsed.issues, 'invalid item');
      else this.queue.push({ index, ...(line === undefined ? {} : { line }), key, workflowId, input });
    }
    this.checkThreshold();
  }

  private reject(
    index: number,
    where: Pick<BulkItemReport, 'line' | 'key' | 'workflowId'>,
    issues: BulkItemReport['issues'],
    reason: string,
  ): void {
    this.ended.rejected += 1;
    this.report.push({ index, ...definedOnly(where), status: 'rejected', reason, issues });
  }

  // ---- Starting ----

  private get mayStart(): boolean {
    return this.stoppedEarly === undefined && this.cancelled === undefined;
  }

  /** Running items that Connect refused as over its active-task quota: while any, none starts. */
  get waitingForCapacity(): number {
    let count = 0;
    for (const item of this.running.values()) if (item.waitingForCapacity) count += 1;
    return count;
  }

  /** Children to start now: queued items in order, within the cap, unless stopped or Connect is full. */
  takeStarts(): BulkChildStart[] {
    const starts: BulkChildStart[] = [];
    if (this.waitingForCapacity > 0) return starts;
    while (
      this.mayStart &&
      this.running.size < this.request.maxConcurrent &&
      this.queue.length > 0 &&
      this.startsLeftInRun > 0
    ) {
      const { input, ...item } = this.queue.shift()!;
      this.startsThisRun += 1;
      this.running.set(item.workflowId, item);
      starts.push({ index: item.index, workflowId: item.workflowId, input });
    }
    return starts;
  }

  // ---- What became of the children ----

  news(news: BulkItemNews): void {
    const item = this.running.get(news.workflowId);
    // News from a child of an earlier run of this batch that this run found already existing.
    if (!item) return;
    if (news.news === 'instance-full') item.waitingForCapacity = true;
    else if (news.news === 'created') this.contactCreated(item, news.contactId);
    else {
      const { outcome, contactId, userId, reason } = news;
      if (contactId !== undefined) this.contactCreated(item, contactId);
      this.settle(item, {
        status: outcome === 'assigned' ? 'assigned' : outcome === 'cancelled' ? 'cancelled' : 'failed',
        ...definedOnly({ outcome, contactId, userId, reason }),
      });
    }
  }

  /** A routeTask with the child's id was started before (an earlier run): nothing new was created. */
  alreadyExisted(workflowId: string): void {
    const item = this.running.get(workflowId);
    if (item) this.settle(item, { status: 'already-existed' });
  }

  /** The child's run ended without word (terminated, timed out): it failed. */
  childEnded(workflowId: string, reason: string): void {
    const item = this.running.get(workflowId);
    if (item) this.settle(item, { status: 'failed', reason });
  }

  private contactCreated(item: RunningBulkItem, contactId: string): void {
    if (item.contactId === undefined) this.created += 1;
    item.contactId = contactId;
    delete item.waitingForCapacity;
  }

  private settle(item: RunningBulkItem, settled: Settled): void {
    this.running.delete(item.workflowId);
    this.ended[settled.status] += 1;
    const { index, line, key, workflowId } = item;
    this.report.push({ index, ...definedOnly({ line }), key, workflowId, ...settled });
    this.checkThreshold();
  }

  // ---- Cancelling ----

  /**
   * The batch was cancelled: nothing more starts, queued items are reported cancelled, and these
   * running children are to be cancelled (all, or those whose contact does not exist yet).
   */
  cancel(mode: BulkCancelMode): string[] {
    this.cancelled = mode;
    for (const { index, line, key, workflowId } of this.queue.splice(0)) {
      this.ended.cancelled += 1;
      this.report.push({ index, ...definedOnly({ line }), key, workflowId, status: 'cancelled' });
    }
    return [...this.running.values()]
      .filter((item) => mode === 'cancel-all' || item.contactId === undefined)
      .map((item) => item.workflowId);
  }

  // ---- The end, the report, the next run ----

  /** Nothing runs and nothing more will start. */
  get done(): boolean {
    if (this.running.size > 0) return false;
    return !this.mayStart || (this.sourceDone && this.queue.length === 0);
  }

  /** Why the batch stopped early, if it did: the failure the run ends with. */
  get stopReason(): string | undefined {
    return this.stoppedEarly;
  }

  /** A full part of report lines to write now, if the batch writes its report (a source batch). */
  takeReportPart(): WriteBulkReportPartInput | undefined {
    if (this.report.length < REPORT_PART_LINES) return undefined;
    return this.reportPart(REPORT_PART_LINES);
  }

  /**
   * The rest of the report, to write before handing over to a new run or at the end; nothing when the
   * whole report fits in the result (at most 1,000 items and no part written yet).
   */
  takeRemainingReport(handingOver: boolean): WriteBulkReportPartInput | undefined {
    if (this.report.length === 0 || this.request.reportLocation === undefined) return undefined;
    const fitsInResult = !handingOver && this.reportParts === 0 && this.read <= BULK_LIMITS.reportInline.max;
    return fitsInResult ? undefined : this.reportPart(this.report.length);
  }

  private reportPart(count: number): WriteBulkReportPartInput | undefined {
    const location = this.request.reportLocation;
    if (location === undefined) return undefined;
    const lines = this.report.splice(0, count).sort((a, b) => a.index - b.index);
    this.reportParts += 1;
    return { location, part: this.reportParts, lines };
  }

  snapshot(): BulkBatchSnapshot {
    return {
      read: this.read,
      sourceDone: this.sourceDone,
      ...definedOnly({ cursor: this.cursor, stoppedEarly: this.stoppedEarly }),
      ended: { ...this.ended },
      created: this.created,
      running: [...this.running.values()].map((item) => ({ ...item })),
      report: this.report.map((line) => ({ ...line })),
      reportParts: this.reportParts,
    };
  }

  progress(): BulkCreateTasksProgress {
    return {
      batchId: this.request.batchId,
      read: this.read,
      ...(this.sourceDone ? { total: this.read } : {}),
      counts: this.counts(),
      created: this.created,
      waitingForCapacity: this.waitingForCapacity,
      ...definedOnly({ stoppedEarly: this.stoppedEarly, cancelled: this.cancelled }),
    };
  }

  /** The progress and the report: every item inline, or where the written parts are. */
  result(): BulkCreateTasksResult {
    const location = this.request.reportLocation;
    if (this.reportParts > 0 && location !== undefined) {
      return { ...this.progress(), report: { location, parts: this.reportParts } };
    }
    const items = [
      ...this.report,
      ...[...this.running.values()].map((item) => ({ ...item, status: 'running' as const })),
    ];
    return { ...this.progress(), items: items.sort((a, b) => a.index - b.index) };
  }

  private counts(): BulkCounts {
    const counts = Object.fromEntries(BULK_ITEM_STATUSES.map((status) => [status, 0])) as BulkCounts;
    Object.assign(counts, this.ended);
    counts.pending = this.queue.length;
    counts.running = this.running.size;
    return counts;
  }

  private checkThreshold(): void {
    const tolerated = this.request.toleratedFailures;
    if (tolerated === undefined || this.stoppedEarly !== undefined) return;
    const { failed, rejected } = this.ended;
    const failures = failed + rejected;
    const judged = this.read;
    if ('percent' in tolerated && !this.sourceDone && judged < PERCENT_JUDGED_FROM) return;
    const limit = 'count' in tolerated ? tolerated.count : (tolerated.percent / 100) * judged;
    if (failures > limit) {
      const of = this.sourceDone ? `${judged}` : `${judged} read so far`;
      const allowed = 'count' in tolerated ? `${tolerated.count}` : `${tolerated.percent}% of ${of}`;
      this.stoppedEarly =
        `${failures} of ${of} items failed or were rejected (${failed} failed, ${rejected} rejected), ` +
        `more than the ${allowed} tolerated (toleratedFailures): no further item was started`;
    }
  }
}

/** The object without its undefined fields (so reports and snapshots carry no empty keys). */
function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
