/**
 * The Connect call lanes' workers log the SDK's "no workflows" line at DEBUG, and every other line
 * (warnings included) as it came. The installed-package test checks the whole worker start.
 */
import assert from 'node:assert/strict';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { activityOnlyLogger, NO_WORKFLOWS_MESSAGE } from '../../src/worker/activity-only-worker';

describe('activityOnlyLogger (the Connect call lanes’ workers)', () => {
  function logged(use: (logger: ReturnType<typeof activityOnlyLogger>) => void): LogEntry[] {
    const entries: LogEntry[] = [];
    use(activityOnlyLogger(new DefaultLogger('TRACE', (entry) => entries.push(entry))));
    return entries;
  }

  it('tells the SDK’s "No workflows registered" warning at DEBUG, with its fields', () => {
    const entries = logged((logger) => {
      logger.warn(NO_WORKFLOWS_MESSAGE, { sdkComponent: 'worker', taskQueue: 'q-connect-create' });
      logger.log('WARN', NO_WORKFLOWS_MESSAGE, { taskQueue: 'q-connect-list' });
    });
    assert.deepEqual(
      entries.map(({ level, message, meta }) => ({ level, message, meta })),
      [
        {
          level: 'DEBUG',
          message: NO_WORKFLOWS_MESSAGE,
          meta: { sdkComponent: 'worker', taskQueue: 'q-connect-create' },
        },
        { level: 'DEBUG', message: NO_WORKFLOWS_MESSAGE, meta: { taskQueue: 'q-connect-list' } },
      ],
    );
  });

  it('passes every other line at its own level', () => {
    const entries = logged((logger) => {
      logger.warn('No activities registered, not polling for activity tasks');
      logger.error(NO_WORKFLOWS_MESSAGE);
      logger.info('Worker state changed', { state: 'RUNNING' });
      logger.debug('d');
      logger.trace('t');
      logger.log('WARN', 'Activity failed');
    });
    assert.deepEqual(
      entries.map(({ level, message }) => `${level} ${message}`),
      [
        'WARN No activities registered, not polling for activity tasks',
        `ERROR ${NO_WORKFLOWS_MESSAGE}`,
        'INFO Worker state changed',
        'DEBUG d',
        'TRACE t',
        'WARN Activity failed',
      ],
    );
  });
});
