/**
 * `connect-task-router worker` as a service, run as the bin script in a child process the way a
 * process manager runs it: against the shared dev server and the Connect emulator, with fake AWS and
 * Temporal secrets and an encryption key in its environment. One task is routed (started by a client
 * with the same key); the metrics endpoint shows the Temporal runtime's metrics and the package's;
 * every output line is a JSON object with the SDK's ids; no secret appears anywhere, neither in the
 * output nor in the histories of the runs (read decrypted, as a client with the key reads them);
 * SIGTERM ends it with exit code 0. Bad configuration fails in one line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { startRouteTask } from '../../src/client/route-task-client';
import { DEFAULT_CALL_CENTRE, defaultContactFlowId, EVERYONE_OFFLINE } from '../../src/dev/emulator';
import { freePort, sample } from '../../src/dev/prometheus-text';
import { encryptedDataConverter } from '../../src/encryption/encrypted-data-converter';
import { ENCRYPTION_KEYS_VARIABLE, parseEncryptionKeys } from '../../src/encryption/encryption-keys';
import { METRICS } from '../../src/worker/metric-names';
import { assertOneLineMistake, BIN, runBin } from '../helpers/cli';
import { waitUntil } from '../helpers/eventually';
import { decodedHistoryText } from '../helpers/history';
import { ALICE, BILLING_QUEUE, type RoutingStack, startRoutingStack } from './routing/routing-stack';

const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEWORKERSERVICE1',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key-5b1c7e0d9a',
  AWS_SESSION_TOKEN: 'fake-session-token-3f8a2c6e4d1b9f7a',
  TEMPORAL_API_KEY: 'fake-temporal-api-key-7d2e9b4c1a',
  // A real key (the worker must use it), made for this run only.
  [ENCRYPTION_KEYS_VARIABLE]: `ws-1:${randomBytes(32).toString('base64')}`,
};
/** Each value that must never be printed or stored: the encryption key also on its own. */
const SECRET_VALUES: [string, string][] = [
  ...Object.entries(SECRETS),
  ['the encryption key', SECRETS[ENCRYPTION_KEYS_VARIABLE].slice('ws-1:'.length)],
];
/** How long SIGTERM may take to end the worker (nothing is in flight by then). */
const SHUTDOWN_BOUND_MS = 15_000;

