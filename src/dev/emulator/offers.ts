/**
 * How an agent answers a contact offered to it. Connect shows an offered contact as CONNECTING until
 * the agent accepts it (CONNECTED), rejects it (REJECTED) or lets it time out (MISSED); the emulator
 * draws each agent's answer and delay from the seed, so a run repeats.
 */
import { z } from 'zod';
import { drawDurationMs, durationMsSchema } from './duration';
import { SeededRandom } from './random';

const probability = z.number().min(0).max(1);

export const offerBehaviourSchema = z
  .object({
    /** Accepted the moment it is offered, as with Connect's per-channel auto-accept. */
    autoAccept: z.boolean(),
    /** How long the agent takes to accept or reject an offer. */
    acceptDelayMs: durationMsSchema,
    missProbability: probability,
    rejectProbability: probability,
    /** An offer not answered by then is MISSED (Connect documents no accept timeout for tasks). */
    timeoutMs: z.int().nonnegative(),
  })
  .strict();
export type OfferBehaviour = z.infer<typeof offerBehaviourSchema>;
export const partialOfferBehaviourSchema = offerBehaviourSchema.partial();

/** Why a behaviour cannot be drawn from, or undefined when it can. */
export function offerBehaviourProblem(behaviour: OfferBehaviour): string | undefined {
  return behaviour.missProbability + behaviour.rejectProbability > 1
    ? 'missProbability and rejectProbability must add up to at most 1'
    : undefined;
}

/** `base` with `changes` over it, refused (as a ZodError) when the result cannot be drawn from. */
export function changeOfferBehaviour(base: OfferBehaviour, changes: unknown): OfferBehaviour {
  const merged = { ...base, ...partialOfferBehaviourSchema.parse(changes) };
  const problem = offerBehaviourProblem(merged);
  if (problem) throw new z.ZodError([{ code: 'custom', message: problem, path: [], input: merged }]);
  return merged;
}

export interface OfferOutcome {
  answer: 'accept' | 'miss' | 'reject';
  afterMs: number;
}

/** One roll and one delay per offer, whatever the answer, so each offer moves the stream by the same draws. */
export function drawOfferOutcome(behaviour: OfferBehaviour, random: SeededRandom): OfferOutcome {
  const roll = random.next();
  const delayMs = drawDurationMs(behaviour.acceptDelayMs, random);
  // An agent slower than the timeout has missed the offer.
  if (roll < behaviour.missProbability || delayMs >= behaviour.timeoutMs) {
    return { answer: 'miss', afterMs: behaviour.timeoutMs };
  }
  if (roll < behaviour.missProbability + behaviour.rejectProbability)
    return { answer: 'reject', afterMs: delayMs };
  return { answer: 'accept', afterMs: delayMs };
}
