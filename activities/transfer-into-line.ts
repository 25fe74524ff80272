import type { RegisterWithDispatcherInput, RegisterWithDispatcherResult } from './register-with-dispatcher';
import type { TransferContactInput, TransferContactResult } from './transfer-contact';

export interface TransferIntoLineInput
  extends TransferContactInput, Pick<RegisterWithDispatcherInput, 'task' | 'batchNews'> {
  /** The routeTask run's task queue (this activity runs on the transfer lane's). */
  taskQueue: string;
}

export interface TransferIntoLineResult extends TransferContactResult, RegisterWithDispatcherResult {}

/**
 * TransferContact into the task's queue, then the task joins its dispatcher's line: one activity
 * where create-then-associate had two, so one workflow task and one billed action fewer per task.
 * A retry after the transfer transfers with the same ClientToken, which Connect answers without
 * transferring again, and joining twice is harmless.
 */
export function makeTransferIntoLine<Transferred extends TransferContactResult>(
  transferContact: (input: TransferContactInput) => Promise<Transferred>,
  registerWithDispatcher: (input: RegisterWithDispatcherInput) => Promise<RegisterWithDispatcherResult>,
) {
  return async function transferIntoLine(
    input: TransferIntoLineInput,
  ): Promise<Transferred & RegisterWithDispatcherResult> {
    const { task, taskQueue, batchNews, ...transfer } = input;
    const transferred = await transferContact(transfer);
    const joined = await registerWithDispatcher({
      instanceId: input.instanceId,
      // The line watches for the contact as Connect queued it.
      task: { ...task, contactId: transferred.contactId },
      taskQueue,
      batchNews,
    });
    return { ...transferred, ...joined };
  };
}
