/**
 * The typed client functions (src/client) against real runs: the shared dev server, a worker, and a
 * Connect emulator whose agents are all offline at first, so that tasks and batch items visibly wait
 * until the test lets an agent log in.
 */
import assert from 'node:assert/strict';
import {
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  BulkBatchIdError,
  cancelBulkCreateTasks,
  describeBulkCreateTasks,
  getBulkProgress,
  startBulkCreateTasks,
  waitForBulkCreateTasks,
} from '../../../src/client/bulk-create-client';
import {
  cancelRouteTask,
  describeRouteTask,
  getRouteTaskStatus,
  reprioritizeRouteTask,
  RouteTaskArgumentError,
  RouteTaskInputError,
  setPreferredAgents,
  startRouteTask,
  waitForRouteTask,
} from '../../../src/client/route-task-client';
import { RunAlreadyEndedError, WrongWorkflowTypeError } from '../../../src/client/workflow-runs';
import { defaultAgentId, defaultContactFlowId, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { bulkItemWorkflowId, type BulkCreateTasksProgress } from '../../../src/shared/bulk-create-contract';
import { dispatcherWorkflowId } from '../../../src/shared/dispatcher-contract';
import type { RouteTaskInput } from '../../../src/shared/route-task-contract';
import { TaskPriority } from '../../../src/shared/search-attributes';
import { waitUntil } from '../../helpers/eventually';
import {
  ALICE,
  BILLING_QUEUE,
  BOB,
  CAROL,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from '../routing/routing-stack';

const DAVE = defaultAgentId('dave');
const TRANSFER_FLOW = defaultContactFlowId('Transfer to queue');

/** Asserts that `promise` rejects with an instance of `type` whose message is exactly `message`. */
async function rejectsWith<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  message: string | RegExp,
): Promise<E> {
  const error = await promise.then(
    (value) => assert.fail(`expected ${type.name}, got ${JSON.stringify(value)}`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.match(error.message, message);
  return error;
}

describe('the typed client functions (on the shared dev server, with a worker and the Connect emulator)', () => {
  let stack: RoutingStack;
  /** A workflow id of this suite's own. */
  const id = (name: string) => `client-functions/${stack.instanceId}/${name}`;
  const task = (name: string, more: Partial<RouteTaskInput> = {}): RouteTaskInput => ({
    instanceId: stack.instanceId,
    queueId: SUPPORT_QUEUE,
    transferFlowId: TRANSFER_FLOW,
    contact: { name },
    ...more,
  });
  const start = (name: string, more: Partial<RouteTaskInput> = {}) =>
    startRouteTask(stack.client, task(name, more), { workflowId: id(name), taskQueue: stack.taskQueue });

  before(async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
  });
  after(() => stack?.stop());

  it('rejects bad arguments naming the field and the limit, before any call', async () => {
    const { client } = stack;
    const connectCalls = { ...stack.emulator.ledger().calls };
    // No run has this id: had a call reached Temporal, it would have thrown WorkflowNotFoundError.
    const never = id('never-started');

    const input = await rejectsWith(
      startRouteTask(client, task('Bad priority', { priority: 0 }), {
        workflowId: never,
        taskQueue: stack.taskQueue,
      }),
      RouteTaskInputError,
      'Invalid routeTask input: priority must be at least 1 (got 0)',
    );
    assert.deepEqual(
      input.issues.map((issue) => issue.field),
      ['priority'],
    );
    const priority = await rejectsWith(
      reprioritizeRouteTask(client, never, { priority: 1001 }),
      RouteTaskArgumentError,
      'Invalid reprioritize argument: priority must be at most 1,000 (got 1,001)',
    );
    assert.equal(priority.operation, 'reprioritize');
    assert.deepEqual(
      priority.issues.map((issue) => issue.field),
      ['priority'],
    );
    await rejectsWith(
      reprioritizeRouteTask(client, never, { priority: 2.5 }),
      RouteTaskArgumentError,
      'Invalid reprioritize argument: priority must be an integer (got 2.5)',
    );
    await rejectsWith(
      setPreferredAgents(client, never, {
        preferredAgentIds: Array.from({ length: 101 }, (_, n) => `agent-${n}`),
      }),
      RouteTaskArgumentError,
      'Invalid setPreferredAgents argument: preferredAgentIds must have at most 100 items (got 101)',
    );
    await rejectsWith(
      setPreferredAgents(client, never, { preferredAgentIds: [CAROL], widenAfterSeconds: -1 }),
      RouteTaskArgumentError,
      'Invalid setPreferredAgents argument: widenAfterSeconds must be at least 0 (got -1)',
    );
    await rejectsWith(
      cancelRouteTask(client, never, { reason: 42 as unknown as string }),
      RouteTaskArgumentError,
      /^Invalid cancel argument: reason must be a string \(got /,
    );
    const batchId = await rejectsWith(
      getBulkProgress(client, 'claims 2024'),
      BulkBatchIdError,
      'Invalid batch id: batchId may contain only letters, digits and . _ : -',
    );
    assert.deepEqual(
      batchId.issues.map((issue) => issue.field),
      ['batchId'],
    );
    await rejectsWith(
      waitForBulkCreateTasks(client, 'x'.repeat(101)),
      BulkBatchIdError,
      'Invalid batch id: batchId must be at most 100 characters (got 101)',
    );

    // Nothing reached Connect, and no run was started.
    assert.deepEqual(stack.emulator.ledger().calls, connectCalls);
    const missing = await rejectsWith(
      describeRouteTask(client, never),
      WorkflowNotFoundError,
      `no routeTask run with workflow id ${never} in namespace "default"`,
    );
    assert.equal(missing.workflowId, never);
  });

  it('names the id of a run that is missing or runs another workflow', async () => {
    const { client } = stack;
    const missing = id('no-such-task');
    const notFound = `no routeTask run with workflow id ${missing} in namespace "default"`;
    await rejectsWith(getRouteTaskStatus(client, missing), WorkflowNotFoundError, notFound);
    await rejectsWith(waitForRouteTask(client, missing), WorkflowNotFoundError, notFound);
    await rejectsWith(cancelRouteTask(client, missing), WorkflowNotFoundError, notFound);
    await rejectsWith(
      reprioritizeRouteTask(client, missing, { priority: 3 }),
      WorkflowNotFoundError,
      notFound,
    );
    await rejectsWith(
      getBulkProgress(client, `no-such-batch-${stack.instanceId}`),
      WorkflowNotFoundError,
      `no bulkCreateTasks run with workflow id bulk-batch/no-such-batch-${stack.instanceId} in namespace "default"`,
    );

    // The instance's dispatcher answers a `status` query too, in another shape.
    await start('starts-the-dispatcher');
    const dispatcher = dispatcherWorkflowId(stack.instanceId);
    await waitUntil('the dispatcher running', async () =>
      (await statusOf(dispatcher)) === 'RUNNING' ? true : undefined,
    );
    const wrongType = `${dispatcher} is a connectDispatcher run, not a routeTask task`;
    const wrong = await rejectsWith(
      getRouteTaskStatus(client, dispatcher),
      WrongWorkflowTypeError,
      wrongType,
    );
    assert.equal(wrong.workflowType, 'connectDispatcher');
    await rejectsWith(cancelRouteTask(client, dispatcher), WrongWorkflowTypeError, wrongType);
    await rejectsWith(
      reprioritizeRouteTask(client, dispatcher, { priority: 3 }),
      WrongWorkflowTypeError,
      wrongType,
    );
    await cancelRouteTask(client, id('starts-the-dispatcher'));
    assert.equal((await waitForRouteTask(client, id('starts-the-dispatcher'))).outcome, 'cancelled');

    async function statusOf(workflowId: string) {
      return (
        await client.workflow
          .getHandle(workflowId)
          .describe()
          .catch(() => undefined)
      )?.status.name;
    }
  });

  it('status while waiting, reprioritize, set preferred agents, cancel one task, wait for an assigned one', async () => {
    const { client } = stack;
    await start('to-cancel', { contact: { name: 'Call back about order 1' } });
    await start('to-assign', { contact: { name: 'Call back about order 2' }, excludedAgentIds: [DAVE] });

    // Every agent is offline: both tasks wait in line.
    for (const name of ['to-cancel', 'to-assign']) {
      const waiting = await waitUntil(`${name} waiting for an agent`, async () => {
        const status = await getRouteTaskStatus(client, id(name));
        return status.stage === 'waiting-for-agent' ? status : undefined;
      });
      assert.equal(waiting.instanceId, stack.instanceId);
      assert.equal(waiting.queueId, SUPPORT_QUEUE);
      assert.equal(waiting.priority, 5);
      assert.deepEqual(waiting.preferredAgentIds, []);
      assert.ok(waiting.contactId, 'the contact was created before the task joined the line');
      assert.ok(waiting.waitingSince && Date.parse(waiting.waitingSince) <= Date.now());
    }

    // Reprioritize: the answer, the status and the TaskPriority search attribute show the new priority.
    assert.equal(await reprioritizeRouteTask(client, id('to-assign'), { priority: 2 }), 2);
    assert.equal((await getRouteTaskStatus(client, id('to-assign'))).priority, 2);
    const described = await describeRouteTask(client, id('to-assign'));
    assert.equal(described.status.name, 'RUNNING');
    assert.equal(described.typedSearchAttributes.get(TaskPriority), 2);
    // An invalid priority changes nothing.
    await rejectsWith(
      reprioritizeRouteTask(client, id('to-assign'), { priority: 0 }),
      RouteTaskArgumentError,
      'Invalid reprioritize argument: priority must be at least 1 (got 0)',
    );
    assert.equal((await getRouteTaskStatus(client, id('to-assign'))).priority, 2);

    // Preferred agents: Carol only, for ten minutes; the run refuses an agent the task excludes.
    const before = Date.now();
    const preferred = await setPreferredAgents(client, id('to-assign'), {
      preferredAgentIds: [CAROL],
      widenAfterSeconds: 600,
    });
    assert.deepEqual(preferred.preferredAgentIds, [CAROL]);
    const widensIn = Date.parse(preferred.widensAt) - before;
    assert.ok(widensIn >= 590_000 && widensIn <= 610_000, `widens in ${widensIn} ms`);
    const withPreferred = await getRouteTaskStatus(client, id('to-assign'));
    assert.deepEqual(withPreferred.preferredAgentIds, [CAROL]);
    assert.equal(withPreferred.widensAt, preferred.widensAt);
    const refused = await rejectsWith(
      setPreferredAgents(client, id('to-assign'), { preferredAgentIds: [DAVE] }),
      WorkflowUpdateFailedError,
      /.*/,
    );
    assert.match(
      String((refused.cause as Error | undefined)?.message),
      new RegExp(`^preferredAgentIds and excludedAgentIds must not share agents \\(both list ${DAVE}\\)$`),
    );

    // Cancel one task: its contact is stopped and the run ends cancelled with the reason.
    const contactOf = (contactId: string | undefined) =>
      stack.emulator.snapshot().contacts.find((contact) => contact.id === contactId);
    const queued = (await getRouteTaskStatus(client, id('to-cancel'))).contactId;
    assert.equal(contactOf(queued)?.state, 'QUEUED');
    await cancelRouteTask(client, id('to-cancel'), { reason: 'customer called back' });
    const cancelled = await waitForRouteTask(client, id('to-cancel'));
    assert.equal(cancelled.outcome, 'cancelled');
    assert.equal(cancelled.reason, 'customer called back');
    assert.equal(cancelled.userId, undefined);
    assert.equal(cancelled.contactId, queued);
    assert.equal(contactOf(queued)?.state, 'ENDED', 'its contact was stopped in Connect');
    const again = await rejectsWith(
      cancelRouteTask(client, id('to-cancel')),
      RunAlreadyEndedError,
      `task ${id('to-cancel')} has already ended (COMPLETED, cancelled)`,
    );
    assert.equal(again.status, 'COMPLETED');
    assert.equal(again.outcome, 'cancelled');
    assert.equal((await getRouteTaskStatus(client, id('to-assign'))).stage, 'waiting-for-agent');

    // Carol logs in: the task is hers.
    stack.emulator.setAgentStatus(CAROL, 'Available');
    const assigned = await waitForRouteTask(client, id('to-assign'));
    assert.equal(assigned.outcome, 'assigned');
    assert.equal(assigned.userId, CAROL);
    assert.equal(assigned.queueId, SUPPORT_QUEUE);
    assert.equal(assigned.contactId, withPreferred.contactId);
    assert.deepEqual(
      assigned.offers.map((offer) => [offer.userId, offer.outcome]),
      [[CAROL, 'accepted']],
    );
    assert.equal((await getRouteTaskStatus(client, id('to-assign'))).stage, 'assigned');
    await rejectsWith(
      reprioritizeRouteTask(client, id('to-assign'), { priority: 1 }),
      RunAlreadyEndedError,
      `task ${id('to-assign')} has already ended (COMPLETED, assigned)`,
    );
  });

  it('bulk: progress of running batches, cancel one, wait for a small inline batch', async () => {
    const { client } = stack;
    const defaults = { instanceId: stack.instanceId, queueId: BILLING_QUEUE, transferFlowId: TRANSFER_FLOW };
    const items = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, n) => ({
        key: `${prefix}-${n}`,
        contact: { name: `${prefix} ${n}` },
      }));
    const toCancel = `client-cancel-${stack.instanceId}`;
    const toFinish = `client-finish-${stack.instanceId}`;
    await startBulkCreateTasks(
      client,
      { batchId: toCancel, items: items('cancelled', 1), defaults, onCancel: 'cancel-all' },
      { taskQueue: stack.taskQueue },
    );
    await startBulkCreateTasks(
      client,
      { batchId: toFinish, items: items('claim', 2), defaults },
      { taskQueue: stack.taskQueue },
    );

    // The Billing agents are offline: every item's contact is created, and it waits.
    const running = (batchId: string, count: number) =>
      waitUntil(`${batchId}: ${count} items created and running`, async () => {
        const progress = await getBulkProgress(client, batchId);
        return progress.created === count && progress.counts.running === count ? progress : undefined;
      });
    const waiting = await running(toFinish, 2);
    assert.equal(waiting.batchId, toFinish);
    assert.equal(waiting.read, 2);
    assert.equal(waiting.total, 2);
    assert.equal(waiting.counts.assigned, 0);
    await running(toCancel, 1);

    // Cancelling with onCancel cancel-all cancels the running item too.
    await cancelBulkCreateTasks(client, toCancel);
    const failure = await rejectsWith(waitForBulkCreateTasks(client, toCancel), WorkflowFailedError, /.*/);
    assert.ok(failure.cause instanceof CancelledFailure, `cause: ${String(failure.cause)}`);
    assert.equal((await describeBulkCreateTasks(client, toCancel)).status.name, 'CANCELLED');
    assert.equal((await getBulkProgress(client, toCancel)).cancelled, 'cancel-all');
    const item = await waitForRouteTask(client, bulkItemWorkflowId(toCancel, 'cancelled-0'));
    assert.equal(item.outcome, 'cancelled');
    await rejectsWith(
      cancelBulkCreateTasks(client, toCancel),
      RunAlreadyEndedError,
      `batch run bulk-batch/${toCancel} has already ended (CANCELLED)`,
    );

    // Alice and Bob (Billing, one task each) log in: the other batch ends with both items assigned.
    stack.emulator.setAgentStatus(ALICE, 'Available');
    stack.emulator.setAgentStatus(BOB, 'Available');
    const result = await waitForBulkCreateTasks(client, toFinish);
    assert.deepEqual(result.counts, {
      pending: 0,
      running: 0,
      assigned: 2,
      'already-existed': 0,
      failed: 0,
      rejected: 0,
      cancelled: 0,
    });
    assert.equal(result.created, 2);
    assert.deepEqual(
      (result.items ?? []).map((report) => [report.key, report.status]),
      [
        ['claim-0', 'assigned'],
        ['claim-1', 'assigned'],
      ],
    );
    assert.deepEqual((result.items ?? []).map((report) => report.userId).sort(), [ALICE, BOB].sort());
    // The ended batch still answers its progress query, with the result's counts; by workflow id too.
    const { items: _items, ...ended } = result;
    const progress: BulkCreateTasksProgress = await getBulkProgress(client, `bulk-batch/${toFinish}`);
    assert.deepEqual(progress, ended);
    await rejectsWith(
      cancelBulkCreateTasks(client, toFinish),
      RunAlreadyEndedError,
      `batch run bulk-batch/${toFinish} has already ended (COMPLETED)`,
    );
  });
});
