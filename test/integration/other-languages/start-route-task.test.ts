/**
 * routeTask started by its type name from outside Node, with plain JSON input, as a service in
 * another language would: with the `temporal` CLI (the same binary whose dev server the tests run)
 * and with the Temporal Python SDK (start_route_task.py, in a cached virtualenv that
 * src/dev/python-sdk.ts makes on first use). Each task is assigned to the one Available agent, and
 * the results (and the status queries' answers) are what the JSON Schemas in schemas/ describe.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { defaultContactFlowId, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { schemaFileName, SCHEMAS_DIR } from '../../../src/dev/json-schemas';
import { ensurePythonSdk } from '../../../src/dev/python-sdk';
import { findTemporalCli } from '../../../src/dev/temporal-cli';
import { ALICE, BILLING_QUEUE, type RoutingStack, startRoutingStack } from '../routing/routing-stack';

const run = promisify(execFile);
const TRANSFER_FLOW = defaultContactFlowId('Transfer to queue');

function schemaValidator(name: string): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, schemaFileName(name)), 'utf8')));
}

/**
 * JSON output with the payloads as sent: the CLI's shorthand re-renders them (an empty array shows as
 * null), so the tests read the payload itself, as an SDK in another language would.
 */
const RAW_JSON = ['-o', 'json', '--no-json-shorthand-payloads'];
interface RawPayload {
  metadata: { encoding: string };
  data: string;
}
/** A JSON payload as the CLI prints it raw (base64), decoded. */
function decodePayload({ metadata, data }: RawPayload): unknown {
  assert.equal(Buffer.from(metadata.encoding, 'base64').toString(), 'json/plain');
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
}

function assertMatchesSchema(name: string, value: unknown): void {
  const validate = schemaValidator(name);
  assert.ok(validate(JSON.parse(JSON.stringify(value))), `${name}: ${JSON.stringify(validate.errors)}`);
}

function assertIsRouteTaskResult(result: unknown): void {
  assertMatchesSchema('routeTask.result', result);
}

/** Only Alice is Available, and she accepts what she is offered. */
async function stackWithAlice(): Promise<RoutingStack> {
  const stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
  stack.emulator.setAgentOffers(ALICE, { autoAccept: true });
  stack.emulator.setAgentStatus(ALICE, 'Available');
  return stack;
}

