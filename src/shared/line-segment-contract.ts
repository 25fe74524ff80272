/**
 * The connectLineSegment contract: a run of a dispatcher's line, held out of the dispatcher's memory
 * and its continue-as-new input until the dispatcher asks for it back. The dispatcher starts these;
 * nobody else needs to.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EncodedLineSegment } from './dispatcher-contract';

export interface LineSegmentInput {
  /** Where the tasks go back to: the dispatcher's workflow id (its current run). */
  dispatcherWorkflowId: string;
  queueId: string;
  tasks: EncodedLineSegment;
}

/** `<dispatcher id>/line/<run id>/<n>`: unique per dispatcher run, and the same on replay. */
export function lineSegmentWorkflowId(dispatcherWorkflowId: string, runId: string, index: number): string {
  return `${dispatcherWorkflowId}/line/${runId}/${index}`;
}

export interface LineSegmentStatus {
  queueId: string;
  taskCount: number;
  returned: boolean;
}

/** From the dispatcher: send the tasks back now. */
export const returnLineSegmentSignal = defineSignal('returnLineSegment');
export const lineSegmentStatusQuery = defineQuery<LineSegmentStatus>('status');
