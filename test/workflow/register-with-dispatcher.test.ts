import { Worker } from '@temporalio/worker';
import { createDispatcherActivities } from '../../activities';
import { dispatcherWorkflowId } from '../../src/shared/dispatcher-contract';
import { eventually } from '../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../helpers/temporal';
import { waitingTask } from '../helpers/waiting-task';
import { joinLine } from './fixtures/join-line';

describe('registerWithDispatcher on a worker that shuts down', () => {
  it('stops waiting for the dispatcher, so that the shutdown ends', async () => {
    const env = await sharedTestEnv();
    const taskQueue = uniqueTaskQueue('join-line');
    // No worker runs the dispatcher, as none does once the one that ran it (this one, in a deployment
    // of one worker) shuts down: the join's update is never answered.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/join-line'),
      activities: createDispatcherActivities({
        temporal: env.client,
        dispatcherTaskQueue: uniqueTaskQueue('no-dispatcher-worker'),
      }),
    });
    const running = worker.run();
    const instanceId = `${taskQueue}-instance`;
    const joining = await env.client.workflow.start(joinLine, {
      workflowId: `${taskQueue}-task`,
      taskQueue,
      args: [{ instanceId, task: waitingTask(`${taskQueue}-task`, Date.now()) }],
    });
    const dispatcher = env.client.workflow.getHandle(dispatcherWorkflowId(instanceId));
    try {
      // The update-with-start has started the dispatcher: the activity waits for its answer.
      await eventually('the join to wait for the dispatcher', async () => {
        await dispatcher.describe();
        return worker.getStatus().numInFlightActivities === 1;
      });
      worker.shutdown();
      await running;
    } finally {
      await dispatcher.terminate('test over').catch(() => undefined);
      await joining.terminate('test over').catch(() => undefined);
    }
  });
});
