import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runDemo } from '../../src/dev/demo/run-demo';
import { demoSucceeded, formatDemoReport } from '../../src/dev/demo/report';
import { DEFAULT_CALL_CENTRE, defaultContactFlowId, defaultQueueId } from '../../src/dev/emulator';
import { dispatcherWorkflowId } from '../../src/shared/dispatcher-contract';
import { BIN, type CliRun, runBin, runCli, succeeded, useTemporalAddress } from '../helpers/cli';
import { waitUntil } from '../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../helpers/temporal';

/** A port to ask for: the demo takes a free one instead if it is busy. */
const somePort = () => 20_000 + Math.floor(Math.random() * 40_000);

/** A small demo: its own dev server and Web UI, 3 tasks and a scheduled batch of 2. */
const SMALL_DEMO = ['demo', '--tasks', '3', '--scheduled-batch', '2', '--seed', '3'];

describe('the demo (on the shared dev server)', () => {
  it('routes every task, breaks no ledger invariant, and leaves no dispatcher running', async () => {
    const env = await sharedTestEnv();
    const instanceId = `demo-test-${process.pid}-${Date.now().toString(36)}`;
    const report = await runDemo({
      client: env.client,
      connection: env.nativeConnection,
      taskQueue: uniqueTaskQueue('demo'),
      instanceId,
      // One more task than the agents online at the start have slots, so one must wait.
      tasks: 8,
      // And a batch of 3 from the demo's Temporal Schedule, triggered once.
      scheduledBatchItems: 3,
      seed: 7,
      timeoutMs: 60_000,
    });

    assert.deepEqual(
      report.tasks.map((task) => [task.workflowId.split('/').pop(), task.outcome]),
      report.tasks.map((_, index) => [`task-${index + 1}`, 'assigned']),
    );
    for (const task of report.tasks) {
      assert.equal(
        task.result?.offers.at(-1)?.outcome,
        'accepted',
        `${task.workflowId} ended assigned without an accepted offer`,
      );
      assert.ok(task.result?.userId, `${task.workflowId} has no agent`);
    }
    const batch = report.scheduledBatch;
    assert.ok(batch?.result, `the scheduled batch has no result: ${batch?.error}`);
    assert.match(batch.workflowId ?? '', new RegExp(`^bulk-batch/demo-${report.runId}-`));
    assert.equal(batch.result.counts.assigned, 3);
    assert.deepEqual(
      batch.result.items?.map((item) => [item.key, item.status, Boolean(item.userId)]),
      [1, 2, 3].map((n) => [`item-${n}`, 'assigned', true]),
    );
    assert.equal(report.ledger.contactsCreated, 8 + 3);
    assert.equal(report.ledger.assignments.length, 8 + 3);
    assert.deepEqual(
      {
        duplicateCreations: report.ledger.duplicateCreations,
        overCapacityAssignments: report.ledger.overCapacityAssignments,
        doubleAssignments: report.ledger.doubleAssignments,
      },
      { duplicateCreations: 0, overCapacityAssignments: 0, doubleAssignments: 0 },
    );
    assert.ok(demoSucceeded(report));

    const summary = formatDemoReport(report);
    assert.match(summary, /Routed 8 tasks in [\d.]+ s: 8 assigned/);
    assert.match(summary, /doubleAssignments: 0$/);
    assert.match(
      summary,
      new RegExp(
        `\nScheduled bulk batch: schedule demo-${report.runId} \\(paused, triggered once\\) started bulk-batch/demo-.*\n` +
          ` {2}batch demo-${report.runId}\\.\\d{8}T\\d{6}Z: 3 items, 3 assigned, 3 contacts created \\(`,
      ),
    );

    // The schedule is gone with the demo.
    await assert.rejects(env.client.schedule.getHandle(batch.scheduleId).describe(), /not found/i);

    const dispatcher = await env.client.workflow.getHandle(dispatcherWorkflowId(instanceId)).describe();
    assert.equal(dispatcher.status.name, 'TERMINATED');
  });
});

describe('the demo command (as a process, with its own dev server)', function () {
  // Two demos at once, each with its own dev server, worker bundle and emulator.
  this.timeout(240_000);
  // The --exit run goes on alongside the other test, which it does not disturb: a demo of its own.
  let exitRun: Promise<CliRun>;
  before(() => {
    exitRun = runBin([
      ...SMALL_DEMO,
      '--exit',
      '--temporal-port',
      String(somePort()),
      '--ui-port',
      String(somePort()),
    ]);
  });

  it('by default stays up after the summary, says where to look, routes one more task, and stops on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [BIN, ...SMALL_DEMO, '--temporal-port', String(somePort()), '--ui-port', String(somePort())],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let restoreEnvironment = (): void => undefined;
    try {
      await waitUntil(
        () => `the demo to stay up; stdout so far:\n${stdout}\nstderr:\n${stderr}`,
        () => (/Press Ctrl-C/.test(stdout) ? true : child.exitCode === null ? undefined : false),
        { timeoutMs: 180_000, intervalMs: 250 },
      );
      assert.match(stdout, /\nRouted 3 tasks in [\d.]+ s: 3 assigned\n/);
      assert.match(
        stdout,
        /\nThe Temporal Web UI, the worker and the Connect emulator stay up\. Browse: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\n/,
      );
      assert.match(
        stdout,
        /'s tasks \(ConnectAgentId\): http:.*\/workflows\?query=ConnectAgentId%20%3D%20%22[0-9a-f-]+%22\n/,
      );
      assert.match(stdout, / {2}the schedule: http:.*\/schedules\/demo-/);

      // What it says to try works: one more task through the demo's worker and emulator.
      const address = /TEMPORAL_ADDRESS=(\S+) /.exec(stdout)?.[1];
      assert.ok(address, 'the demo names its Temporal address');
      restoreEnvironment = useTemporalAddress(address);
      const started = await runCli([
        'task',
        'start',
        'one-more',
        '--instance',
        DEFAULT_CALL_CENTRE.instance.id,
        '--queue',
        defaultQueueId('Billing'),
        '--name',
        'One more task',
        '--transfer-flow',
        defaultContactFlowId('Transfer to queue'),
        '--wait',
      ]);
      // By name when the dispatcher knows it: it may not yet for an agent it first saw after reading names.
      assert.match(
        succeeded(started),
        /\nTask one-more: assigned to (\w+ \(|agent )[0-9a-f-]+\)? after waiting /,
      );
    } finally {
      restoreEnvironment();
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, `exit code; stderr:\n${stderr}`);
    assert.match(stderr, /Stopping the worker, the emulator and the dev server/);
  });

  it('--exit: ends after the summary, and the Web UI with it', async () => {
    const stdout = succeeded(await exitRun);
    assert.match(stdout, /\nRouted 3 tasks in [\d.]+ s: 3 assigned\n/);
    assert.match(
      stdout,
      /\nScheduled bulk batch: schedule demo-.* \(paused, triggered once\) started bulk-batch\/demo-/,
    );
    assert.match(stdout, / {2}batch demo-.*: 2 items, 2 assigned, 2 contacts created \(/);
    assert.match(stdout, /\nEnding \(--exit\): the Web UI stops with the demo/);
    assert.doesNotMatch(stdout, /Press Ctrl-C/);
  });
});
