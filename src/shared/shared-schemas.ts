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
const built = new Map<string, unknown>();

/** A function that builds a module's schema the first time it is asked for, in any run, and returns that one ever after. */
export function sharedSchemasOf(moduleName: string): <T>(name: string, build: () => T) => T {
  return <T>(name: string, build: () => T): T => {
    const key = `${moduleName}.${name}`;
    if (!built.has(key)) built.set(key, build());
    return built.get(key) as T;
  };
}
