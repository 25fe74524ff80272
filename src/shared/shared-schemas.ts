/**
 * Zod schemas built once per process and shared by every workflow run.
 *
 * The Temporal SDK evaluates the workflow bundle's modules once per run, so every cached run held its
 * own copy of each contract schema: about 1.3 MB a run, most of what a waiting task costs the worker.
 * The bundle preloads this module (see workflow-bundle.ts): one instance serves every run. Its cache
 * stays out of its exports, which the SDK deep-freezes in shared modules, so zod may still memoize
 * into a schema on its first parse. Schemas hold no state of a run, so sharing them cannot make one
 * run's decisions depend on another's.
 */
import { z } from 'zod';

const built = new Map<string, unknown>();

/**
 * zod itself, exported whole so that the preload loads every zod module a workflow uses and every run
 * shares one zod (about 3 MB and most of a run's start-up work otherwise). Preloading 'zod' by name
 * does nothing: zod declares itself free of side effects, so the bundler drops an import whose result
 * nobody uses; using only some of zod here would preload only those modules.
 */
export const sharedZod: typeof z = z;

// zod settles its global configuration (default locale, memoizer) when it builds its first schemas:
// build some now, while this module is preloaded, before the SDK freezes what the preload loaded.
z.object({ settled: z.array(z.string()) }).safeParse({ settled: [] });

/** A function that builds a module's schema the first time it is asked for, in any run, and returns that one ever after. */
export function sharedSchemasOf(moduleName: string): <T>(name: string, build: () => T) => T {
  return <T>(name: string, build: () => T): T => {
    const key = `${moduleName}.${name}`;
    if (!built.has(key)) built.set(key, build());
    return built.get(key) as T;
  };
}
