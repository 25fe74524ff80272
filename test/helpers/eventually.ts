import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value (not undefined), bounded by `timeoutMs`. `what` may be a
 * function, to describe the last state seen in the timeout message.
 */
export async function waitUntil<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await sleep(intervalMs);
  }
}

/**
 * Polls `predicate` until it holds; a predicate that throws counts as not yet (a query can fail while a
 * workflow is between runs).
 */
export async function eventually(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  options?: WaitOptions,
): Promise<void> {
  await waitUntil(
    what,
    async () =>
      (await Promise.resolve()
        .then(predicate)
        .catch(() => false))
        ? true
        : undefined,
    options,
  );
}
