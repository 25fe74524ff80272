/**
 * Fault injection per operation: errors answered instead of doing the work, added latency, dropped
 * connections, and commit-then-fail — the change is applied, then the caller sees a 500 or a dropped
 * connection, which is exactly the ambiguity that idempotency has to absorb.
 */
import { z } from 'zod';
import { drawDurationMs, durationMsSchema } from './duration';
import { ConnectErrorName, OPERATIONS, OperationName } from './protocol';
import { SeededRandom } from './random';

export const INJECTABLE_ERRORS = [
  'InternalServiceException',
  'ServiceUnavailableException',
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'AccessDeniedException',
  'ResourceNotFoundException',
] as const satisfies readonly ConnectErrorName[];
export type InjectableError = (typeof INJECTABLE_ERRORS)[number];

const probability = z.number().min(0).max(1);

const operationFaultsShape = z
  .object({
    /** Probability of answering each error without applying the request. */
    errorRates: z.partialRecord(z.enum(INJECTABLE_ERRORS), probability).optional(),
    /** Probability of dropping the connection without applying the request. */
    dropRate: probability.optional(),
    /** Added before the request is handled. */
    latencyMs: durationMsSchema.optional(),
    /** Probabilities of applying the request and then answering 500 (`errorRate`) or dropping the connection. */
    commitThenFail: z
      .object({ errorRate: probability.optional(), dropRate: probability.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type OperationFaults = z.infer<typeof operationFaultsShape>;

export const operationFaultsSchema = operationFaultsShape.refine((faults) => totalProbability(faults) <= 1, {
  message: 'fault probabilities must add up to at most 1',
});

export const faultsSchema = z.partialRecord(z.enum(OPERATIONS), operationFaultsSchema);
export type Faults = z.infer<typeof faultsSchema>;

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'error'; error: InjectableError }
  | { kind: 'drop' }
  | { kind: 'commit-then-error' }
  | { kind: 'commit-then-drop' };

export interface FaultDecision {
  delayMs: number;
  action: FaultAction;
}

/** Every action an operation's faults can pick, with its probability: the one list both the check and the roll read. */
function outcomes(faults: OperationFaults): [number, FaultAction][] {
  return [
    ...INJECTABLE_ERRORS.map((error): [number, FaultAction] => [
      faults.errorRates?.[error] ?? 0,
      { kind: 'error', error },
    ]),
    [faults.dropRate ?? 0, { kind: 'drop' }],
    [faults.commitThenFail?.errorRate ?? 0, { kind: 'commit-then-error' }],
    [faults.commitThenFail?.dropRate ?? 0, { kind: 'commit-then-drop' }],
  ];
}

function totalProbability(faults: OperationFaults): number {
  return outcomes(faults).reduce((sum, [probability]) => sum + probability, 0);
}

export class FaultInjector {
  private faults: Faults = {};

  constructor(private readonly random: SeededRandom) {}

  set(faults: Faults): void {
    this.faults = faults;
  }

  current(): Faults {
    return this.faults;
  }

  /** One roll per request picks at most one action; with no faults configured nothing is drawn. */
  decide(operation: OperationName): FaultDecision {
    const faults = this.faults[operation];
    if (!faults) return { delayMs: 0, action: { kind: 'none' } };
    const delayMs = faults.latencyMs === undefined ? 0 : drawDurationMs(faults.latencyMs, this.random);
    let roll = this.random.next();
    for (const [probability, action] of outcomes(faults)) {
      if (roll < probability) return { delayMs, action };
      roll -= probability;
    }
    return { delayMs, action: { kind: 'none' } };
  }
}
