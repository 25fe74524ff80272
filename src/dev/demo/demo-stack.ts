/**
 * Everything the demo runs next to a Temporal server: the Connect emulator, a worker whose
 * activities call it, and the push path from the emulator's agent events to the dispatcher.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createConnectClient } from '../../worker/connect-client';
import { DEFAULT_CALL_CENTRE, type RunningEmulator, startEmulator } from '../emulator';
import { AgentEventForwarder } from '../../push/agent-event-forwarder';
import { type EmulatorEventFollower, followEmulatorEvents } from '../../push/follow-emulator-events';
import { createWorker } from '../../worker/create-worker';
import { LOCAL_DISPATCHER_SETTINGS, dispatcherWorkflowId } from '../../shared/dispatcher-contract';
import { demoCallCentre } from './call-centre';

export interface DemoStack {
  emulator: RunningEmulator;
  follower: EmulatorEventFollower;
  /** Settles when the worker stops: early, that means it failed. */
  workerRun: Promise<void>;
  /** Stops everything, latest started first, and terminates the instance's dispatcher. */
  stop(): Promise<void>;
}

/** Runs every step even when one fails, so that one stuck piece never leaves the others running. */
async function runEach(steps: (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw new AggregateError(errors, 'The demo did not stop cleanly');
}

export async function startDemoStack(options: {
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  instanceId: string;
  seed: number;
}): Promise<DemoStack> {
  const { client, instanceId } = options;
  const stopSteps: (() => Promise<unknown>)[] = [];
  const stop = () => runEach(stopSteps);
  try {
    const emulator = await startEmulator({ config: demoCallCentre(instanceId), seed: options.seed });
    stopSteps.unshift(() => emulator.stop());
    // The dispatcher outlives its tasks by design, and nothing would run it once the worker is gone.
    // Terminated after the worker stops, so that no workflow task of it is in flight.
    stopSteps.unshift(() =>
      client.workflow
        .getHandle(dispatcherWorkflowId(instanceId))
        .terminate('demo finished')
        .catch((error: unknown) => {
          // It may have ended already (idle) or never started (no task reached the line).
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }),
    );

    const worker = await createWorker({
      connection: options.connection,
      temporal: client,
      namespace: client.options.namespace,
      taskQueue: options.taskQueue,
      connect: createConnectClient({
        endpoint: emulator.endpoint,
        region: DEFAULT_CALL_CENTRE.instance.region,
        credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
      }),
      dispatcherSettings: LOCAL_DISPATCHER_SETTINGS,
    });
    const workerRun = worker.run();
    stopSteps.unshift(async () => {
      worker.shutdown();
      await workerRun;
    });

    const follower = followEmulatorEvents({
      endpoint: emulator.endpoint,
      forwarder: new AgentEventForwarder(client),
      onError: () => undefined, // a dropped feed only delays matching until the next poll
    });
    stopSteps.unshift(() => follower.stop());
    await follower.connected;
    return { emulator, follower, workerRun, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
