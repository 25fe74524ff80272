import { DEFAULT_CALL_CENTRE, type EmulatorConfig } from '../../../src/emulator';

/** Every agent Offline and no handle time: tasks wait until a test makes someone free. */
export const EVERYONE_OFFLINE: EmulatorConfig = {
  handleTimeMs: null,
  agents: DEFAULT_CALL_CENTRE.agents.map((agent) => ({ ...agent, status: 'Offline' })),
};
