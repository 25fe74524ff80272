import v8 from 'node:v8';

/**
 * Cached workflow runs live in the SDK's workflow threads, whose V8 heaps collect lazily below their
 * limit (by default derived from the machine's memory: about 4 GiB here), so their memory grows with
 * the line while far less is in use. A limit keeps them near what they use, but it must stay above
 * what the cache needs (about 1.5 MB per cached routeTask run): 384 MiB held 100 cached runs, not
 * 250. A worker in a small container sets both: `workflowThreadHeapMb` and `maxCachedWorkflows`.
 *
 * Sets the V8 heap limit of threads started from now on (the SDK starts its workflow threads when the
 * workers are created), unless the process has a limit of its own (which threads inherit).
 */
export function limitWorkflowThreadHeaps(mb: number | false): void {
  if (mb === false) return;
  if (!Number.isInteger(mb) || mb < 128) {
    throw new RangeError(
      `workflowThreadHeapMb must be an integer of at least 128 (MiB), or false; got ${mb}`,
    );
  }
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) =>
    arg.includes('--max-old-space-size'),
  );
  if (!given) v8.setFlagsFromString(`--max-old-space-size=${mb}`);
}
