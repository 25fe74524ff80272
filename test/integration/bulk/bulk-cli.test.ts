/**
 * The `bulk` and `schedule` commands as a user runs them, on the shared dev server (TEMPORAL_ADDRESS):
 * in this process through buildProgram(), with commander's exit and output captured, and once as
 * the bin script in a child process, to see a real exit code and stderr.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultContactFlowId } from '../../../src/dev/emulator';
import {
  assertOneLineMistake,
  type CliRun,
  runBin,
  runCli,
  succeeded,
  useTemporalAddress,
} from '../../helpers/cli';
import { waitUntil } from '../../helpers/eventually';
import { sharedTestEnv } from '../../helpers/temporal';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack } from '../routing/routing-stack';

let workDir = '';

/** Runs `connect-task-router <args>` in this process, in the suite's working directory. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { cwd: workDir });
}

function writeFile(name: string, content: unknown): string {
  fs.writeFileSync(path.join(workDir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

const ITEMS = [
  { key: 'a', contact: { name: 'Claim A' } },
  { key: 'b', contact: { name: 'Claim B' } },
];

describe('the bulk and schedule commands (on the shared dev server)', () => {
  let restoreEnvironment = (): void => undefined;
  before(async () => {
    restoreEnvironment = useTemporalAddress((await sharedTestEnv()).address);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-cli-'));
    writeFile('items.json', ITEMS);
  });
  after(() => {
    restoreEnvironment();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('schedule create, list, describe, pause and delete', async () => {
    const scheduleId = `cli-${process.pid}-${Date.now().toString(36)}`;
    const created = succeeded(
      await cli(
        'schedule',
        'create',
        scheduleId,
        'claims',
        '--items',
        'items.json',
        '--defaults',
        '{"instanceId":"instance-1","queueId":"queue-1"}',
        '--cron',
        '0 6 * * 1-5',
        '--time-zone',
        'Europe/Paris',
        '--overlap',
        'buffer-one',
        '--note',
        'made by the CLI test',
        '--task-queue',
        'cli-test-queue',
      ),
    );
    assert.match(created, new RegExp(`^Created schedule ${scheduleId}\\.\n`));
    assert.match(created, /when: cron 0 6 \* \* MON-FRI \(Europe\/Paris\)\n/);
    assert.match(created, /next runs: \d{4}-\d\d-\d\dT0[45]:00:00Z, /, 'weekdays at 06:00 Paris time');

    // Listing is eventually consistent: the new schedule shows up within a few seconds.
    const listed = await waitUntil(
      `${scheduleId} in schedule list`,
      async () => {
        const schedules = JSON.parse(succeeded(await cli('schedule', 'list', '--json'))) as {
          scheduleId: string;
          nextRunTimes: string[];
        }[];
        return schedules.find((schedule) => schedule.scheduleId === scheduleId);
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    assert.deepEqual(listed, {
      scheduleId,
      batchId: 'claims',
      spec: ['cron 0 6 * * MON-FRI'],
      timeZone: 'Europe/Paris',
      paused: false,
      note: 'made by the CLI test',
      recentRuns: [],
      nextRunTimes: listed.nextRunTimes,
    });
    assert.ok(listed.nextRunTimes.length > 0);
    assert.match(
      succeeded(await cli('schedule', 'list')),
      new RegExp(`^${scheduleId}  cron 0 6 \\* \\* MON-FRI`, 'm'),
    );

    const described = JSON.parse(succeeded(await cli('schedule', 'describe', scheduleId, '--json')));
    assert.equal(described.batchId, 'claims');
    assert.equal(described.taskQueue, 'cli-test-queue');
    assert.equal(described.overlap, 'buffer-one');
    assert.equal(described.catchupWindowMs, 600_000);
    assert.deepEqual(described.input, {
      batchId: 'claims',
      items: ITEMS,
      defaults: { instanceId: 'instance-1', queueId: 'queue-1' },
    });

    assert.equal(
      succeeded(await cli('schedule', 'pause', scheduleId, '--note', 'holidays')),
      `Paused schedule ${scheduleId}.\n`,
    );
    const paused = succeeded(await cli('schedule', 'describe', scheduleId));
    assert.match(paused, /state: paused \(holidays\)\n/);
    assert.match(paused, /next runs: none while paused/);

    assert.equal(succeeded(await cli('schedule', 'delete', scheduleId)), `Deleted schedule ${scheduleId}.\n`);

    // A source batch with its column mapping and CSV options, as the schedule will start it.
    const fromSource = `${scheduleId}-csv`;
    succeeded(
      await cli(
        'schedule',
        'create',
        fromSource,
        'nightly',
        '--source',
        's3://exports/callbacks.csv',
        '--column',
        'contact.name=Customer',
        '--column',
        'contact.attributes.claim=Claim number',
        '--other-columns',
        'attributes',
        '--delimiter',
        ';',
        '--page-rows',
        '100',
        '--every',
        '1d',
        '--paused',
      ),
    );
    const sourceInput = JSON.parse(succeeded(await cli('schedule', 'describe', fromSource, '--json'))).input;
    assert.deepEqual(sourceInput, {
      batchId: 'nightly',
      source: {
        location: 's3://exports/callbacks.csv',
        columns: { 'contact.name': 'Customer', 'contact.attributes.claim': 'Claim number' },
        otherColumns: 'attributes',
        delimiter: ';',
        pageRows: 100,
      },
    });
    succeeded(await cli('schedule', 'delete', fromSource));
    const gone = await cli('schedule', 'describe', scheduleId);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, `error: no schedule "${scheduleId}" in namespace "default"\n`);
  });

  it('says what is wrong with a mistaken command in one line on stderr and exits 1', async () => {
    const existing = `cli-existing-${process.pid}-${Date.now().toString(36)}`;
    succeeded(
      await cli(
        'schedule',
        'create',
        existing,
        'claims',
        '--items',
        'items.json',
        '--every',
        '1h',
        '--paused',
      ),
    );
    const create = ['schedule', 'create', `cli-mistake-${process.pid}`, 'claims', '--items', 'items.json'];
    const mistakes: [string[], RegExp][] = [
      [
        [...create, '--every', '1h', '--defaults', '{"queueId":'],
        /^error: --defaults: the value is not valid JSON \(/,
      ],
      [
        ['schedule', 'backfill', existing, '--start', '2024-01-01T00:00:00Z'],
        /^error: required option '--end <time>' not specified$/,
      ],
      [
        [...create, '--every', '1h', '--tolerated-failures', '150%'],
        /^error: Invalid bulkCreateTasks input: toleratedFailures\.percent must be at most 100 \(got 150\) \(--tolerated-failures\)$/,
      ],
      [
        ['schedule', 'trigger', 'no-such-schedule'],
        /^error: no schedule "no-such-schedule" in namespace "default"$/,
      ],
      [
        [...create, '--every', '1h', '--cron', '@daily'],
        /^error: Give exactly one of cron and every \(got both\)$/,
      ],
      [[...create], /^error: Give exactly one of cron and every \(got neither\)$/],
      [
        [...create, '--cron', '0 6 * *'],
        /^error: invalid schedule spec \(--cron, --every, --time-zone\): CronString does not have 5-7 fields$/,
      ],
      [
        [...create, '--every', 'soon'],
        /^error: every must be a duration of at least 1 s, like '1h'.* \(got "soon"\) \(--every\)$/,
      ],
      [
        ['schedule', 'create', 'x', 'claims', '--every', '1h'],
        /^error: give exactly one of --items <file\.json> and --source <path\|s3:\/\/\.\.\.>$/,
      ],
      [
        ['schedule', 'create', 'x', 'claims', '--every', '1h', '--items', 'missing.json'],
        /^error: --items: cannot read missing\.json \(ENOENT/,
      ],
      [
        ['schedule', 'create', existing, 'claims', '--items', 'items.json', '--every', '1h'],
        /^error: a schedule ".*" already exists$/,
      ],
      [
        ['bulk', 'start', 'bad/id', '--items', 'items.json'],
        /^error: Invalid bulkCreateTasks input: batchId may contain only letters/,
      ],
      [
        [...create, '--every', '1h', '--column', 'contact.name=Customer'],
        /^error: --column, --other-columns, --format, --delimiter and --page-rows need --source$/,
      ],
      [
        [
          'schedule',
          'create',
          'x',
          'claims',
          '--every',
          '1h',
          '--source',
          'c.csv',
          '--column',
          'contact.nam=Customer',
        ],
        /^error: Invalid bulkCreateTasks input: source\.columns key "contact\.nam" must be a routeTask field path: /,
      ],
      [
        ['bulk', 'start', 'b', '--source', 'c.csv', '--column', 'contact.name'],
        /--column must be field=column, e\.g\. --column contact\.name=customer_name\.$/,
      ],
      [
        ['bulk', 'start', 'b', '--items', 'items.json', '--max-concurrent', '0'],
        /--max-concurrent must be an integer from 1 to 2500\.$/,
      ],
      [
        ['bulk', 'status', 'no-such-batch'],
        /^error: no batch run bulk-batch\/no-such-batch in namespace "default"$/,
      ],
    ];
    const runs: CliRun[] = [];
    for (const [args] of mistakes) runs.push(await cli(...args));
    await cli('schedule', 'delete', existing);
    mistakes.forEach(([args, expected], index) =>
      assertOneLineMistake(runs[index]!, expected, args.join(' ')),
    );
  });

  it('as a process: a mistake exits 1 with one line on stderr, no stack trace', async () => {
    const { code, stdout, stderr } = await runBin(['schedule', 'describe', 'no-such-schedule'], {
      cwd: workDir,
    });
    assert.deepEqual(
      { code, stdout, stderr },
      { code: 1, stdout: '', stderr: 'error: no schedule "no-such-schedule" in namespace "default"\n' },
    );
  });

  describe('with a worker and the Connect emulator', () => {
    let stack: RoutingStack;
    before(async () => {
      stack = await startRoutingStack();
    });
    after(() => stack?.stop());

    it('bulk start --wait, then bulk status and bulk cancel of the ended batch', async () => {
      const batchId = `cli-${stack.instanceId}`;
      writeFile('defaults.json', {
        instanceId: stack.instanceId,
        queueId: BILLING_QUEUE,
        transferFlowId: defaultContactFlowId('Transfer to queue'),
      });
      const started = succeeded(
        await cli(
          'bulk',
          'start',
          batchId,
          '--items',
          'items.json',
          '--defaults',
          '@defaults.json',
          '--task-queue',
          stack.taskQueue,
          '--wait',
        ),
      );
      assert.match(started, new RegExp(`^Started batch ${batchId}: workflow bulk-batch/${batchId}\n`));
      assert.match(
        started,
        /: 2 items, 2 ended, 2 contacts created\n {2}0 pending · 0 running · 2 assigned · /,
      );
      assert.equal(stack.emulator.ledger().contactsCreated, 2);

      const status = JSON.parse(succeeded(await cli('bulk', 'status', batchId, '--json')));
      assert.equal(status.workflowId, `bulk-batch/${batchId}`);
      assert.equal(status.status, 'COMPLETED');
      assert.equal(status.progress.counts.assigned, 2);

      const cancel = await cli('bulk', 'cancel', batchId);
      assert.equal(cancel.code, 1);
      assert.equal(cancel.stderr, `error: batch run bulk-batch/${batchId} has already ended (COMPLETED)\n`);
    });
  });
});
