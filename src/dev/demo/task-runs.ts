/** The demo's routeTask runs: started a batch at a time, followed to their results, and counted by stage. */
import { setMaxListeners } from 'node:events';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DEFAULT_CALL_CENTRE } from '../emulator';
import { startRouteTask } from '../../client/route-task-client';
import type { routeTask } from '../../../workflows/route-task';
import { type RoutingStage, routeTaskStatusQuery } from '../../shared/route-task-contract';
import type { DemoTask } from './call-centre';
import type { StageCounts } from './progress';
import type { DemoTaskReport } from './report';

/** Starting workflows a few at a time keeps a 500-task demo from opening 500 calls at once. */
const START_CONCURRENCY = 20;
const QUEUE_NAMES = new Map(DEFAULT_CALL_CENTRE.queues.map((queue) => [queue.id, queue.name]));

interface TaskRun {
  task: DemoTask;
  handle: WorkflowHandle<typeof routeTask>;
  report?: DemoTaskReport;
}

export class DemoTaskRuns {
  private readonly runs: TaskRun[] = [];
  /** Ends the result long-polls still open when the demo stops early. */
  private readonly resultPolls = new AbortController();
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Where `stageCounts` counts: the demo's tasks start with the first, other runs of the demo with the others. */
    private readonly workflowIdPrefixes: [string, ...string[]],
  ) {
    // One listener per open long-poll, by design: not the leak Node warns about past 10.
    setMaxListeners(0, this.resultPolls.signal);
  }

  async start(tasks: DemoTask[]): Promise<void> {
    for (let from = 0; from < tasks.length; from += START_CONCURRENCY) {
      const batch = tasks.slice(from, from + START_CONCURRENCY);
      await Promise.all(
        batch.map(async (task) => {
          const handle = await startRouteTask(this.client, task.input, {
            workflowId: task.workflowId,
            taskQueue: this.taskQueue,
          });
          this.runs.push({ task, handle });
        }),
      );
    }
    this.settled = Promise.all(this.runs.map((run) => this.follow(run))).then(() => undefined);
  }

  /** Resolves when every started run has ended. */
  allSettled(): Promise<void> {
    return this.settled;
  }

  get finishedCount(): number {
    return this.runs.filter((run) => run.report).length;
  }

  /** In the order the tasks were generated, once every run has ended. */
  reports(): DemoTaskReport[] {
    return [...this.runs]
      .sort((a, b) => a.task.workflowId.localeCompare(b.task.workflowId))
      .map((run) => run.report!);
  }

  private async follow(run: TaskRun): Promise<void> {
    const { input } = run.task;
    const base = {
      workflowId: run.task.workflowId,
      queueName: QUEUE_NAMES.get(input.queueId) ?? input.queueId,
      priority: input.priority ?? 5,
    };
    try {
      const result = await this.client.withAbortSignal(this.resultPolls.signal, () => run.handle.result());
      run.report = { ...base, outcome: result.outcome, result };
    } catch (error) {
      run.report = { ...base, outcome: 'failed', error: (error as Error).message };
    }
  }

  /**
   * Runs per routing stage, from the RoutingStage search attribute: a few count queries, whatever
   * the number of tasks. Visibility lags a little behind the runs: fine for a progress line.
   */
  async stageCounts(): Promise<StageCounts> {
    const count = async (stages: RoutingStage[]) => {
      const prefixes = this.workflowIdPrefixes.map((prefix) => `WorkflowId STARTS_WITH '${prefix}'`);
      const query =
        `(${prefixes.join(' OR ')}) AND TaskQueue = '${this.taskQueue}' ` +
        `AND ExecutionStatus = 'Running' AND RoutingStage IN (${stages.map((stage) => `'${stage}'`).join(', ')})`;
      return (await this.client.workflow.count(query)).count;
    };
    const [creating, waiting, assigning] = await Promise.all([
      count(['creating']),
      count(['waiting-for-agent']),
      count(['assigning', 'offered']),
    ]);
    return { creating, waiting, assigning };
  }

  /** The first few unfinished runs and their stage, to say where a timed-out demo got stuck. */
  async describeUnfinished(shownAtMost = 5): Promise<string> {
    const unfinished = this.runs.filter((run) => !run.report);
    const shown = await Promise.all(
      unfinished.slice(0, shownAtMost).map(async ({ task, handle }) => {
        const stage = await handle
          .query(routeTaskStatusQuery)
          .then((status) => status.stage)
          .catch(() => 'stage unknown');
        return `${task.workflowId} (${stage})`;
      }),
    );
    const more = unfinished.length - shown.length;
    return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
  }

  /** For a demo stopped early: no run is left waiting on a server whose worker is gone. */
  async terminateUnfinished(reason: string): Promise<void> {
    const unfinished = this.runs.filter((run) => !run.report);
    this.resultPolls.abort();
    await Promise.all(unfinished.map((run) => run.handle.terminate(reason).catch(() => undefined)));
  }
}
