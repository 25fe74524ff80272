/**
 * Polls `predicate` until it holds, bounded by `timeoutMs`; a predicate that throws counts as not yet
 * (a query can fail while a workflow is between runs).
 */
export async function eventually(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(predicate)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
