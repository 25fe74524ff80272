/**
 * How the package's workflows are bundled. The Temporal SDK runs cached workflows in one reusable V8
 * context but evaluates the bundle's modules once per workflow run, and zod's own modules came to
 * about 3 MB per cached run. zod holds no per-run state, so the bundle loads it once, before any run,
 * and every run shares it (the SDK deep-freezes shared modules). The contract modules' schemas cannot
 * be shared that way: zod memoizes into a schema on its first parse, which a frozen schema refuses.
 */
import type { BundleOptions } from '@temporalio/worker';

/** The workflows module: `workflowsPath` for a worker or a bundle of your own. */
export const workflowsPath: string = require.resolve('../../workflows');

/** Modules the bundle loads once and shares across runs: see this module's comment. */
export const workflowPreloadModules: readonly string[] = ['zod'];

/** Options for `bundleWorkflowCode` that bundle the package's workflows as createWorker does. */
export function workflowBundleOptions(): Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> {
  return { workflowsPath, preloadModules: [...workflowPreloadModules] };
}
