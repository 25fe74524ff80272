/**
 * A routeTask started by a bulk batch (it carries the BulkBatchId search attribute and has a parent)
 * tells the batch what became of it, by the batch's workflow id, so the news reaches the batch's
 * current run even after it continued as new. Other runs tell nobody.
 */
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { type BulkItemNews, bulkItemNewsSignal } from '../src/shared/bulk-create-contract';
import { BulkBatchId } from '../src/shared/search-attributes';

type News = BulkItemNews extends infer N ? (N extends BulkItemNews ? Omit<N, 'workflowId'> : never) : never;

export type TellBatch = (news: News) => Promise<void>;

export function bulkBatchOfThisRun(): TellBatch {
  const { parent, typedSearchAttributes, workflowId } = workflowInfo();
  if (!parent || typedSearchAttributes.get(BulkBatchId) === undefined) return async () => {};
  const batch = getExternalWorkflowHandle(parent.workflowId);
  return async (news) => {
    try {
      await batch.signal(bulkItemNewsSignal, { workflowId, ...news } as BulkItemNews);
    } catch (error) {
      // The batch has ended (cancelled, or done and this is a late run): nobody is waiting for word.
      log.info('The bulk batch did not take the news', { news: news.news, error: (error as Error).message });
    }
  };
}
