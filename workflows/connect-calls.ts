/**
 * Activity stubs for the routing workflows: each Connect call is scheduled on its rate lane's task
 * queue (see CONNECT_CALL_LANES), so the Temporal server keeps the deployment's calls per operation
 * within the account's Connect quota; the rest run on the main task queue.
 */
import { type ActivityInterfaceFor, type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { RoutingActivities } from '../activities';
import {
  CONNECT_CALL_LANE_NAMES,
  type ConnectCallLane,
  connectCallLaneOf,
  connectCallTaskQueue,
} from '../src/shared/task-queues';

type Stubs = ActivityInterfaceFor<RoutingActivities>;

/** `mainTaskQueue`: the deployment's main task queue, whose lanes are `<mainTaskQueue>-connect-<lane>`. */
export function proxyRoutingActivities(mainTaskQueue: string, options: ActivityOptions): Stubs {
  const onMainQueue = proxyActivities<RoutingActivities>(options);
  const lanes = new Map<ConnectCallLane, Stubs>(
    CONNECT_CALL_LANE_NAMES.map((lane) => [
      lane,
      proxyActivities<RoutingActivities>({
        ...options,
        taskQueue: connectCallTaskQueue(mainTaskQueue, lane),
      }),
    ]),
  );
  return new Proxy(onMainQueue, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      const lane = connectCallLaneOf(name);
      return (lane === undefined ? target : lanes.get(lane)!)[name as keyof Stubs];
    },
  });
}
