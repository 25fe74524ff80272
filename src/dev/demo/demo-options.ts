/** The demo's options and their ranges: read by the CLI's option parsers and by the demo itself. */
export const DEMO_LIMITS = {
  tasks: { min: 1, max: 500, default: 24 },
  timeoutSeconds: { min: 10, max: 3600, default: 300 },
};

export interface DemoCommandOptions {
  tasks: number;
  seed: number;
  temporalPort: number;
  uiPort: number;
  timeout: number;
  keepRunning?: boolean;
}
