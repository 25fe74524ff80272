import assert from 'node:assert/strict';
import type { Faults, Ledger } from '../../../src/dev/emulator';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import { FAST_ERROR_POLICY } from './fast-error-policy';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing-stack';

const TASKS = 12;

describe('routeTask under Connect faults', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  async function routeAll(faults: Faults): Promise<Ledger> {
    stack = await startRoutingStack({
      config: { handleTimeMs: { min: 200, max: 800 }, faults },
      seed: 7,
      dispatcherErrorPolicy: FAST_ERROR_POLICY,
    });
    const handles = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        stack.startTask(`faulty-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Task ${i}`, attributes: { item: String(i) } },
          errorPolicy: FAST_ERROR_POLICY,
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    return assertEachTaskAssignedOnce(stack.emulator, results);
  }

  it('assigns every task exactly once when every operation throttles and fails with 5xx', async () => {
    const transient = {
      errorRates: {
        ThrottlingException: 0.15,
        InternalServiceException: 0.1,
        ServiceUnavailableException: 0.05,
      },
    };
    const ledger = await routeAll({
      CreateContact: transient,
      TransferContact: transient,
      AssociateContactWithUser: transient,
      DescribeContact: transient,
      GetCurrentUserData: transient,
      ListRoutingProfileManualAssignmentQueues: transient,
      ListRoutingProfileQueues: transient,
    });
    // Each call fails with a probability of 30%: the run must have met many faults, on several operations.
    const injected = Object.entries(ledger.faultsInjected).filter(
      ([, counts]) => counts && counts.errors > 0,
    );
    const total = injected.reduce((sum, [, counts]) => sum + (counts?.errors ?? 0), 0);
    assert.ok(total >= TASKS / 2, `only ${total} faults were injected`);
    assert.ok(
      injected.length >= 3,
      `faults reached only ${injected.map(([operation]) => operation).join(', ')}`,
    );
  });

  it('assigns every task exactly once when create, transfer and associate commit, then fail or drop the connection', async () => {
    const commitThenFail = { commitThenFail: { errorRate: 0.25, dropRate: 0.25 } };
    const ledger = await routeAll({
      CreateContact: commitThenFail,
      TransferContact: commitThenFail,
      AssociateContactWithUser: commitThenFail,
    });
    assert.ok(ledger.clientTokenReplays > 0, 'a retried create or transfer reused its ClientToken');
    assert.equal(ledger.transfers, TASKS, 'one transfer per task, however often it was retried');
    assert.ok(ledger.faultsInjected.AssociateContactWithUser, 'an association was committed, then failed');
  });
});
