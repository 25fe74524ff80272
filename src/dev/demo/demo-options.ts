/** The demo's options and their ranges: read by the CLI's option parsers and by the demo itself. */
export const DEMO_LIMITS = {
  tasks: { min: 1, max: 500, default: 24 },
  timeoutSeconds: { min: 10, max: 3600, default: 300 },
  scheduledBatchItems: { min: 0, max: 100, default: 4 },
};

export interface DemoCommandOptions {
  tasks: number;
  seed: number;
  temporalPort: number;
  uiPort: number;
  timeout: number;
  /** Items of the scheduled bulk batch; 0: no schedule. */
  scheduledBatch: number;
  /** End after the summary; otherwise the Web UI, the worker and the emulator stay up until Ctrl-C. */
  exit?: boolean;
}
