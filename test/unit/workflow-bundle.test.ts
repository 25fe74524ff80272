/**
 * The workflow bundle shares zod across runs: the SDK evaluates the bundle's modules once per workflow
 * run except those its preload loaded, so a zod module that a workflow loads outside the preload costs
 * every run its own copy of zod (about 3 MB of memory and most of a run's start-up work). The bundle is
 * evaluated here the way the SDK's reusable context does it: one webpack module cache, the preload
 * first, then the workflows.
 */
import { strict as assert } from 'node:assert';
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../../src/worker/workflow-bundle';

const isZod = (moduleId: string) => moduleId.includes('/node_modules/zod/');

describe('workflow bundle', function () {
  this.timeout(120_000);

  it('loads zod in its preload, so that no workflow run evaluates a zod module of its own', async () => {
    const { code } = await bundleWorkflowCode(workflowBundleOptions());
    const moduleCache: Record<string, unknown> = {};
    const context = vm.createContext({ __webpack_module_cache__: moduleCache });
    new vm.Script(code).runInContext(context);

    vm.runInContext('__TEMPORAL__.preloadModules()', context);
    const preloaded = new Set(Object.keys(moduleCache));
    vm.runInContext('__TEMPORAL__.importWorkflows()', context);
    const perRun = Object.keys(moduleCache).filter((moduleId) => !preloaded.has(moduleId));

    assert.ok([...preloaded].filter(isZod).length > 10, `zod is not preloaded: ${[...preloaded].join(', ')}`);
    assert.ok(perRun.length > 0, 'the workflows module itself should load per run');
    assert.deepEqual(perRun.filter(isZod), [], 'zod modules a run would evaluate again');
  });
});
