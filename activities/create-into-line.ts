import type { CreateContactInput, CreateContactResult } from './create-contact';
import type { TransferIntoLineInput, TransferIntoLineResult } from './transfer-into-line';

export interface CreateIntoLineInput extends CreateContactInput {
  /** The transfer that queues the contact, as transferIntoLine takes it, less the contact it is about. */
  transfer: Omit<
    TransferIntoLineInput,
    'instanceId' | 'errorPolicy' | 'contactId' | 'contactCreatedAt' | 'batchNews'
  >;
  /** The bulk batch that started the task, if any: told the contact was created once the task is in line. */
  batchWorkflowId?: string;
}

export interface CreateIntoLineResult extends CreateContactResult {
  /** The task in line, its contact queued; absent where this worker only creates (see `makeCreateIntoLine`). */
  inLine?: Omit<TransferIntoLineResult, 'clientToken'>;
}

/**
 * CreateContact, then transferIntoLine: for create-then-associate, one activity from nothing to the
 * line, so one workflow task and one billed action fewer per task than two. It runs on the create
 * lane, whose rate then paces the transfers too, so a worker folds only where the deployment's
 * TransferContact rate is at least its CreateContact rate (`transfersAtCreateRate`); otherwise it
 * creates alone and the workflow calls transferIntoLine on the transfer lane. A retry creates and
 * transfers with the same ClientTokens, which Connect answers without doing either again.
 */
export function makeCreateIntoLine<Created extends CreateContactResult>(
  createContact: (input: CreateContactInput) => Promise<Created>,
  transferIntoLine: (input: TransferIntoLineInput) => Promise<TransferIntoLineResult>,
  transfersAtCreateRate: boolean,
) {
  return async function createIntoLine(
    input: CreateIntoLineInput,
  ): Promise<Created & Pick<CreateIntoLineResult, 'inLine'>> {
    const { transfer, batchWorkflowId, ...creating } = input;
    const created = await createContact(creating);
    if (!transfersAtCreateRate) return created;
    const { clientToken: _transferToken, ...inLine } = await transferIntoLine({
      ...transfer,
      instanceId: input.instanceId,
      errorPolicy: input.errorPolicy,
      contactId: created.contactId,
      contactCreatedAt: created.createdAt,
      ...(batchWorkflowId && {
        batchNews: {
          batchWorkflowId,
          news: { workflowId: transfer.task.taskId, news: 'created', contactId: created.contactId },
        },
      }),
    });
    return { ...created, inLine };
  };
}
