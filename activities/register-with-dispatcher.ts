import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { WaitingTask, DispatcherSettings } from '../src/shared/dispatcher-contract';
import { ConnectInstanceId } from '../src/shared/search-attributes';
import type { ErrorPolicyOverrides } from '../src/shared/error-policy';
import { dispatcherWorkflowId, enqueueTaskSignal } from '../src/shared/dispatcher-contract';

export interface DispatcherActivityDeps {
  temporal: Client;
  /** The deployment's main task queue (see DispatcherInput); default: the task queue of the worker running this activity. */
  taskQueue?: string;
  /** Where dispatchers run; default: the task queue of the worker running this activity. */
  dispatcherTaskQueue?: string;
  /** Settings a dispatcher starts with (polling budget, reservation TTL, continue-as-new threshold...). */
  dispatcherSettings?: Partial<DispatcherSettings>;
  /** Error-policy overrides for the dispatcher's own Connect calls (a task's overrides are its own). */
  dispatcherErrorPolicy?: ErrorPolicyOverrides;
}

export interface RegisterWithDispatcherInput {
  instanceId: string;
  task: WaitingTask;
}

/**
 * Puts a task in its instance's line, starting the dispatcher if none runs (signal-with-start, so
 * there is never more than one per instance). Registering again is harmless: the task keeps its place.
 */
export function makeRegisterWithDispatcher(deps: DispatcherActivityDeps) {
  return async function registerWithDispatcher(
    input: RegisterWithDispatcherInput,
  ): Promise<{ dispatcherId: string }> {
    const workflowId = dispatcherWorkflowId(input.instanceId);
    await deps.temporal.workflow.signalWithStart('connectDispatcher', {
      workflowId,
      taskQueue: deps.dispatcherTaskQueue ?? Context.current().info.taskQueue,
      args: [
        {
          instanceId: input.instanceId,
          taskQueue: deps.taskQueue ?? Context.current().info.taskQueue,
          settings: deps.dispatcherSettings,
          errorPolicy: deps.dispatcherErrorPolicy,
        },
      ],
      signal: enqueueTaskSignal,
      signalArgs: [input.task],
      typedSearchAttributes: [{ key: ConnectInstanceId, value: input.instanceId }],
      staticSummary: `Dispatcher for Connect instance ${input.instanceId}`,
      staticDetails:
        'Polls GetCurrentUserData for the queues with waiting tasks or open offers, within a fixed budget, ' +
        'hands each free TASK slot to one waiting task at the offer rate, and tells each task how its agent ' +
        'answered the offer. Query `status` for the line, `explainTask` for one task.',
    });
    return { dispatcherId: workflowId };
  };
}
