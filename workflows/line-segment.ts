/**
 * connectLineSegment: holds a run of a dispatcher's line (tasks in line order) until the dispatcher
 * asks for it back, so that however long the line, no dispatcher input or payload grows with it.
 */
import { condition, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { lineSegmentReturnedSignal } from '../src/shared/dispatcher-contract';
import {
  type LineSegmentInput,
  lineSegmentStatusQuery,
  returnLineSegmentSignal,
} from '../src/shared/line-segment-contract';

export async function connectLineSegment(input: LineSegmentInput): Promise<void> {
  const { workflowId } = workflowInfo();
  let asked = false;
  let returned = false;
  setHandler(returnLineSegmentSignal, () => {
    asked = true;
  });
  setHandler(lineSegmentStatusQuery, () => ({
    queueId: input.queueId,
    taskCount: input.tasks.tasks.length,
    returned,
  }));
  for (;;) {
    await condition(() => asked);
    try {
      await getExternalWorkflowHandle(input.dispatcherWorkflowId).signal(lineSegmentReturnedSignal, {
        segmentId: workflowId,
        tasks: input.tasks,
      });
      returned = true;
      return;
    } catch (error) {
      // The dispatcher is gone for now (terminated, say): it asks again once it is back.
      log.warn('The line segment could not reach its dispatcher; waiting to be asked again', {
        error: (error as Error).message,
      });
      asked = false;
    }
  }
}
