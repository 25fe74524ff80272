import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';

export interface IdempotencyInput {
  /** Replaces workflow id + step as the identity of the creation (e.g. a batch item key). */
  idempotencyKey?: string;
  /** A stable name of the creating step within the workflow; defaults to the activity type. */
  step?: string;
}

const CLIENT_TOKEN_PREFIX = 'ctr-';

/**
 * The ClientToken for a creating call: `ctr-` + SHA-256 hex (68 characters; Connect allows 500) of
 * the workflow id and the step, or of the explicit idempotency key. Never random, so every attempt,
 * a replay after a worker crash and a fresh worker send the same token, and Connect answers with the
 * contact it already created. An activity started outside a workflow uses its activity id, which is
 * likewise stable across its attempts.
 */
export function deriveClientToken(input: IdempotencyInput): string {
  const info = Context.current().info;
  const step = input.step ?? info.activityType;
  const identity =
    input.idempotencyKey !== undefined
      ? ['key', input.idempotencyKey]
      : info.workflowExecution
        ? ['workflow', info.workflowExecution.workflowId, step]
        : ['activity', info.activityId, step];
  return CLIENT_TOKEN_PREFIX + createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