interface RunningWorker {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('connect-task-router worker as a service (the bin script, on the shared dev server and the emulator)', () => {
  let stack: RoutingStack;
  let worker: RunningWorker | undefined;

  before(async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE, inProcessWorker: false });
  });
  after(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await stack?.stop();
  });

  function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const rates = Object.entries(stack.connectCallRates)
      .map(([lane, rate]) => `${lane}=${rate}`)
      .join(',');
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      // An API key makes the SDK send it as a bearer token; the dev server ignores it without TLS.
      TEMPORAL_TLS: 'false',
      AWS_ENDPOINT_URL_CONNECT: stack.emulator.endpoint,
      AWS_REGION: DEFAULT_CALL_CENTRE.instance.region,
      CONNECT_TASK_ROUTER_CONNECT_RATES: rates,
      ...SECRETS,
      ...extra,
    };
  }

  it('routes a task, serves the metrics, logs JSON lines without secrets, and exits 0 on SIGTERM', async () => {
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'worker',
        '--task-queue',
        stack.taskQueue,
        '--metrics-address',
        metricsAddress,
        '--log-level',
        'DEBUG',
      ],
      // No --log-format: JSON, since stdout is not a terminal.
      { env: environment(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    worker = { child, output: () => ({ stdout, stderr }), exited };

    await waitUntil(
      () => `the worker's start line; stdout so far: ${stdout.slice(-2000)} stderr: ${stderr.slice(-2000)}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${stderr}`);
        return stdout.includes('Worker polling task queue') ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const scrape = async () => (await fetch(`http://${metricsAddress}/metrics`)).text();

    // Nobody is Available: the task waits, and the dispatcher's gauge shows it. A client with the
    // worker's key starts it, as a service of the deployment would.
    stack.emulator.setAgentOffers(ALICE, { autoAccept: true });
    const dataConverter = encryptedDataConverter(parseEncryptionKeys(SECRETS[ENCRYPTION_KEYS_VARIABLE]));
    const client = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
      dataConverter,
    });
    const handle = await startRouteTask(
      client,
      {
        instanceId: stack.instanceId,
        queueId: BILLING_QUEUE,
        transferFlowId: defaultContactFlowId('Transfer to queue'),
        priority: 3,
        contact: { name: 'Worker service task' },
      },
      { workflowId: `route-task/${stack.instanceId}/worker-service`, taskQueue: stack.taskQueue },
    );
    await stack.waitForStatus(handle, (status) => status.stage === 'waiting-for-agent');
    const line = { instance_id: stack.instanceId, queue_id: BILLING_QUEUE, priority: '3' };
    const waiting = await waitUntil(
      'the waiting gauge at 1, and the queue statistics of a poll',
      async () => {
        const text = await scrape();
        return sample(text, METRICS.tasksWaiting.name, line) === 1 &&
          sample(text, METRICS.oldestWait.name, line) > 0 &&
          text.includes(`${METRICS.queueAgents.name}{`)
          ? text
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    // Everyone is offline: billing's agents are in none of the states.
    for (const state of ['available', 'offered', 'busy']) {
      assert.equal(sample(waiting, METRICS.queueAgents.name, { queue_id: BILLING_QUEUE, state }), 0, state);
    }
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const result = await handle.result();
    assert.equal(result.outcome, 'assigned');
    assert.equal(result.userId, ALICE);

    const metrics = await waitUntil(
      "the assigned task in the metrics, the gauge back at 0, the dispatcher's window, and the runtime's count of completed workflows",
      async () => {
        const text = await scrape();
        const waiting = sample(text, METRICS.tasksWaiting.name, {
          instance_id: stack.instanceId,
          queue_id: BILLING_QUEUE,
          priority: '3',
        });
        // The SDK counts a completed workflow once the server has taken the completion, which the
        // client can hear of first; the dispatcher sets its gauges once the round that told the task
        // its offer was accepted is done, which the task's end can come before.
        const completedCounted = /^temporal_workflow_completed\{/m.test(text);
        const windowCounted = sample(text, METRICS.windowAssigned.name, line) === 1;
        return sample(text, METRICS.tasksAssigned.name) === 1 &&
          waiting === 0 &&
          completedCounted &&
          windowCounted
          ? text
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    const tq = { taskQueue: stack.taskQueue, workflowType: 'routeTask' };
    const ours = metrics
      .split('\n')
      .filter((line) => line.startsWith('connect_task_router_') && !line.includes('_bucket{'))
      .join('\n');
    assert.equal(sample(metrics, METRICS.tasksCreated.name), 1, ours);
    assert.equal(sample(metrics, METRICS.tasksCreated.name, { operation: 'CreateContact' }), 1);
    assert.equal(sample(metrics, METRICS.tasksAssigned.name, { queue_id: BILLING_QUEUE, ...tq }), 1);
    assert.equal(sample(metrics, METRICS.tasksEnded.name, { outcome: 'assigned' }), 1);
    assert.equal(sample(metrics, `${METRICS.taskWait.name}_count`, { queue_id: BILLING_QUEUE }), 1);
    // The dispatcher's window: one task assigned, within the service level; nothing waits any more.
    assert.equal(sample(metrics, METRICS.windowAssigned.name, line), 1);
    assert.equal(sample(metrics, METRICS.windowServiceLevel.name, line), 1);
    assert.ok(sample(metrics, METRICS.windowWait.name, { ...line, quantile: '0.9' }) > 0);
    assert.equal(sample(metrics, METRICS.oldestWait.name, line), 0);
    for (const operation of [
      'CreateContact',
      'TransferContact',
      'AssociateContactWithUser',
      'GetCurrentUserData',
    ]) {
      assert.ok(
        sample(metrics, METRICS.connectCalls.name, { operation }) >= 1,
        `${METRICS.connectCalls.name}{operation="${operation}"}`,
      );
    }
    assert.equal(sample(metrics, METRICS.connectCalls.name, { operation: 'CreateContact' }), 1);
    assert.equal(sample(metrics, METRICS.connectCallErrors.name), 0);
    assert.ok(sample(metrics, `${METRICS.connectCallDuration.name}_count`) >= 4);
    // The Temporal runtime's own metrics share the endpoint.
    assert.match(metrics, /^temporal_workflow_completed\{/m);
    assert.match(metrics, /^temporal_activity_execution_latency_count\{/m);
    // Those with a sample: no Connect call failed.
    const failures: string[] = [METRICS.connectCallErrors.name, METRICS.connectCallsThrottled.name];
    for (const metric of Object.values(METRICS).filter((metric) => !failures.includes(metric.name))) {
      assert.match(metrics, new RegExp(`^# HELP ${metric.name} `, 'm'), `${metric.name} has a help text`);
    }

    child.kill('SIGTERM');
    const stopping = Date.now();
    const exit = await Promise.race([exited, sleep(SHUTDOWN_BOUND_MS, 'timeout' as const)]);
    assert.notEqual(exit, 'timeout', `no exit within ${SHUTDOWN_BOUND_MS} ms of SIGTERM`);
    assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${stderr}`);
    const shutdownMs = Date.now() - stopping;

    // Every line, stdout and stderr, is one JSON object with a time, a level and a message.
    const lines = `${stdout}${stderr}`.split('\n').filter((line) => line !== '');
    const records = lines.map((line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON line: ${line}`);
      }
      assert.equal(typeof record.time, 'string', line);
      assert.match(String(record.level), /^(trace|debug|info|warn|error)$/, line);
      assert.equal(typeof record.message, 'string', line);
      return record;
    });
    const routed = records.find((record) => record.message === 'Task routed');
    assert.ok(routed, 'a "Task routed" line');
    assert.equal(routed.workflowId, handle.workflowId);
    assert.equal(routed.workflowType, 'routeTask');
    assert.equal(typeof routed.runId, 'string');
    assert.equal(routed.contactId, result.contactId);
    assert.equal(routed.agentId, ALICE);
    assert.equal(routed.outcome, 'assigned');
    assert.ok(
      records.some(
        (record) => record.activityType === 'createIntoLine' && record.workflowId === handle.workflowId,
      ),
      'an activity line with its activityType and workflowId',
    );
    assert.ok(records.some((record) => record.message === 'Worker stopped'));
    // A source checkout has no prebuilt bundle (the installed package's test sees no such line).
    assert.ok(records.some((record) => record.message === 'Workflow bundle created'));

    const start = records.find((record) => String(record.message).startsWith('Worker polling task queue'));
    assert.match(String(start?.message), /, payloads encrypted with key "ws-1"$/);
    assert.equal(start?.encryptionKeyId, 'ws-1');

    // No secret, anywhere, even at DEBUG: not in the output, not in the runs' histories.
    const output = `${stdout}\n${stderr}`;
    const histories = await Promise.all(
      [handle.workflowId, stack.dispatcher.workflowId].map(async (workflowId) =>
        decodedHistoryText(
          await client.workflow.getHandle(workflowId).fetchHistory(),
          dataConverter.payloadCodecs![0]!,
        ),
      ),
    );
    assert.ok(histories[0]!.includes('Worker service task'), 'the history is read decrypted');
    for (const [name, value] of SECRET_VALUES) {
      assert.ok(!output.includes(value), `${name} appears in the output`);
      histories.forEach((history, index) =>
        assert.ok(
          !history.includes(value),
          `${name} appears in the ${['routeTask', 'dispatcher'][index]} history`,
        ),
      );
    }
    console.log(
      `      (worker up in ${stopping - started} ms incl. bundling; ${lines.length} log lines; ` +
        `SIGTERM to exit ${shutdownMs} ms)`,
    );
  });

  it('fails at start in one line, exit code 1: a bad --connect-rates, a bad metrics address, a bad encryption key, Temporal out of reach', async () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, environment(env));
      try {
        return await runBin(args);
      } finally {
        process.env = saved;
      }
    };
    assertOneLineMistake(
      await run(['worker', '--connect-rates', 'create=fast']),
      /^error: .*--connect-rates/,
      'bad --connect-rates',
    );
    assertOneLineMistake(
      await run(['worker'], { CONNECT_TASK_ROUTER_METRICS_ADDRESS: 'localhost' }),
      /^error: CONNECT_TASK_ROUTER_METRICS_ADDRESS must be host:port/,
      'bad metrics address',
    );
    assertOneLineMistake(
      await run(['worker', '--log-format', 'xml']),
      /^error: .*--log-format must be one of json, pretty/,
      'bad log format',
    );
    const shortKey = Buffer.from('only sixteen b!!').toString('base64');
    const badKey = await run(['worker'], { [ENCRYPTION_KEYS_VARIABLE]: `ws-2:${shortKey}` });
    assertOneLineMistake(
      badKey,
      /^error: CONNECT_TASK_ROUTER_ENCRYPTION_KEYS entry 1 \(key "ws-2"\): the key must be 32 bytes/,
      'bad encryption key',
    );
    assert.ok(!badKey.stderr.includes(shortKey), 'the error shows the key');
    const unreachable = `127.0.0.1:${await freePort()}`;
    assertOneLineMistake(
      await run(['worker'], { TEMPORAL_ADDRESS: unreachable }),
      new RegExp(`^error: cannot reach Temporal at ${unreachable}: .*Connection refused`),
      'Temporal out of reach',
    );
  });
});
