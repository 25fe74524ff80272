/**
 * How the package's workflows are bundled. The Temporal SDK runs cached workflows in one reusable V8
 * context but evaluates the bundle's modules once per workflow run, and zod's own modules came to
 * about 3 MB per cached run. zod holds no per-run state, so the bundle loads it once, before any run,
 * and every run shares it (the SDK deep-freezes shared modules). The contract modules' schemas cannot
 * be shared that way (zod memoizes into a schema on its first parse, which a frozen schema refuses):
 * they are built through `shared-schemas`, also preloaded, which keeps them out of what is frozen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type BundleOptions, bundleWorkflowCode, type Logger, type WorkerOptions } from '@temporalio/worker';

/** The workflows module: `workflowsPath` for a worker or a bundle of your own. */
export const workflowsPath: string = require.resolve('../../workflows');

/** Modules the bundle loads once and shares across runs: see this module's comment. */
export const workflowPreloadModules: readonly string[] = ['zod', require.resolve('../shared/shared-schemas')];

/** Options for `bundleWorkflowCode` that bundle the package's workflows as createWorker does. */
export function workflowBundleOptions(): Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> {
  return { workflowsPath, preloadModules: [...workflowPreloadModules] };
}

/**
 * The bundle `npm run build` writes next to the compiled package (`lib/workflow-bundle.js`). A
 * worker that loads it skips bundling at start: seconds of webpack and about 180 MiB of memory that
 * the process keeps. A source checkout has none and bundles at start.
 */
export const prebuiltWorkflowBundlePath: string = path.join(__dirname, '..', '..', 'workflow-bundle.js');

/** The prebuilt bundle when there is one, else a bundle made now (logging through `logger`). */
export async function loadWorkflowBundle(
  logger: Logger,
): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  if (fs.existsSync(prebuiltWorkflowBundlePath)) return { codePath: prebuiltWorkflowBundlePath };
  return bundleWorkflowCode({ ...workflowBundleOptions(), logger });
}

/** For `npm run build`: writes the prebuilt bundle of the compiled workflows. */
export async function writeWorkflowBundle(): Promise<void> {
  const { code } = await bundleWorkflowCode(workflowBundleOptions());
  fs.writeFileSync(prebuiltWorkflowBundlePath, code);
}
