/** The workflows the worker registers; other services start them by these type names. */
export { connectDispatcher } from './dispatcher';
export { connectLineSegment } from './line-segment';
export { routeTask } from './route-task';
export { bulkCreateTasks } from './bulk-create-tasks';
