/**
 * Scripted agent behaviour: agents going Available, Offline or into a custom status at given
 * offsets from the emulator's start, so a demo or test can watch a router react to them.
 */
import { z } from 'zod';
import { Timers } from './timers';

export const scenarioStepSchema = z
  .object({
    /** Milliseconds after the emulator starts. */
    atMs: z.number().int().nonnegative(),
    userId: z.string().min(1),
    /** An agent status name from the config (`Available`, `Offline`, or a custom one). */
    status: z.string().min(1),
  })
  .strict();
export const scenarioSchema = z.array(scenarioStepSchema);
export type ScenarioStep = z.infer<typeof scenarioStepSchema>;

export function scheduleScenario(
  steps: readonly ScenarioStep[],
  timers: Timers,
  setAgentStatus: (userId: string, status: string) => void,
): void {
  for (const step of steps) timers.after(step.atMs, () => setAgentStatus(step.userId, step.status));
}
