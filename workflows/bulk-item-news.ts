/**
 * A routeTask started by a bulk batch (it carries the BulkBatchId search attribute and has a parent)
 * tells the batch what became of it, by the batch's workflow id, so the news reaches the batch's
 * current run even after it continued as new. Other runs tell nobody.
 */
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import {
  type BulkItemNews,
  type BulkItemNewsDelivery,
  bulkItemNewsSignal,
} from '../src/shared/bulk-create-contract';
import { BulkBatchId } from '../src/shared/search-attributes';

type News = BulkItemNews extends infer N ? (N extends BulkItemNews ? Omit<N, 'workflowId'> : never) : never;

export type TellBatch = (news: News) => Promise<void>;

/** The workflow id of the bulk batch that started this run, if one did. */
export function bulkBatchWorkflowIdOfThisRun(): string | undefined {
  const { parent, typedSearchAttributes } = workflowInfo();
  return parent && typedSearchAttributes.get(BulkBatchId) !== undefined ? parent.workflowId : undefined;
}

export function bulkBatchOfThisRun(): TellBatch {
  return async (news) => {
    const delivery = bulkBatchNewsOfThisRun(news);
    if (!delivery) return;
    try {
      await getExternalWorkflowHandle(delivery.batchWorkflowId).signal(bulkItemNewsSignal, delivery.news);
    } catch (error) {
      // The batch has ended (cancelled, or done and this is a late run): nobody is waiting for word.
      log.info('The bulk batch did not take the news', { news: news.news, error: (error as Error).message });
    }
  };
}

/** The news addressed to this run's batch, for a signal or an activity to carry (see registerWithDispatcher); none without a batch. */
export function bulkBatchNewsOfThisRun(news: News): BulkItemNewsDelivery | undefined {
  const batchWorkflowId = bulkBatchWorkflowIdOfThisRun();
  if (batchWorkflowId === undefined) return undefined;
  return { batchWorkflowId, news: { workflowId: workflowInfo().workflowId, ...news } as BulkItemNews };
}
