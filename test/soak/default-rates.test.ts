import assert from 'node:assert/strict';
import { assertEachTaskAssignedOnce } from '../integration/routing/assert-assigned-once';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from '../integration/routing/routing-stack';

describe("routing at Connect's documented default rates", () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it("at Connect's documented default rates, 200 tasks route with no call throttled", async function () {
    // 200 creations, transfers and associations at 2/s each: about 100 s.
    this.timeout(300_000);
    stack = await startRoutingStack({
      config: { handleTimeMs: { min: 200, max: 800 }, activeTaskQuota: 2_500 },
      connectCallRates: {},
    });
    const handles = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        stack.startTask(`rates-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Rated ${i}`, attributes: { item: String(i) } },
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    const ledger = assertEachTaskAssignedOnce(stack.emulator, results);
    assert.deepEqual(ledger.throttledCalls, {}, 'no call over the account quota');
  });
});
