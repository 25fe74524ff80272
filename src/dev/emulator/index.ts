/**
 * The Connect emulator: a local Amazon Connect for the operations this package uses, which the
 * unmodified AWS SDK talks to. `startEmulator()` serves it on loopback and returns the handle that
 * tests and demos use to watch and steer it.
 */
import type { AddressInfo } from 'node:net';
import { EmulatorControls } from './admin';
import { EmulatorConfig, resolveEmulatorConfig } from './config';
import { AgentEventFeed } from './events';
import { FaultInjector, Faults, faultsSchema } from './faults';
import type { OfferBehaviour } from './offers';
import type { Proficiency } from './proficiencies';
import { Ledger, LedgerRecorder } from './ledger';
import { CallCentre, CallCentreSnapshot } from './model';
import { SeededRandom } from './random';
import { scheduleScenario } from './scenario';
import { createEmulatorServer } from './server';
import { type EmulatorCredentials, SignatureChecker } from './signatures';
import { DEFAULT_THROTTLING, Throttler } from './throttle';
import { Timers } from './timers';

export {
  DEFAULT_CALL_CENTRE,
  defaultAgentId,
  defaultContactFlowId,
  defaultQueueId,
  EVERYONE_OFFLINE,
} from './config';
export type { Switches } from './switches';
export type { EmulatorConfig, ResolvedEmulatorConfig } from './config';
export type { AgentEventContactState, AgentEventRecord, AgentEventType, AgentSnapshot } from './events';
export type { OfferBehaviour } from './offers';
export type { Proficiency } from './proficiencies';
export type { EmulatorCredentials } from './signatures';
export type { Faults, OperationFaults } from './faults';
export type { AssignmentOutcome, AssignmentRecord, Ledger } from './ledger';
export type {
  AgentContactState,
  AgentContactView,
  AgentView,
  CallCentreSnapshot,
  ContactRecord,
  ContactState,
} from './model';
export { OPERATIONS } from './protocol';
export type { OperationName } from './protocol';

export interface StartEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1 (loopback only). */
  host?: string;
  /** A config object, or the path of a JSON config file; omitted keys take the default call centre's values. */
  config?: EmulatorConfig | string;
  /** Seed for every random choice (ids, handle times, faults); overrides the config's `seed`. */
  seed?: number;
  /**
   * The access keys Connect requests must be signed with: their SigV4 signatures are verified as AWS
   * does. Default: none, and any well-formed SigV4 Authorization header passes unverified.
   */
  credentials?: readonly EmulatorCredentials[];
}

export interface RunningEmulator {
  /** Give this to the SDK as `endpoint` (or set `AWS_ENDPOINT_URL_CONNECT` to it). */
  endpoint: string;
  instanceId: string;
  /** The seed in use: pass it back to reproduce a run. */
  seed: number;
  ledger(): Ledger;
  snapshot(): CallCentreSnapshot;
  /** Changes an agent's status by name (`Available`, `Offline`, or a configured custom status). */
  setAgentStatus(userId: string, status: string): void;
  /** The agent finishes a connected contact now, as if its handle time had elapsed. */
  completeContact(contactId: string): void;
  /** The agent accepts an offered (CONNECTING) contact now. */
  acceptOffer(contactId: string): void;
  /** The agent rejects an offered contact now: it goes back to its queue. */
  rejectOffer(contactId: string): void;
  /** The agent ends its after-contact work on an ended contact now, freeing the slot. */
  clearAfterContactWork(contactId: string): void;
  /** Changes parts of how one agent answers offers from now on (throws on an invalid change). */
  setAgentOffers(userId: string, changes: Partial<OfferBehaviour>): void;
  /**
   * Replaces an agent's proficiencies, as UpdateUserProficiencies and its siblings would (throws on one
   * that names no predefined attribute or value); ListUserProficiencies reports them from now on.
   */
  setAgentProficiencies(userId: string, proficiencies: Proficiency[]): void;
  /** Replaces the whole fault plan (`{}` clears it). */
  setFaults(faults: Faults): void;
  stop(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const config = resolveEmulatorConfig(options.config);
  const seed = options.seed ?? config.seed ?? Date.now() % 2 ** 32;
  const random = (purpose: string) => SeededRandom.stream(seed, purpose);

  const ledger = new LedgerRecorder();
  const timers = new Timers();
  const faults = new FaultInjector(random('faults'));
  faults.set(config.faults);
  const centre: CallCentre = new CallCentre(config, {
    ledger,
    timers,
    ids: random('contact-ids'),
    handleTimes: random('handle-times'),
    offers: random('offers'),
    afterContactWork: random('after-contact-work'),
    onAgentChange: (previous, current) => events.publish(previous, current),
  });
  const events: AgentEventFeed = new AgentEventFeed({
    instance: { arn: centre.instanceArn, accountId: config.instance.accountId },
    eventIds: random('events'),
    inboundQueues: (profile) => centre.listedQueues(profile),
    agents: () => centre.agentViews(),
    heartbeatMs: config.heartbeatMs,
  });

  const controls: EmulatorControls = {
    ledger: () => ledger.snapshot(),
    snapshot: () => centre.snapshot(),
    setAgentStatus: (userId, status) => centre.setAgentStatus(userId, status),
    completeContact: (contactId) => centre.completeContact(contactId),
    acceptOffer: (contactId) => centre.acceptOffer(contactId),
    rejectOffer: (contactId) => centre.rejectOffer(contactId),
    clearAfterContactWork: (contactId) => centre.clearAfterContactWork(contactId),
    setAgentOffers: (userId, changes) => centre.setAgentOffers(userId, changes),
    setAgentProficiencies: (userId, proficiencies) => centre.setAgentProficiencies(userId, proficiencies),
    faults: () => faults.current(),
    setFaults: (plan) => faults.set(faultsSchema.parse(plan)),
    subscribeToEvents: (response) => events.subscribe(response),
  };
  const server = createEmulatorServer({
    centre,
    ledger,
    throttler: new Throttler(DEFAULT_THROTTLING, config.throttling),
    faults,
    requestIds: random('request-ids'),
    controls,
    signatures: new SignatureChecker(options.credentials),
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  scheduleScenario(config.scenario, timers, controls.setAgentStatus);

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${port}`,
    instanceId: centre.instanceId,
    seed,
    ledger: controls.ledger,
    snapshot: controls.snapshot,
    setAgentStatus: controls.setAgentStatus,
    completeContact: controls.completeContact,
    acceptOffer: controls.acceptOffer,
    rejectOffer: controls.rejectOffer,
    clearAfterContactWork: controls.clearAfterContactWork,
    setAgentOffers: controls.setAgentOffers,
    setAgentProficiencies: controls.setAgentProficiencies,
    setFaults: controls.setFaults,
    async stop() {
      timers.cancelAll();
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
