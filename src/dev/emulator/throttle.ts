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

/**
 * 2/s for StartTaskContact and GetCurrentUserData are Connect's documented default quotas (DESIGN.md).
 * The others are not in our reference pages: 10/s (burst 20) for the per-contact calls is a stand-in
 * that a router can plan against, and 2/s (burst 5) for the List* calls follows Connect's usual rate
 * for configuration APIs. Override any of them in the config file.
 */
export const DEFAULT_THROTTLING: Record<OperationName, ThrottleRule> = {
  CreateContact: { ratePerSecond: 10, burst: 20 },
  AssociateContactWithUser: { ratePerSecond: 10, burst: 20 },
  StartTaskContact: { ratePerSecond: 2, burst: 5 },
  GetCurrentUserData: { ratePerSecond: 2, burst: 5 },
  DescribeContact: { ratePerSecond: 10, burst: 20 },
  StopContact: { ratePerSecond: 10, burst: 20 },
  ListQueues: { ratePerSecond: 2, burst: 5 },
  ListUsers: { ratePerSecond: 2, burst: 5 },
  ListRoutingProfiles: { ratePerSecond: 2, burst: 5 },
  ListRoutingProfileQueues: { ratePerSecond: 2, burst: 5 },
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
  constructor(overrides: Throttling, now: number = performance.now()) {
    for (const operation of OPERATIONS) {
      const rule = operation in overrides ? overrides[operation] : DEFAULT_THROTTLING[operation];
      if (rule) this.buckets.set(operation, new TokenBucket(rule, now));
    }
  }

  /** True when the call may proceed; false when it must be answered with ThrottlingException. */
  admit(operation: OperationName, now: number = performance.now()): boolean {
    return this.buckets.get(operation)?.tryTake(now) ?? true;
  }
}
