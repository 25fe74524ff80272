/**
 * Replays the recorded histories (`npm run record-histories`) against the current workflow bundle:
 * a change that would break runs already in flight fails here as a nondeterminism error.
 */
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { realWorkflowBundle } from './harness';
import { readRecordedHistories, type RecordedHistory } from './recorded-histories';

function startedEvent({ history }: RecordedHistory) {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes;
}

describe('replaying recorded histories against the current workflows', () => {
  const recorded = readRecordedHistories();

  it('has routeTask runs and a dispatcher run continued from another to replay', () => {
    const types = new Set(recorded.map((run) => startedEvent(run)?.workflowType?.name));
    assert.ok(types.has('routeTask'), 'no routeTask history');
    assert.ok(
      recorded.some(
        (run) =>
          startedEvent(run)?.workflowType?.name === 'connectDispatcher' &&
          startedEvent(run)?.continuedExecutionRunId,
      ),
      'no history of a dispatcher run that continued from another',
    );
  });

  for (const run of recorded) {
    it(`replays ${run.name} without nondeterminism`, async () => {
      await Worker.runReplayHistory(
        { workflowBundle: await realWorkflowBundle() },
        run.history,
        run.workflowId,
      );
    });
  }
});
