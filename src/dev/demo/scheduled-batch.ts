/**
 * The demo's scheduled bulk batch: a Temporal Schedule (created paused, so that it starts nothing
 * on its own while the demo stays up) whose action starts a small bulkCreateTasks batch, triggered
 * once by the demo, so that its items route alongside the demo's own tasks. Followed to its result,
 * and cleaned up when the demo stops: the schedule is deleted and anything of it still running ends.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  createBulkSchedule,
  deleteBulkSchedule,
  describeBulkSchedule,
  triggerBulkSchedule,
} from '../../client/bulk-schedule-client';
import {
  type BulkCreateTasksInput,
  type BulkCreateTasksProgress,
  type BulkCreateTasksResult,
  bulkProgressQuery,
} from '../../shared/bulk-create-contract';
import { BulkBatchId } from '../../shared/search-attributes';
import type { bulkCreateTasks } from '../../../workflows/bulk-create-tasks';
import { defaultContactFlowId, defaultQueueId } from '../emulator';

/** How often the schedule would run once unpaused. */
export const DEMO_SCHEDULE_EVERY = '1h';
const RUN_APPEARS_WITHIN_MS = 20_000;

const ITEM_REASONS = ['callback request', 'address change', 'duplicate charge', 'warranty claim'];

/** A few items across both queues, with content of their own (the ledger counts identical contacts as duplicates). */
export function demoBatchInput(options: {
  items: number;
  instanceId: string;
  runId: string;
  batchId: string;
}): BulkCreateTasksInput {
  return {
    batchId: options.batchId,
    items: Array.from({ length: options.items }, (_, index) => {
      const number = String(index + 1);
      const queueName = index % 2 === 0 ? 'Support' : 'Billing';
      const reason = ITEM_REASONS[index % ITEM_REASONS.length];
      return {
        key: `item-${number}`,
        queueId: defaultQueueId(queueName),
        contact: {
          name: `Scheduled ${number}: ${reason}`,
          description: `${queueName} ${reason}, scheduled batch of demo run ${options.runId}`,
          attributes: { demoRun: options.runId, demoBatchItem: number },
        },
      };
    }),
    defaults: {
      instanceId: options.instanceId,
      transferFlowId: defaultContactFlowId('Transfer to queue'),
    },
  };
}

export interface DemoScheduledBatchReport {
  scheduleId: string;
  /** The schedule's batch id; its run is the batch `<batchId>.<scheduled time>`. */
  batchId: string;
  items: number;
  /** The run the trigger started (`bulk-batch/<batchId>-<scheduled time>`). */
  workflowId?: string;
  result?: BulkCreateTasksResult;
  /** Why the run failed, or why no run was seen. */
  error?: string;
}

export class DemoScheduledBatch {
  private handle: WorkflowHandle<typeof bulkCreateTasks> | undefined;
  private result: BulkCreateTasksResult | undefined;
  private error: string | undefined;
  private lastProgress: BulkCreateTasksProgress | undefined;
  private settled: Promise<void> = Promise.resolve();
  private readonly resultPoll = new AbortController();

  private constructor(
    private readonly client: Client,
    readonly scheduleId: string,
    private readonly input: BulkCreateTasksInput,
  ) {
    setMaxListeners(0, this.resultPoll.signal);
  }

  /** Creates the schedule, paused. */
  static async create(
    client: Client,
    options: { scheduleId: string; input: BulkCreateTasksInput; taskQueue: string },
  ): Promise<DemoScheduledBatch> {
    await createBulkSchedule(client, {
      scheduleId: options.scheduleId,
      input: options.input,
      every: DEMO_SCHEDULE_EVERY,
      paused: true,
      note: `Created paused by the demo, which triggered it once; unpaused, it starts a batch every ${DEMO_SCHEDULE_EVERY}.`,
      taskQueue: options.taskQueue,
    });
    return new DemoScheduledBatch(client, options.scheduleId, options.input);
  }

  get batchId(): string {
    return this.input.batchId;
  }

  get items(): number {
    return this.input.items?.length ?? 0;
  }

  /** Its run's workflow id, once triggered. */
  get workflowId(): string | undefined {
    return this.handle?.workflowId;
  }

  /** Starts one run now, finds its workflow id, and follows it to its result. */
  async trigger(): Promise<void> {
    await triggerBulkSchedule(this.client, this.scheduleId);
    const deadline = Date.now() + RUN_APPEARS_WITHIN_MS;
    for (;;) {
      const { recentRuns } = await describeBulkSchedule(this.client, this.scheduleId);
      const run = recentRuns[0];
      if (run) {
        this.handle = this.client.workflow.getHandle<typeof bulkCreateTasks>(run.workflowId);
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Schedule ${this.scheduleId} was triggered, but no run showed up within ${RUN_APPEARS_WITHIN_MS / 1000} s`,
        );
      }
      await sleep(200);
    }
    const handle = this.handle;
    this.settled = this.client
      .withAbortSignal(this.resultPoll.signal, () => handle.result())
      .then(
        (result) => void (this.result = result),
        (error: Error) => void (this.error = error.message),
      );
  }

  /** Resolves when the run has ended (at once if it never started). */
  allSettled(): Promise<void> {
    return this.settled;
  }

  get finished(): boolean {
    return this.result !== undefined || this.error !== undefined;
  }

  /** Items that have ended, from the run's progress query (the last answer if it does not answer now). */
  async endedItems(): Promise<number> {
    if (this.finished) return this.items;
    if (this.handle) {
      this.lastProgress =
        (await this.handle.query(bulkProgressQuery).catch(() => undefined)) ?? this.lastProgress;
    }
    const counts = this.lastProgress?.counts;
    if (!counts) return 0;
    return counts.assigned + counts['already-existed'] + counts.failed + counts.rejected + counts.cancelled;
  }

  report(): DemoScheduledBatchReport {
    return {
      scheduleId: this.scheduleId,
      batchId: this.batchId,
      items: this.items,
      ...(this.handle ? { workflowId: this.handle.workflowId } : {}),
      ...(this.result ? { result: this.result } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /**
   * Deletes the schedule; a run still going, and its items (which outlive their batch by design), are
   * terminated, so that nothing is left waiting on a server whose worker is gone.
   */
  async stop(reason: string): Promise<void> {
    const running = this.handle !== undefined && !this.finished;
    this.resultPoll.abort();
    await deleteBulkSchedule(this.client, this.scheduleId).catch(() => undefined);
    if (!running || !this.handle) return;
    await this.handle.terminate(reason).catch(() => undefined);
    const runBatchId = (await this.handle.describe().catch(() => undefined))?.typedSearchAttributes.get(
      BulkBatchId,
    );
    if (runBatchId === undefined) return;
    const items = this.client.workflow.list({
      query: `${BulkBatchId.name} = '${runBatchId}' AND ExecutionStatus = 'Running'`,
    });
    for await (const item of items) {
      await this.client.workflow
        .getHandle(item.workflowId, item.runId)
        .terminate(reason)
        .catch(() => undefined);
    }
  }
}
