import { z } from 'zod';
import { SeededRandom } from './random';

/** A duration in milliseconds: fixed (`250`) or drawn uniformly from a range (`{ "min": 100, "max": 400 }`). */
export const durationMsSchema = z.union([
  z.number().int().nonnegative(),
  z
    .object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() })
    .strict()
    .refine((range) => range.min <= range.max, { message: 'min must not exceed max' }),
]);
export type DurationMs = z.infer<typeof durationMsSchema>;

export function drawDurationMs(duration: DurationMs, random: SeededRandom): number {
  return typeof duration === 'number' ? duration : random.integerBetween(duration.min, duration.max);
}
