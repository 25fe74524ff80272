/**
 * How the package's workflows are bundled. The Temporal SDK runs cached workflows in one reusable V8
 * context but evaluates the bundle's modules once per workflow run, except those its preload loaded,
 * which every run shares (the SDK deep-freezes them). The preload is `shared-schemas`, which loads zod
 * (about 3 MB and most of a run's start-up work when each run had its own) and builds the contract
 * schemas once, outside what is frozen (zod memoizes into a schema on its first parse, which a frozen
 * schema refuses).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { type BundleOptions, bundleWorkflowCode, type Logger, type WorkerOptions } from '@temporalio/worker';
import { encodedFailureConverterPath } from '../encryption/encrypted-data-converter';

/** The workflows module: `workflowsPath` for a worker or a bundle of your own. */
export const workflowsPath: string = require.resolve('../../workflows');

/** Modules the bundle loads once and shares across runs: see this module's comment. */
export const workflowPreloadModules: readonly string[] = [require.resolve('../shared/shared-schemas')];

/** The converters a workflow bundle is built with: a worker's data converter must match its bundle's. */
export type BundledConverters = Pick<DataConverter, 'payloadConverterPath' | 'failureConverterPath'>;

/**
 * Options for `bundleWorkflowCode` that bundle the package's workflows as createWorker does, with the
 * payload and failure converters of the data converter the worker will have.
 */
export function workflowBundleOptions(
  converters: BundledConverters = {},
): Pick<BundleOptions, 'workflowsPath' | 'preloadModules' | 'payloadConverterPath' | 'failureConverterPath'> {
  const { payloadConverterPath, failureConverterPath } = converters;
  return {
    workflowsPath,
    preloadModules: [...workflowPreloadModules],
    ...(payloadConverterPath !== undefined && { payloadConverterPath }),
    ...(failureConverterPath !== undefined && { failureConverterPath }),
  };
}

/**
 * The bundle `npm run build` writes next to the compiled package (`lib/workflow-bundle.js`). A
 * worker that loads it skips bundling at start: seconds of webpack and about 180 MiB of memory that
 * the process keeps. A source checkout has none and bundles at start.
 */
export const prebuiltWorkflowBundlePath: string = path.join(__dirname, '..', '..', 'workflow-bundle.js');

/** The same for encrypted deployments: failures encoded (see encryptedDataConverter). */
export const prebuiltEncodedFailuresBundlePath: string = path.join(
  __dirname,
  '..',
  '..',
  'workflow-bundle-encoded-failures.js',
);

/** The prebuilt bundle made with these converters: the default ones, or an encrypted deployment's. */
function prebuiltBundlePath(converters: BundledConverters): string | undefined {
  if (converters.payloadConverterPath !== undefined) return undefined;
  if (converters.failureConverterPath === undefined) return prebuiltWorkflowBundlePath;
  return converters.failureConverterPath === encodedFailureConverterPath
    ? prebuiltEncodedFailuresBundlePath
    : undefined;
}

/** The prebuilt bundle for these converters when there is one, else a bundle made now (logging through `logger`). */
export async function loadWorkflowBundle(
  logger: Logger,
  converters: BundledConverters = {},
): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const prebuilt = prebuiltBundlePath(converters);
  if (prebuilt !== undefined && fs.existsSync(prebuilt)) return { codePath: prebuilt };
  return bundleWorkflowCode({ ...workflowBundleOptions(converters), logger });
}

/** For `npm run build`: writes the prebuilt bundles of the compiled workflows. */
export async function writeWorkflowBundle(): Promise<void> {
  for (const converters of [{}, { failureConverterPath: encodedFailureConverterPath }]) {
    const { code } = await bundleWorkflowCode(workflowBundleOptions(converters));
    fs.writeFileSync(prebuiltBundlePath(converters)!, code);
  }
}
