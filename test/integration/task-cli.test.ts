/**
 * The `task` commands as a user runs them, on the shared dev server (TEMPORAL_ADDRESS), with a worker
 * and a Connect emulator whose agents are all offline at first, so that tasks visibly wait: in this
 * process through buildProgram(), and once as the bin script in a child process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultContactFlowId, EVERYONE_OFFLINE } from '../../src/dev/emulator';
import { dispatcherWorkflowId } from '../../src/shared/dispatcher-contract';
import {
  assertOneLineMistake,
  type CliRun,
  runBin,
  runCli,
  succeeded,
  useTemporalAddress,
} from '../helpers/cli';
import { waitUntil } from '../helpers/eventually';
import {
  BILLING_QUEUE,
  CAROL,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from './routing/routing-stack';

const TRANSFER_FLOW = defaultContactFlowId('Transfer to queue');

interface ListedTask {
  workflowId: string;
  stage?: string;
  queueId?: string;
  priority?: number;
  agentId?: string;
  waitingSeconds: number;
}

describe('the task commands (on the shared dev server, with a worker and the Connect emulator)', () => {
  let stack: RoutingStack;
  let workDir = '';
  let restoreEnvironment = (): void => undefined;
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, { cwd: workDir });
  /** A workflow id of this suite's own. */
  const id = (name: string) => `task-cli/${stack.instanceId}/${name}`;
  /** `task start` with the field options for the stack's instance. */
  const start = (name: string, queueId: string, ...more: string[]) =>
    cli(
      'task',
      'start',
      id(name),
      '--instance',
      stack.instanceId,
      '--queue',
      queueId,
      '--name',
      `CLI ${name}`,
      '--transfer-flow',
      TRANSFER_FLOW,
      '--task-queue',
      stack.taskQueue,
      ...more,
    );

  before(async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    restoreEnvironment = useTemporalAddress(stack.temporalAddress);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'task-cli-'));
  });
  after(async () => {
    restoreEnvironment();
    fs.rmSync(workDir, { recursive: true, force: true });
    await stack?.stop();
  });

  it('start, list and status of waiting tasks, cancel --wait, then start --wait once an agent is free', async () => {
    assert.equal(
      succeeded(
        await start('billing', BILLING_QUEUE, '--attribute', 'claim=1', '--attribute', 'kind=refund'),
      ),
      `Started task ${id('billing')} on task queue ${stack.taskQueue}.\n`,
    );
    succeeded(await start('support', SUPPORT_QUEUE, '--priority', '2'));

    // Visibility lags the runs a little: both show up waiting, the more urgent first.
    const listed = await waitUntil(
      'both tasks waiting in task list',
      async () => {
        const tasks = JSON.parse(
          succeeded(await cli('task', 'list', '--instance', stack.instanceId, '--json')),
        ) as ListedTask[];
        return tasks.length === 2 && tasks.every((task) => task.stage === 'waiting-for-agent')
          ? tasks
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    assert.deepEqual(
      listed.map(({ workflowId, stage, queueId, priority, agentId }) => ({
        workflowId,
        stage,
        queueId,
        priority,
        agentId,
      })),
      [
        {
          workflowId: id('support'),
          stage: 'waiting-for-agent',
          queueId: SUPPORT_QUEUE,
          priority: 2,
          agentId: undefined,
        },
        {
          workflowId: id('billing'),
          stage: 'waiting-for-agent',
          queueId: BILLING_QUEUE,
          priority: 5,
          agentId: undefined,
        },
      ],
    );
    const table = succeeded(
      await cli(
        'task',
        'list',
        '--instance',
        stack.instanceId,
        '--queue',
        BILLING_QUEUE,
        '--stage',
        'waiting-for-agent',
      ),
    ).split('\n');
    assert.match(table[0]!, /^WORKFLOW ID +STAGE +QUEUE +PRIORITY +WAITING +AGENT$/);
    assert.match(
      table[1]!,
      new RegExp(`^${id('billing')} +waiting-for-agent +${BILLING_QUEUE} +5 +\\d+s +-$`),
    );
    assert.equal(table.length, 3, 'one task, then the final newline');
    assert.equal(
      succeeded(await cli('task', 'list', '--instance', stack.instanceId, '--stage', 'offered')),
      'No task is routing that matches.\n',
    );

    const status = succeeded(await cli('task', 'status', id('billing')));
    assert.match(status, new RegExp(`^${id('billing')}: RUNNING, waiting-for-agent\n  waiting for an agent`));
    assert.match(
      status,
      new RegExp(`\n  instance ${stack.instanceId} · queue ${BILLING_QUEUE} · priority 5\n`),
    );
    assert.match(status, /\n {2}in line since \d{4}-.*Z \(\d+s\)\n/);

    const cancelled = succeeded(
      await cli('task', 'cancel', id('billing'), '--reason', 'customer called back', '--wait'),
    );
    assert.match(
      cancelled,
      new RegExp(
        `^Cancellation requested for task ${id('billing')}\\.\nTask ${id('billing')}: cancelled \\(customer called back\\)\n`,
      ),
    );
    const ended = JSON.parse(succeeded(await cli('task', 'status', id('billing'), '--json')));
    assert.equal(ended.status, 'COMPLETED');
    assert.equal(ended.result.outcome, 'cancelled');
    assert.equal(ended.result.reason, 'customer called back');
    assert.equal(ended.current, undefined);

    // Carol (Support, two TASK slots) logs in: the waiting support task, then the new one, are hers.
    stack.emulator.setAgentStatus(CAROL, 'Available');
    const assigned = await start('support-2', SUPPORT_QUEUE, '--wait');
    assert.match(
      succeeded(assigned),
      new RegExp(
        `^Started task ${id('support-2')} on task queue .*\\.\nTask ${id('support-2')}: assigned to carol \\(${CAROL}\\) after waiting [\\d.]+ s\n`,
      ),
    );
    // Without a terminal, the progress line is a line per stage on stderr.
    assert.match(assigned.stderr, new RegExp(`^${id('support-2')}: `, 'm'));

    const done = succeeded(await cli('task', 'status', id('support-2')));
    assert.match(
      done,
      new RegExp(`^${id('support-2')}: COMPLETED, assigned to carol \\(${CAROL}\\) after waiting `),
    );
    assert.match(done, /offers: carol \(.*\) accepted at /);

    // The workflow id is the task's key: starting it again starts nothing and creates no contact.
    const contacts = stack.emulator.ledger().contactsCreated;
    assert.equal(
      succeeded(await start('support-2', SUPPORT_QUEUE)),
      `Task ${id('support-2')} already exists and has ended (COMPLETED); nothing new started.\n`,
    );
    assert.equal(stack.emulator.ledger().contactsCreated, contacts);
    const again = await cli('task', 'cancel', id('support-2'));
    assertOneLineMistake(
      again,
      new RegExp(`^error: task ${id('support-2')} has already ended \\(COMPLETED, assigned\\)$`),
      'cancel of an ended task',
    );
  });

  it('says what is wrong with a mistaken command in one line on stderr and exits 1', async () => {
    // The bin script in a child process, alongside: a real exit code and stderr.
    const asProcess = runBin(['task', 'status', 'no-such-task'], { cwd: workDir });
    const valid = { instanceId: 'i', queueId: 'q', contact: { name: 'n' }, transferFlowId: 'f' };
    fs.writeFileSync(path.join(workDir, 'priority-0.json'), JSON.stringify({ ...valid, priority: 0 }));
    const fields = ['--instance', 'i', '--queue', 'q', '--name', 'n'];
    const mistakes: [string[], RegExp][] = [
      [
        ['task', 'start', 'x', '--input', '{"instanceId":'],
        /^error: --input: the value is not valid JSON \(/,
      ],
      [
        ['task', 'start', 'x', '--input', '@missing.json'],
        /^error: --input: cannot read missing\.json \(ENOENT/,
      ],
      [
        ['task', 'start', 'x', '--input', '@priority-0.json'],
        /^error: Invalid routeTask input: priority must be at least 1 \(got 0\)$/,
      ],
      [
        ['task', 'start', 'x', ...fields],
        /^error: Invalid routeTask input: transferFlowId is required when strategy is create-then-associate .* \(--transfer-flow\)$/,
      ],
      [
        ['task', 'start', 'x', '--instance', 'i', '--transfer-flow', 'f'],
        /^error: Invalid routeTask input: queueId is required \(--queue\); contact\.name is required \(--name\)$/,
      ],
      [
        ['task', 'start', 'x', ...fields, '--transfer-flow', 'f', '--deadline', '100d'],
        /^error: Invalid routeTask input: deadlineSeconds must be at most 7,776,000 \(got 8,640,000\) \(--deadline\)$/,
      ],
      [
        ['task', 'start', 'x', '--input', JSON.stringify(valid), '--queue', 'q'],
        /^error: option '--queue <id>' cannot be used with option '--input <json\|@file>'$/,
      ],
      [
        ['task', 'start', 'x', ...fields, '--priority', '0'],
        /^error: option '--priority <n>' argument '0' is invalid\. --priority must be an integer from 1 to 1000\.$/,
      ],
      [
        ['task', 'start', 'x', ...fields, '--attribute', 'claim'],
        /--attribute must be key=value, e\.g\. --attribute claim=1234\.$/,
      ],
      [['task', 'start'], /^error: missing required argument 'workflowId'$/],
      [['task', 'status', 'no-such-task'], /^error: no task no-such-task in namespace "default"$/],
      [['task', 'cancel', 'no-such-task'], /^error: no task no-such-task in namespace "default"$/],
      [
        ['task', 'status', dispatcherWorkflowId(stack.instanceId)],
        /^error: connect-dispatcher\/.* is a connectDispatcher run, not a routeTask task$/,
      ],
      [
        ['task', 'list', '--stage', 'lost'],
        /^error: option '--stage <stage>' argument 'lost' is invalid\. Allowed choices are /,
      ],
      [['task', 'list', '--limit', '0'], /--limit must be an integer from 1 to 10000\.$/],
    ];
    for (const [args, expected] of mistakes)
      assertOneLineMistake(await cli(...args), expected, args.join(' '));

    assert.deepEqual(await asProcess, {
      code: 1,
      stdout: '',
      stderr: 'error: no task no-such-task in namespace "default"\n',
    });
  });
});