describe('routeTask started from other languages', () => {
  let stack: RoutingStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  describe('with the temporal CLI', () => {
    let cli: string;
    before(function () {
      const found = findTemporalCli();
      if (!found) {
        throw new Error('No Temporal CLI: run `npm run temporal-cli` (npm test does) or set TEMPORAL_CLI.');
      }
      cli = found.path;
    });

    function temporal(routing: RoutingStack, args: string[]) {
      const connection = [
        '--address',
        routing.temporalAddress,
        '--namespace',
        routing.client.options.namespace,
      ];
      return run(cli, [...args, ...connection], { timeout: 60_000 });
    }

    it('starts routeTask by type name with JSON input, and its result says assigned to the agent', async () => {
      stack = await stackWithAlice();
      const workflowId = `route-task/${stack.instanceId}/from-temporal-cli`;
      const input = {
        instanceId: stack.instanceId,
        queueId: BILLING_QUEUE,
        transferFlowId: TRANSFER_FLOW,
        priority: 2,
        contact: { name: 'Call back Mrs Example', attributes: { ticket: 'T-1' } },
      };

      const started = await temporal(stack, [
        'workflow',
        'start',
        '--type',
        'routeTask',
        '--task-queue',
        stack.taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify(input),
      ]);
      assert.match(started.stdout, new RegExp(workflowId.replace(/[/.]/g, '\\$&')));
      const { stdout } = await temporal(stack, [
        'workflow',
        'result',
        '--workflow-id',
        workflowId,
        ...RAW_JSON,
      ]);
      const completed = JSON.parse(stdout) as { status: string; result: RawPayload };
      const result = decodePayload(completed.result) as Record<string, unknown>;

      assert.equal(completed.status, 'COMPLETED');
      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, ALICE);
      assert.equal(result.queueId, BILLING_QUEUE);
      assertIsRouteTaskResult(result);
      assert.equal(stack.emulator.ledger().assignments.length, 1);

      // Its status query, asked from the CLI too, and the dispatcher's: each as its schema says.
      const queried = await temporal(stack, [
        'workflow',
        'query',
        '--workflow-id',
        workflowId,
        '--name',
        'status',
        ...RAW_JSON,
      ]);
      const { queryResult } = JSON.parse(queried.stdout) as { queryResult: { payloads: RawPayload[] } };
      const status = decodePayload(queryResult.payloads[0]);
      assertMatchesSchema('routeTask.query.status', status);
      assert.equal((status as { stage: string }).stage, 'assigned');
      assertMatchesSchema('connectDispatcher.query.status', await stack.dispatcherStatus());
    });

    it('fails an invalid input at once as InvalidInput, naming the field', async () => {
      stack = await stackWithAlice();
      const workflowId = `route-task/${stack.instanceId}/invalid-from-temporal-cli`;
      const input = {
        instanceId: stack.instanceId,
        queueId: BILLING_QUEUE,
        contact: { name: 'x' },
        priority: 0,
      };
      const failed = await temporal(stack, [
        'workflow',
        'execute',
        '--type',
        'routeTask',
        '--task-queue',
        stack.taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify(input),
        '-o',
        'json',
      ]).then(
        () => assert.fail('the workflow should fail'),
        (error: { code?: number; stdout: string; stderr: string }) => error,
      );
      assert.notEqual(failed.code, 0);
      const { status, closeEvent } = JSON.parse(failed.stdout) as {
        status: string;
        closeEvent: {
          workflowExecutionFailedEventAttributes: {
            failure: {
              message: string;
              applicationFailureInfo: {
                type: string;
                nonRetryable: boolean;
                details: { issues: { field: string; message: string }[] }[];
              };
            };
          };
        };
      };
      const { failure } = closeEvent.workflowExecutionFailedEventAttributes;
      assert.equal(status, 'FAILED');
      assert.equal(failure.applicationFailureInfo.type, 'InvalidInput');
      assert.equal(failure.applicationFailureInfo.nonRetryable, true);
      assert.deepEqual(
        failure.applicationFailureInfo.details[0].issues.map((issue) => issue.field),
        ['priority', 'transferFlowId'],
      );
      assert.match(failure.message, /priority must be at least 1 \(got 0\)/);
      assert.equal(stack.emulator.ledger().contactsCreated, 0, 'nothing reached Connect');
    });
  });

  describe('with the Temporal Python SDK', () => {
    let python: string;
    before(function () {
      // The first run on a machine makes the virtualenv (pip install temporalio): seconds, not minutes.
      this.timeout(10 * 60_000);
      python = ensurePythonSdk().python;
    });

    it('starts routeTask by type name with a dict input, and gets back the assigned result', async () => {
      stack = await stackWithAlice();
      const workflowId = `route-task/${stack.instanceId}/from-python`;
      const { stdout, stderr } = await run(
        python,
        [
          path.join(__dirname, 'start_route_task.py'),
          ...['--address', stack.temporalAddress, '--namespace', stack.client.options.namespace],
          ...['--task-queue', stack.taskQueue, '--workflow-id', workflowId],
          ...[
            '--instance-id',
            stack.instanceId,
            '--queue-id',
            BILLING_QUEUE,
            '--transfer-flow-id',
            TRANSFER_FLOW,
          ],
          ...['--name', 'Call back from Python', '--priority', '3'],
        ],
        { timeout: 90_000 },
      );
      const result = JSON.parse(stdout) as Record<string, unknown>;

      assert.match(stderr, /started .*from-python/);
      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, ALICE);
      assertIsRouteTaskResult(result);
      const described = await stack.client.workflow.getHandle(workflowId).describe();
      assert.equal(described.type, 'routeTask');
      assert.equal(stack.emulator.ledger().assignments[0]?.contactId, result.contactId);
    });
  });
});
