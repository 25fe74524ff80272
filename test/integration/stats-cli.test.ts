/**
 * `connect-task-router stats` as a user runs it, on the shared dev server (TEMPORAL_ADDRESS), with a
 * worker and a Connect emulator whose agents are all offline, so that tasks visibly wait: `--json` in
 * this process through buildProgram(), the live table as the bin script in a child process stopped
 * with Ctrl-C (SIGINT), and mistakes in one line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EVERYONE_OFFLINE } from '../../src/dev/emulator';
import { type QueueStatistics, queueStatisticsSchema } from '../../src/shared/dispatcher-contract';
import {
  assertOneLineMistake,
  BIN,
  type CliRun,
  runCli,
  succeeded,
  useTemporalAddress,
} from '../helpers/cli';
import { eventually, waitUntil } from '../helpers/eventually';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing/routing-stack';

describe('the stats command (on the shared dev server, with a worker and the Connect emulator)', () => {
  let stack: RoutingStack;
  let restoreEnvironment = (): void => undefined;
  const cli = (...args: string[]): Promise<CliRun> => runCli(args);

  before(async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    restoreEnvironment = useTemporalAddress(stack.temporalAddress);
    await stack.startTask('stats-billing', {
      queueId: BILLING_QUEUE,
      priority: 2,
      contact: { name: 'Billing' },
    });
    await stack.startTask('stats-support', {
      queueId: SUPPORT_QUEUE,
      priority: 1,
      contact: { name: 'Support' },
    });
    await eventually('both tasks in line', async () => (await stack.dispatcherStatus()).waitingCount === 2, {
      timeoutMs: 30_000,
    });
  });
  after(async () => {
    restoreEnvironment();
    await stack?.stop();
  });

  it('--json prints the queueStatistics answer once', async () => {
    const statistics = await waitUntil(
      'the agents of a poll',
      async () => {
        const answer = queueStatisticsSchema.parse(
          JSON.parse(succeeded(await cli('stats', '--instance-id', stack.instanceId, '--json'))),
        ) as QueueStatistics;
        const waiting = answer.queues.flatMap((queue) => queue.priorities.map((figures) => figures.waiting));
        return answer.agentsObservedAt !== undefined && waiting.join() === '1,1' ? answer : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    assert.equal(statistics.instanceId, stack.instanceId);
    assert.deepEqual(
      statistics.queues.map(({ queueId, agents, priorities }) => [queueId, agents, priorities[0]?.priority]),
      [
        // Everyone is offline: nobody is available, offered or busy.
        [BILLING_QUEUE, { available: 0, offered: 0, busy: 0 }, 2],
        [SUPPORT_QUEUE, { available: 0, offered: 0, busy: 0 }, 1],
      ],
    );
  });

  it('refreshes a table until Ctrl-C, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'stats', '--instance-id', stack.instanceId, '--interval', '1'],
      {
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil(
        () => `two tables; stdout: ${stdout} stderr: ${stderr}`,
        () => (stdout.split(`Instance ${stack.instanceId} at `).length > 2 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, `stderr: ${stderr}`);
    // Without a terminal, one table after another.
    const [, table] = stdout.split('\n\n');
    const lines = table!.split('\n');
    assert.match(
      lines[0]!,
      /^QUEUE +PRIORITY +WAITING +OLDEST +P50 +P90 +ASSIGNED +SL% +AVAILABLE +OFFERED +BUSY$/,
    );
    assert.match(lines[1]!, new RegExp(`^${BILLING_QUEUE} +2 +1 +\\d+\\.\\ds +- +- +0 +- +0 +0 +0$`));
    assert.match(lines[2]!, new RegExp(`^${SUPPORT_QUEUE} +1 +1 +\\d+\\.\\ds +- +- +0 +- +0 +0 +0$`));
    assert.match(
      stdout,
      /^Instance .* at \S+Z: P50, P90, ASSIGNED and SL% \(waited at most 1m00s\) over the last 15m00s; agents as of \S+Z\n/,
    );
  });

  it('says what is wrong with a mistaken command in one line on stderr and exits 1', async () => {
    const mistakes: [string[], RegExp][] = [
      [['stats'], /^error: required option '--instance-id <id>' not specified$/],
      [
        ['stats', '--instance-id', stack.instanceId, '--interval', '0'],
        /^error: option '--interval <seconds>' argument '0' is invalid\. --interval must be at least 1 second\.$/,
      ],
      [
        ['stats', '--instance-id', 'no-such-instance', '--json'],
        /^error: no dispatcher for instance no-such-instance in namespace "default" \(one starts when a task of the instance joins the line\)$/,
      ],
    ];
    for (const [args, expected] of mistakes)
      assertOneLineMistake(await cli(...args), expected, args.join(' '));
  });
});
