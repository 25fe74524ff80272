/**
 * Token-bucket throttling per operation, as Connect applies its API rate quotas: a bucket holds up
 * to `burst` tokens, refills at `ratePerSecond`, and each call takes one token or is throttled.
 */
import { z } from 'zod';
import { OPERATIONS, OperationName } from './protocol';

export const throttleRuleSchema = z
  .object({ ratePerSecond: z.number().positive(), burst: z.number().int().positive() })
  .strict();
export type ThrottleRule = z.infer<typeof throttleRuleSchema>;

/** `null` turns throttling off for an operation. */
export const throttlingSchema = z.partialRecord(z.enum(OPERATIONS), throttleRuleSchema.nullable());
export type Throttling = z.infer<typeof throttlingSchema>;

const CONNECT_QUOTA = { ratePerSecond: 2, burst: 5 };
const CONNECT_CONTACT_QUOTA = { ratePerSecond: 10, burst: 15 };

/**
 * Connect's default API rate quotas per account and Region (Administrator Guide, "Amazon Connect
 * service quotas"): 2/s burst 5, except DescribeContact and StopContact at 10/s burst 15.
 * TransferContact is not in that table; it gets the 2/s burst 5 of the other contact-changing calls.
 * The proficiency and predefined-attribute reads get the 2/s burst 5 of every List* call.
 */
export const DEFAULT_THROTTLING: Record<OperationName, ThrottleRule> = {
  CreateContact: CONNECT_QUOTA,
  AssociateContactWithUser: CONNECT_QUOTA,
  StartTaskContact: CONNECT_QUOTA,
  GetCurrentUserData: CONNECT_QUOTA,
  DescribeContact: CONNECT_CONTACT_QUOTA,
  StopContact: CONNECT_CONTACT_QUOTA,
  ListQueues: CONNECT_QUOTA,
  ListUsers: CONNECT_QUOTA,
  ListRoutingProfiles: CONNECT_QUOTA,
  ListRoutingProfileQueues: CONNECT_QUOTA,
  ListRoutingProfileManualAssignmentQueues: CONNECT_QUOTA,
  TransferContact: CONNECT_QUOTA,
  ListUserProficiencies: CONNECT_QUOTA,
  ListPredefinedAttributes: CONNECT_QUOTA,
  DescribePredefinedAttribute: CONNECT_QUOTA,
};

class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly rule: ThrottleRule,
    now: number,
  ) {
    this.tokens = rule.burst;
    this.refilledAt = now;
  }

  tryTake(now: number): boolean {
    const elapsedSeconds = Math.max(0, now - this.refilledAt) / 1000;
    this.tokens = Math.min(this.rule.burst, this.tokens + elapsedSeconds * this.rule.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Throttler {
  private readonly buckets = new Map<OperationName, TokenBucket>();

  /** `overrides` replace the defaults operation by operation. */
  constructor(
    defaults: Record<OperationName, ThrottleRule>,
    overrides: Throttling,
    now: number = performance.now(),
  ) {
    for (const operation of OPERATIONS) {
      const rule = operation in overrides ? overrides[operation] : defaults[operation];
      if (rule) this.buckets.set(operation, new TokenBucket(rule, now));
    }
  }

  /** True when the call may proceed; false when it must be answered with ThrottlingException. */
  admit(operation: OperationName, now: number = performance.now()): boolean {
    return this.buckets.get(operation)?.tryTake(now) ?? true;
  }
}
