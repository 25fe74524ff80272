import v8 from 'node:v8';

/**
 * Cached workflow runs live in the SDK's workflow threads, whose V8 heaps collect lazily below their
 * limit (by default derived from the machine's memory: about 4 GiB here), so their memory grew with
 * the line to several GiB while far less was in use. This limit keeps them near what they use. It
 * must stay above what the cache needs: 250 cached routeTask runs did not fit in it (the thread ran
 * out of memory), 100 do. Raise both together.
 */
export const DEFAULT_WORKFLOW_THREAD_HEAP_MB = 384;

/**
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
