/**
 * Bad input, end to end: one table of invalid inputs to every way in (routeTask by type name and
 * through the typed client, bulk items, CSV rows and batches, updates and signals on a waiting task,
 * CLI arguments, worker and emulator configuration). Each must be refused with a message that names
 * the field (or option) and the limit, and cost Connect nothing: on one stack, the emulator's ledger
 * shows no call for any of them, and a valid task started before them and one started after them
 * (with the batches' valid rows) are each assigned exactly once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BulkCreateTasksInputError, startBulkCreateTasks } from '../../src/client/bulk-create-client';
import {
  cancelRouteTask,
  reprioritizeRouteTask,
  RouteTaskArgumentError,
  RouteTaskInputError,
  setPreferredAgents,
  startRouteTask,
  waitForRouteTask,
} from '../../src/client/route-task-client';
import {
  defaultAgentId,
  defaultContactFlowId,
  EVERYONE_OFFLINE,
  type OperationName,
  startEmulator,
} from '../../src/dev/emulator';
import {
  type BulkCreateTasksInput,
  type BulkCreateTasksResult,
  type BulkItemReport,
  bulkItemWorkflowId,
} from '../../src/shared/bulk-create-contract';
import type { ConnectValidationIssue } from '../../src/shared/connect-validation';
import { INVALID_INPUT_FAILURE_TYPE } from '../../src/shared/error-policy';
import { type RouteTaskResult, routeTaskStatusQuery } from '../../src/shared/route-task-contract';
import { type ConnectTaskRouterWorkerOptions, createWorker } from '../../src/worker/create-worker';
import { runCli, useTemporalAddress } from '../helpers/cli';
import { waitUntil } from '../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../helpers/temporal';
import { assertEachTaskAssignedOnce } from './routing/assert-assigned-once';
import { CAROL, ERIN, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing/routing-stack';

const DAVE = defaultAgentId('dave');
const TRANSFER_FLOW = defaultContactFlowId('Transfer to queue');
/** The items file the CLI cases name; it holds valid items, so only the option is wrong. */
const ITEMS_FILE = 'items.json';
/** Long enough for a refusal; a run still going after this was not refused. */
const REFUSAL_WAIT_MS = 15_000;

/** What the table's cases need of the stack they run on. */
interface Site {
  instanceId: string;
  taskQueue: string;
}

/** How a bad input is submitted. */
type Submission =
  /** `change` applied to a valid routeTask input, started by type name (the workflow answers) and through startRouteTask. */
  | { how: 'routeTask'; change: Record<string, unknown> }
  /** One item of an inline batch (defaults: instance, Support queue, transfer flow) whose other items are valid. */
  | { how: 'bulk item'; item: Record<string, unknown> }
  /** One row of a CSV source (header `key,contact.name,priority,deadlineSeconds,contact.attributes.ticket`). */
  | { how: 'bulk CSV row'; row: string }
  /** A whole batch: by type name (the workflow answers), or through startBulkCreateTasks. */
  | { how: 'bulkCreateTasks by type name'; input: (site: CsvSite) => unknown; failureType: string }
  | { how: 'startBulkCreateTasks'; input: (site: CsvSite) => unknown }
  /** An update on the waiting task by its name, without the typed client's checks: the run's validator answers. */
  | { how: 'update'; update: 'reprioritize' | 'setPreferredAgents'; argument: unknown }
  /** A typed client call on the waiting task (an update or the cancel signal), checked before it is sent. */
  | { how: 'typed update or signal'; send: (client: Client, workflowId: string) => Promise<unknown> }
  | { how: 'cli'; args: (site: Site) => string[]; env?: Record<string, string> }
  /** An emulator config file, as `emulator --config` reads it. */
  | { how: 'emulator config'; config: unknown }
  | { how: 'createWorker'; options: Partial<ConnectTaskRouterWorkerOptions> };

interface CsvSite extends Site {
  /** A CSV file whose header is the table's (valid rows only). */
  csvLocation: string;
}

/** One invalid input, the field (or option) its message must name, and the limit it must state. */
interface BadInput {
  what: string;
  submit: Submission;
  field: string;
  limit: RegExp;
}

/** How the input was refused: the message, and the issues' fields where the answer lists them. */
type Verdict = { refused: true; message: string; fields?: string[] } | { refused: false; detail: string };

const condition = (overrides: Record<string, unknown> = {}) => ({
  attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3, ...overrides },
});
/** routeTask input with these routing-criteria steps. */
const criteria = (...steps: Record<string, unknown>[]) => ({ routingCriteria: { steps } });
const agents = (count: number) => Array.from({ length: count }, (_, n) => `agent-${n}`);
const CRITERIA_CONDITION = 'routingCriteria.steps.0.expression.attributeCondition';

/**
 * `task start` with a valid task's options, changed by `options` (an option set to undefined is left
 * out), on the stack's task queue.
 */
function taskStartArgs(
  { instanceId, taskQueue }: Site,
  options: Record<string, string | undefined>,
): string[] {
  const given: Record<string, string | undefined> = {
    '--instance': instanceId,
    '--queue': SUPPORT_QUEUE,
    '--name': 'CLI task',
    '--transfer-flow': TRANSFER_FLOW,
    ...options,
    '--task-queue': taskQueue,
  };
  const args = Object.entries(given).flatMap(([option, value]) =>
    value === undefined ? [] : [option, value],
  );
  return ['task', 'start', `bad-input/${instanceId}/cli`, ...args];
}

const BAD_INPUTS: BadInput[] = [
  // ---- routeTask: the contract's fields ----
  ...(
    [
      ['priority 0', { priority: 0 }, 'priority', /at least 1 \(got 0\)/],
      ['priority 1001', { priority: 1001 }, 'priority', /at most 1,000 \(got 1,001\)/],
      ['a fractional priority', { priority: 2.5 }, 'priority', /must be an integer/],
      ['a priority as a word', { priority: 'high' }, 'priority', /must be a number \(got "high"\)/],
      [
        'widenAfterSeconds over 7 days',
        { widenAfterSeconds: 604_801 },
        'widenAfterSeconds',
        /at most 604,800/,
      ],
      ['deadlineSeconds 0', { deadlineSeconds: 0 }, 'deadlineSeconds', /at least 1 \(got 0\)/],
      [
        'deadlineSeconds over 90 days',
        { deadlineSeconds: 7_776_001 },
        'deadlineSeconds',
        /at most 7,776,000/,
      ],
      ['no allowed status', { allowedStatuses: [] }, 'allowedStatuses', /at least 1 item/],
      ['21 allowed statuses', { allowedStatuses: agents(21) }, 'allowedStatuses', /at most 20 items/],
      [
        'an unknown strategy',
        { strategy: 'round-robin' },
        'strategy',
        /one of create-then-associate, create-connected, start-task-contact/,
      ],
      [
        'no transfer flow (create-then-associate)',
        { transferFlowId: undefined },
        'transferFlowId',
        /required when strategy is create-then-associate/,
      ],
      [
        'start-task-contact without its flow',
        { strategy: 'start-task-contact', transferFlowId: undefined },
        'contactFlowId',
        /required when strategy is start-task-contact/,
      ],
      [
        'an agent both preferred and excluded',
        { preferredAgentIds: [CAROL, DAVE], excludedAgentIds: [DAVE] },
        'preferredAgentIds',
        /must not share agents/,
      ],
      ['101 preferred agents', { preferredAgentIds: agents(101) }, 'preferredAgentIds', /at most 100 items/],
      [
        'an unknown error-policy row',
        { errorPolicy: { Throttling: { maximumAttempts: 3 } } },
        'errorPolicy',
        /unknown policy key "Throttling" \(known: ThrottlingException/,
      ],
      [
        'an error-policy value out of range',
        { errorPolicy: { ThrottlingException: { maximumAttempts: -1 } } },
        'errorPolicy',
        /maximumAttempts must be a whole number/,
      ],
      ['a misspelt field', { priorty: 3 }, 'priorty', /not a known field/],
      // ---- routeTask: the contact, within Connect's limits ----
      ['an empty contact name', { contact: { name: '' } }, 'contact.name', /at least 1 character/],
      [
        'a contact name over 1,024 characters',
        { contact: { name: 'x'.repeat(1025) } },
        'contact.name',
        /at most 1,024 characters \(got 1,025\)/,
      ],
      [
        'a description over 4,096 characters',
        { contact: { name: 'n', description: 'd'.repeat(4097) } },
        'contact.description',
        /at most 4,096 characters/,
      ],
      [
        'an attribute key with a space',
        { contact: { name: 'n', attributes: { 'claim id': '1' } } },
        'contact.attributes',
        /only letters, digits, "-" and "_"/,
      ],
      [
        'attributes over 32 KB',
        { contact: { name: 'n', attributes: { notes: 'é'.repeat(16_400) } } },
        'contact.attributes',
        /at most 32,768 UTF-8 bytes/,
      ],
      [
        'a reference type a task cannot carry',
        { contact: { name: 'n', references: { mail: { type: 'EMAIL_MESSAGE', value: 'm' } } } },
        'contact.references.mail.Type',
        /allowed: URL, NUMBER, STRING, DATE, EMAIL, ATTACHMENT/,
      ],
      [
        'a reference value over 4 KB',
        { contact: { name: 'n', references: { ticket: { type: 'URL', value: 'u'.repeat(4097) } } } },
        'contact.references.ticket.Value',
        /at most 4,096 UTF-8 bytes/,
      ],
      // ---- routeTask: routing criteria ----
      ['routing criteria with no step', criteria(), 'routingCriteria.steps', /at least 1 item/],
      [
        'routing criteria with 11 steps',
        criteria(...Array.from({ length: 11 }, () => ({ expression: condition(), expirySeconds: 60 }))),
        'routingCriteria.steps',
        /at most 10 items/,
      ],
      [
        'a proficiency level of 6',
        criteria({ expression: condition({ proficiencyLevel: 6 }) }),
        `${CRITERIA_CONDITION}.proficiencyLevel`,
        /at most 5/,
      ],
      [
        'a proficiency level of 2.5',
        criteria({ expression: condition({ proficiencyLevel: 2.5 }) }),
        `${CRITERIA_CONDITION}.proficiencyLevel`,
        /whole level 1, 2, 3, 4 or 5/,
      ],
      [
        'a step without expiry before the last',
        criteria({ expression: condition() }, { expression: condition() }),
        'routingCriteria.steps.0.expirySeconds',
        /only the last step may omit it/,
      ],
      [
        'an expression of two kinds',
        criteria({ expression: { ...condition(), orExpression: [condition()] } }),
        'routingCriteria.steps.0.expression',
        /exactly one of attributeCondition, andExpression, orExpression/,
      ],
      [
        '11 conditions in one step',
        criteria({ expression: { andExpression: Array.from({ length: 11 }, () => condition()) } }),
        'routingCriteria.steps.0.expression',
        /at most 10 attribute conditions \(got 11\)/,
      ],
      [
        'expressions nested 4 deep',
        criteria({
          expression: {
            andExpression: [{ orExpression: [{ andExpression: [{ orExpression: [condition()] }] }] }],
          },
        }),
        'routingCriteria.steps.0.expression.andExpression.0.orExpression.0.andExpression.0',
        /deeper than 3 levels/,
      ],
      [
        'an attribute name over 100 characters',
        criteria({ expression: condition({ name: 'n'.repeat(101) }) }),
        `${CRITERIA_CONDITION}.name`,
        /at most 100 characters/,
      ],
      [
        'an attribute value over 128 characters',
        criteria({ expression: condition({ value: 'v'.repeat(129) }) }),
        `${CRITERIA_CONDITION}.value`,
        /at most 128 characters/,
      ],
    ] as const
  ).map(([what, change, field, limit]): BadInput => ({
    what,
    submit: { how: 'routeTask', change },
    field,
    limit,
  })),

  // ---- bulkCreateTasks: inline items (reported per item; the batch goes on) ----
  {
    what: 'an item with priority 0',
    submit: { how: 'bulk item', item: { contact: { name: 'p0' }, priority: 0 } },
    field: 'priority',
    limit: /at least 1 \(got 0\)/,
  },
  {
    what: 'an item with an empty name',
    submit: { how: 'bulk item', item: { contact: { name: '' } } },
    field: 'contact.name',
    limit: /at least 1 character/,
  },
  {
    what: 'an item with a misspelt field',
    submit: { how: 'bulk item', item: { contact: { name: 'q' }, queue: SUPPORT_QUEUE } },
    field: 'queue',
    limit: /not a known field/,
  },
  {
    what: 'an item with a deadline as a word',
    submit: { how: 'bulk item', item: { contact: { name: 'd' }, deadlineSeconds: 'soon' } },
    field: 'deadlineSeconds',
    limit: /must be a number/,
  },
  {
    what: 'an item whose criteria level is 0',
    submit: {
      how: 'bulk item',
      item: { contact: { name: 'c' }, ...criteria({ expression: condition({ proficiencyLevel: 0 }) }) },
    },
    field: `${CRITERIA_CONDITION}.proficiencyLevel`,
    limit: /at least 1/,
  },
  {
    what: 'an item with a contact flow under create-then-associate',
    submit: { how: 'bulk item', item: { contact: { name: 'f' }, contactFlowId: 'flow' } },
    field: 'contactFlowId',
    limit: /only used with strategy start-task-contact/,
  },

  // ---- bulkCreateTasks: CSV rows (reported by line; the batch goes on) ----
  {
    what: 'a CSV row with an extra column',
    submit: { how: 'bulk CSV row', row: 'csv-extra,Extra column,3,,T-2,surplus' },
    field: 'row',
    limit: /the row has 6 columns; the header has 5/,
  },
  {
    what: 'a CSV row whose priority is a word',
    submit: { how: 'bulk CSV row', row: 'csv-word,Priority word,high,,T-3' },
    field: 'priority',
    limit: /whole number/,
  },
  {
    what: 'a CSV row with priority 0',
    submit: { how: 'bulk CSV row', row: 'csv-zero,Priority zero,0,,T-4' },
    field: 'priority',
    limit: /at least 1 \(got 0\)/,
  },
  {
    what: 'a CSV row with a name over 1,024 characters',
    submit: { how: 'bulk CSV row', row: `csv-long,${'x'.repeat(1025)},3,,T-5` },
    field: 'contact.name',
    limit: /at most 1,024 characters/,
  },
  {
    what: 'a CSV row with text after a closing quote',
    submit: { how: 'bulk CSV row', row: 'csv-quote,"Call"back,3,,T-6' },
    field: 'contact.name',
    limit: /text after its closing quote/,
  },
  {
    what: 'a CSV row with deadline 0',
    submit: { how: 'bulk CSV row', row: 'csv-deadline,Deadline zero,3,0,T-7' },
    field: 'deadlineSeconds',
    limit: /at least 1 \(got 0\)/,
  },

  // ---- bulkCreateTasks: the batch itself (one clear error) ----
  {
    what: 'a batch with both items and a source',
    submit: {
      how: 'bulkCreateTasks by type name',
      input: ({ csvLocation }) => ({
        batchId: 'both',
        items: [{ contact: { name: 'x' } }],
        source: { location: csvLocation },
      }),
      failureType: INVALID_INPUT_FAILURE_TYPE,
    },
    field: 'items',
    limit: /exactly one of items and source/,
  },
  {
    what: 'a source column mapped to a column not in the header',
    submit: {
      how: 'bulkCreateTasks by type name',
      input: ({ csvLocation }) => ({
        batchId: 'no-column',
        source: { location: csvLocation, columns: { 'contact.name': 'Customer' } },
      }),
      failureType: 'BulkSourceUnreadable',
    },
    field: 'source.columns.contact.name',
    limit: /names column "Customer", which is not in the header/,
  },
  {
    what: 'startsPerRun 5',
    submit: {
      how: 'startBulkCreateTasks',
      input: () => ({ batchId: 'starts', items: [{ contact: { name: 'x' } }], startsPerRun: 5 }),
    },
    field: 'startsPerRun',
    limit: /at least 10 \(got 5\)/,
  },
  {
    what: 'a tolerated share over 100%',
    submit: {
      how: 'startBulkCreateTasks',
      input: () => ({
        batchId: 'share',
        items: [{ contact: { name: 'x' } }],
        toleratedFailures: { percent: 150 },
      }),
    },
    field: 'toleratedFailures.percent',
    limit: /at most 100 \(got 150\)/,
  },
  {
    what: 'pages longer than a run starts',
    submit: {
      how: 'startBulkCreateTasks',
      input: ({ csvLocation }) => ({
        batchId: 'pages',
        source: { location: csvLocation, pageRows: 500 },
        startsPerRun: 100,
      }),
    },
    field: 'source.pageRows',
    limit: /must not exceed startsPerRun \(100\)/,
  },

  // ---- updates and signals on the waiting task ----
  {
    what: 'reprioritize to 0',
    submit: { how: 'update', update: 'reprioritize', argument: { priority: 0 } },
    field: 'priority',
    limit: /at least 1 \(got 0\)/,
  },
  {
    what: 'reprioritize to 1001',
    submit: { how: 'update', update: 'reprioritize', argument: { priority: 1001 } },
    field: 'priority',
    limit: /at most 1,000/,
  },
  {
    what: 'reprioritize with a word',
    submit: { how: 'update', update: 'reprioritize', argument: { priority: 'urgent' } },
    field: 'priority',
    limit: /must be a number/,
  },
  {
    what: 'reprioritize without a priority',
    submit: { how: 'update', update: 'reprioritize', argument: {} },
    field: 'priority',
    limit: /is required/,
  },
  {
    what: 'reprioritize with a field it does not take',
    submit: { how: 'update', update: 'reprioritize', argument: { priority: 2, urgent: true } },
    field: 'urgent',
    limit: /not a known field/,
  },
  {
    what: 'preferring an excluded agent',
    submit: { how: 'update', update: 'setPreferredAgents', argument: { preferredAgentIds: [DAVE] } },
    field: 'preferredAgentIds',
    limit: /must not share agents \(both list 44444444-4444-4444-8444-000000000004\)/,
  },
  {
    what: 'preferred agents as one string',
    submit: { how: 'update', update: 'setPreferredAgents', argument: { preferredAgentIds: CAROL } },
    field: 'preferredAgentIds',
    limit: /must be an array/,
  },
  {
    what: 'an empty agent id',
    submit: { how: 'update', update: 'setPreferredAgents', argument: { preferredAgentIds: [''] } },
    field: 'preferredAgentIds.0',
    limit: /at least 1 character/,
  },
  {
    what: 'widening after more than 7 days',
    submit: {
      how: 'update',
      update: 'setPreferredAgents',
      argument: { preferredAgentIds: [CAROL], widenAfterSeconds: 604_801 },
    },
    field: 'widenAfterSeconds',
    limit: /at most 604,800/,
  },
  {
    what: 'reprioritizeRouteTask to 2.5',
    submit: {
      how: 'typed update or signal',
      send: (client, id) => reprioritizeRouteTask(client, id, { priority: 2.5 }),
    },
    field: 'priority',
    limit: /must be an integer/,
  },
  {
    what: 'setPreferredAgents with 101 agents',
    submit: {
      how: 'typed update or signal',
      send: (client, id) => setPreferredAgents(client, id, { preferredAgentIds: agents(101) }),
    },
    field: 'preferredAgentIds',
    limit: /at most 100 items/,
  },
  {
    what: 'cancel with a reason that is not text',
    submit: {
      how: 'typed update or signal',
      send: (client, id) => cancelRouteTask(client, id, { reason: 42 as unknown as string }),
    },
    field: 'reason',
    limit: /must be a string/,
  },

  // ---- CLI arguments ----
  ...(
    [
      ['task start without --queue', { '--queue': undefined }, '--queue', /queueId is required/],
      ['task start --priority 0', { '--priority': '0' }, '--priority', /integer from 1 to 1000/],
      ['task start --priority high', { '--priority': 'high' }, '--priority', /integer from 1 to 1000/],
      ['task start --deadline 1.5s', { '--deadline': '1.5s' }, '--deadline', /whole seconds/],
      ['task start --deadline 100d', { '--deadline': '100d' }, '--deadline', /at most 7,776,000/],
      [
        'task start --widen-after 8d',
        { '--preferred-agent': CAROL, '--widen-after': '8d' },
        '--widen-after',
        /at most 604,800/,
      ],
      [
        'task start --strategy round-robin',
        { '--strategy': 'round-robin' },
        '--strategy',
        /Allowed choices are create-then-associate, create-connected, start-task-contact/,
      ],
      [
        'task start --name over 1,024 characters',
        { '--name': 'x'.repeat(1025) },
        '--name',
        /at most 1,024 characters/,
      ],
      [
        'task start --attribute with a space in the key',
        { '--attribute': 'claim id=1' },
        '--attribute',
        /only letters, digits, "-" and "_"/,
      ],
      [
        'task start preferring an excluded agent',
        { '--preferred-agent': DAVE, '--excluded-agent': DAVE },
        '--preferred-agent',
        /must not share agents/,
      ],
    ] as const
  ).map(([what, options, field, limit]): BadInput => ({
    what,
    submit: { how: 'cli', args: (site) => taskStartArgs(site, options) },
    field,
    limit,
  })),
  {
    what: 'task start without a workflow id',
    submit: { how: 'cli', args: () => ['task', 'start'] },
    field: 'workflowId',
    limit: /missing required argument/,
  },
  {
    what: 'task list --limit 0',
    submit: { how: 'cli', args: () => ['task', 'list', '--limit', '0'] },
    field: '--limit',
    limit: /integer from 1 to 10000/,
  },
  {
    what: 'bulk start --max-concurrent 0',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'bulk',
        'start',
        'cli-batch',
        '--items',
        ITEMS_FILE,
        '--max-concurrent',
        '0',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--max-concurrent',
    limit: /integer from 1 to 2500/,
  },
  {
    what: 'bulk start --tolerated-failures 150%',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'bulk',
        'start',
        'cli-batch',
        '--items',
        ITEMS_FILE,
        '--tolerated-failures',
        '150%',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--tolerated-failures',
    limit: /at most 100/,
  },
  {
    what: 'bulk start --page-rows 5000',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'bulk',
        'start',
        'cli-batch',
        '--source',
        'rows.csv',
        '--page-rows',
        '5000',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--page-rows',
    limit: /integer from 1 to 1000/,
  },
  {
    what: 'bulk start --delimiter of two characters',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'bulk',
        'start',
        'cli-batch',
        '--source',
        'rows.csv',
        '--delimiter',
        ';;',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--delimiter',
    limit: /at most 1 character/,
  },
  {
    what: 'schedule create --every 500ms',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'schedule',
        'create',
        'cli-schedule',
        'cli-batch',
        '--items',
        ITEMS_FILE,
        '--every',
        '500ms',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--every',
    limit: /at least 1 s/,
  },
  {
    what: 'schedule create --overlap sometimes',
    submit: {
      how: 'cli',
      args: ({ taskQueue }) => [
        'schedule',
        'create',
        'cli-schedule',
        'cli-batch',
        '--items',
        ITEMS_FILE,
        '--every',
        '1h',
        '--overlap',
        'sometimes',
        '--task-queue',
        taskQueue,
      ],
    },
    field: '--overlap',
    limit: /Allowed choices are skip, buffer-one/,
  },
  {
    what: 'schedule backfill without --end',
    submit: {
      how: 'cli',
      args: () => ['schedule', 'backfill', 'cli-schedule', '--start', '2024-01-01T00:00:00Z'],
    },
    field: '--end',
    limit: /required option/,
  },
  {
    what: 'emulator --port 70000',
    submit: { how: 'cli', args: () => ['emulator', '--port', '70000'] },
    field: '--port',
    limit: /integer from 0 to 65535/,
  },

  // ---- configuration: the worker service, createWorker, the emulator ----
  {
    what: 'worker --connect-rates create=0',
    submit: { how: 'cli', args: () => ['worker', '--connect-rates', 'create=0'] },
    field: '--connect-rates',
    limit: /connectCallRates\.create must be a number of requests per second above 0/,
  },
  {
    what: 'worker --log-level LOUD',
    submit: { how: 'cli', args: () => ['worker', '--log-level', 'LOUD'] },
    field: '--log-level',
    limit: /one of TRACE, DEBUG, INFO, WARN, ERROR/,
  },
  {
    what: 'a worker metrics address without a port',
    submit: { how: 'cli', args: () => ['worker'], env: { CONNECT_TASK_ROUTER_METRICS_ADDRESS: 'localhost' } },
    field: 'CONNECT_TASK_ROUTER_METRICS_ADDRESS',
    limit: /host:port/,
  },
  {
    what: 'createWorker with a rate of 0',
    submit: { how: 'createWorker', options: { connectCallRates: { create: 0 } } },
    field: 'connectCallRates.create',
    limit: /above 0 \(got 0\)/,
  },
  {
    what: 'createWorker with an unknown call lane',
    submit: { how: 'createWorker', options: { connectCallRates: { fast: 5 } as never } },
    field: 'connectCallRates.fast',
    limit: /not a Connect call lane \(one of create, startTask/,
  },
  {
    what: 'createWorker with a 64 MiB workflow heap',
    submit: { how: 'createWorker', options: { workflowThreadHeapMb: 64 } },
    field: 'workflowThreadHeapMb',
    limit: /at least 128/,
  },
  {
    what: 'createWorker with a poll interval of 0',
    submit: { how: 'createWorker', options: { dispatcherSettings: { pollIntervalMs: 0 } } },
    field: 'pollIntervalMs',
    limit: /pollIntervalMs must be at least 100 \(got 0\)/,
  },
  {
    what: "createWorker with a carried line over Temporal's payload limit",
    submit: {
      how: 'createWorker',
      options: { dispatcherSettings: { carriedLineMaxBytes: 4 * 1024 * 1024 } },
    },
    field: 'carriedLineMaxBytes',
    limit: /carriedLineMaxBytes must be at most 1,572,864/,
  },
  {
    what: "createWorker gathering line joins into signals over Temporal's payload limit",
    submit: { how: 'createWorker', options: { lineJoins: { maxBytes: 4 * 1024 * 1024 } } },
    field: 'maxBytes',
    limit: /maxBytes must be at most 1,048,576/,
  },
  {
    what: 'createWorker with a misspelt dispatcher setting',
    submit: { how: 'createWorker', options: { dispatcherSettings: { pollIntervalMS: 500 } as never } },
    field: 'pollIntervalMS',
    limit: /pollIntervalMS is not a known field/,
  },
  {
    what: 'an emulator agent in an unknown status',
    submit: {
      how: 'emulator config',
      config: {
        agents: [
          {
            id: 'zoe',
            username: 'zoe',
            routingProfileId: '33333333-3333-4333-8333-000000000001',
            status: 'Napping',
          },
        ],
      },
    },
    field: 'status',
    limit: /unknown status Napping \(known: Available, Offline, Lunch, Training\)/,
  },
  {
    what: 'an emulator proficiency naming no predefined attribute',
    submit: {
      how: 'emulator config',
      config: {
        predefinedAttributes: { Language: ['Spanish'] },
        agents: [
          {
            id: 'zoe',
            username: 'zoe',
            routingProfileId: '33333333-3333-4333-8333-000000000001',
            proficiencies: [{ name: 'Cooking', value: 'Pasta', level: 3 }],
          },
        ],
      },
    },
    field: 'proficiencies[0].name',
    limit: /no predefined attribute Cooking \(known: Language\)/,
  },
  {
    what: 'an emulator proficiency at level 6',
    submit: {
      how: 'emulator config',
      config: {
        predefinedAttributes: { Language: ['Spanish'] },
        agents: [
          {
            id: 'zoe',
            username: 'zoe',
            routingProfileId: '33333333-3333-4333-8333-000000000001',
            proficiencies: [{ name: 'Language', value: 'Spanish', level: 6 }],
          },
        ],
      },
    },
    field: 'level',
    limit: /<=5/,
  },
  {
    what: 'an emulator routing profile with 11 task slots',
    submit: {
      how: 'emulator config',
      config: {
        routingProfiles: [
          { id: 'p', name: 'P', queueIds: ['22222222-2222-4222-8222-000000000001'], taskConcurrency: 11 },
        ],
      },
    },
    field: 'taskConcurrency',
    limit: /<=10/,
  },
  {
    what: 'an emulator config key that does not exist',
    submit: { how: 'emulator config', config: { behaviour: 'legacy' } },
    field: 'behaviour',
    limit: /Unrecognized key/,
  },
];

/** The Connect operations a task's input leads to: none may be called for a bad input. */
const TASK_OPERATIONS: OperationName[] = [
  'CreateContact',
  'StartTaskContact',
  'TransferContact',
  'AssociateContactWithUser',
  'DescribeContact',
  'StopContact',
  'ListUserProficiencies',
];

/** `promise`, or undefined if it has not settled after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, sleep(ms, undefined, { ref: false })]);
}

type Answer = { accepted: unknown } | { error: unknown };

async function answerOf(promise: Promise<unknown>): Promise<Answer> {
  return promise.then(
    (accepted) => ({ accepted }),
    (error: unknown) => ({ error }),
  );
}

function notRefused(detail: string): Verdict {
  return { refused: false, detail };
}

/** Refused if the error is the expected refusal, which `read` recognises and reads the message from. */
function verdictOf(
  answer: Answer,
  read: (error: unknown) => { message: string; fields?: string[] } | undefined,
): Verdict {
  if ('accepted' in answer) return notRefused(`accepted: ${JSON.stringify(answer.accepted)?.slice(0, 200)}`);
  const refused = read(answer.error);
  if (refused) return { refused: true, ...refused };
  const { cause } = answer.error as { cause?: unknown };
  return notRefused(`another error: ${String(answer.error)}${cause ? ` (${String(cause)})` : ''}`);
}

const errorMessage = (error: unknown) => (error instanceof Error ? { message: error.message } : undefined);

function issueFields(issues: readonly ConnectValidationIssue[]): string[] {
  return issues.map((issue) => issue.field);
}

/** A run started by type name: it must fail at once, non-retryable, with a failure of `type`. */
async function failureOfRun(
  result: Promise<unknown>,
  terminate: () => Promise<unknown>,
  type: string,
): Promise<Verdict> {
  const answer = await within(answerOf(result), REFUSAL_WAIT_MS);
  if (answer === undefined) {
    await terminate().catch(() => undefined);
    return notRefused(`the run was still going after ${REFUSAL_WAIT_MS} ms`);
  }
  return verdictOf(answer, (error) => {
    if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof ApplicationFailure))
      return undefined;
    const { cause } = error;
    if (cause.type !== type || !cause.nonRetryable) return undefined;
    const details = cause.details?.[0] as { issues?: ConnectValidationIssue[] } | undefined;
    return { message: cause.message, fields: details?.issues && issueFields(details.issues) };
  });
}

describe('bad input: refused with the field and the limit, at no Connect call, disturbing nothing', () => {
  let stack: RoutingStack;
  let workDir = '';
  let restoreEnvironment = (): void => undefined;

  before(async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    restoreEnvironment = useTemporalAddress(stack.temporalAddress);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
    fs.writeFileSync(path.join(workDir, ITEMS_FILE), JSON.stringify([{ contact: { name: 'x' } }]));
  });
  after(async () => {
    restoreEnvironment();
    fs.rmSync(workDir, { recursive: true, force: true });
    await stack?.stop();
  });

  it(`refuses each of the table's ${BAD_INPUTS.length} inputs`, async () => {
    assert.ok(BAD_INPUTS.length >= 40, `${BAD_INPUTS.length} cases`);
    const { client, instanceId, taskQueue, emulator } = stack;
    const site: Site = { instanceId, taskQueue };
    const taskCalls = () => {
      const { calls } = emulator.ledger();
      return Object.fromEntries(TASK_OPERATIONS.map((operation) => [operation, calls[operation] ?? 0]));
    };

    // A valid task waits (every agent is offline) while the bad inputs come: the updates' target.
    const before = await stack.startTask('before', {
      queueId: SUPPORT_QUEUE,
      excludedAgentIds: [DAVE],
      contact: { name: 'Valid task before the bad inputs' },
    });
    await stack.waitForStatus(before, (status) => status.stage === 'waiting-for-agent');
    /** What one valid task costs until it waits: the batches' valid rows may cost this much each. */
    const oneTaskCalls = taskCalls();

    const verdicts = new Map<BadInput, Verdict | Promise<Verdict>>();
    const cases = <H extends Submission['how']>(how: H) =>
      BAD_INPUTS.filter(
        (bad): bad is BadInput & { submit: Extract<Submission, { how: H }> } => bad.submit.how === how,
      );

    // Batches of items and rows, each with one valid item: they run while the other cases go.
    const batchDefaults = { instanceId, queueId: SUPPORT_QUEUE, transferFlowId: TRANSFER_FLOW };
    const itemCases = cases('bulk item');
    const itemBatch = `bad-items-${instanceId}`;
    const itemsRun = (
      await startBulkCreateTasks(
        client,
        {
          batchId: itemBatch,
          items: [
            ...itemCases.map(({ submit }, n) => ({ key: `bad-${n}`, ...submit.item })),
            { key: 'good', contact: { name: 'Valid bulk item' } },
          ],
          defaults: batchDefaults,
        },
        { taskQueue },
      )
    ).result();
    itemCases.forEach((bad, n) =>
      verdicts.set(
        bad,
        itemsRun.then((result) => itemVerdict(result, (item) => item.key === `bad-${n}`)),
      ),
    );

    const header = 'key,contact.name,priority,deadlineSeconds,contact.attributes.ticket';
    const csvLocation = path.join(workDir, 'rows.csv');
    fs.writeFileSync(csvLocation, `${header}\ncsv-good,Valid CSV row,3,,T-1\n`);
    const rowCases = cases('bulk CSV row');
    const rowsLocation = path.join(workDir, 'bad-rows.csv');
    fs.writeFileSync(
      rowsLocation,
      [header, 'csv-good,Valid CSV row,3,,T-1', ...rowCases.map(({ submit }) => submit.row)].join('\n'),
    );
    const rowBatch = `bad-rows-${instanceId}`;
    const rowsRun = (
      await startBulkCreateTasks(
        client,
        { batchId: rowBatch, source: { location: rowsLocation }, defaults: batchDefaults },
        { taskQueue },
      )
    ).result();
    // Line 1 is the header, line 2 the valid row.
    rowCases.forEach((bad, n) =>
      verdicts.set(
        bad,
        rowsRun.then((result) => itemVerdict(result, (item) => item.line === n + 3)),
      ),
    );

    // routeTask by type name (the workflow's own validation answers) and through startRouteTask.
    const routeTaskCases = cases('routeTask');
    for (const [n, bad] of routeTaskCases.entries()) {
      const input = {
        instanceId,
        queueId: SUPPORT_QUEUE,
        transferFlowId: TRANSFER_FLOW,
        contact: { name: 'Bad input' },
        ...bad.submit.change,
      };
      verdicts.set(bad, routeTaskVerdict(input, `bad-input/${instanceId}/route-task-${n}`));
    }

    const csvSite: CsvSite = { ...site, csvLocation };
    for (const [n, bad] of cases('bulkCreateTasks by type name').entries()) {
      const workflowId = `bad-input/${instanceId}/batch-${n}`;
      verdicts.set(
        bad,
        client.workflow
          .start('bulkCreateTasks', { args: [bad.submit.input(csvSite)], taskQueue, workflowId })
          .then((handle) => failureOfRun(handle.result(), () => handle.terminate(), bad.submit.failureType)),
      );
    }
    for (const bad of cases('startBulkCreateTasks')) {
      verdicts.set(
        bad,
        typedRefusal(
          startBulkCreateTasks(client, bad.submit.input(csvSite) as BulkCreateTasksInput, { taskQueue }),
          BulkCreateTasksInputError,
        ),
      );
    }
    /** Reported by a batch, once its valid items are assigned: judged at the end. */
    const inBatches = (bad: BadInput) => ['bulk item', 'bulk CSV row'].includes(bad.submit.how);
    await Promise.all([...verdicts].filter(([bad]) => !inBatches(bad)).map(([, verdict]) => verdict));

    // Updates and signals on the waiting task, one at a time.
    const waiting = client.workflow.getHandle(before.workflowId);
    for (const bad of cases('update')) {
      const answer = await answerOf(
        waiting.executeUpdate(bad.submit.update, { args: [bad.submit.argument] }),
      );
      verdicts.set(
        bad,
        verdictOf(answer, (error) =>
          error instanceof WorkflowUpdateFailedError ? errorMessage(error.cause) : undefined,
        ),
      );
    }
    for (const bad of cases('typed update or signal')) {
      verdicts.set(
        bad,
        await typedRefusal(bad.submit.send(client, before.workflowId), RouteTaskArgumentError),
      );
    }

    // The CLI, one command at a time (each run captures this process's output).
    for (const bad of cases('cli')) {
      const saved = Object.fromEntries(
        Object.keys(bad.submit.env ?? {}).map((name) => [name, process.env[name]]),
      );
      Object.assign(process.env, bad.submit.env);
      const run = await runCli(bad.submit.args(site), { cwd: workDir }).finally(() => {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      });
      verdicts.set(
        bad,
        // The first line says what is wrong (the emulator command adds its usage after it).
        run.code === 1 && run.stdout === '' && run.stderr.startsWith('error: ')
          ? { refused: true, message: run.stderr.split('\n')[0]! }
          : notRefused(
              `exit code ${run.code}, stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)}`,
            ),
      );
    }

    // Configuration.
    const env = await sharedTestEnv();
    for (const bad of cases('createWorker')) {
      const answer = await answerOf(
        createWorker({
          connection: env.nativeConnection,
          temporal: client,
          taskQueue: uniqueTaskQueue('bad-input-worker'),
          ...bad.submit.options,
        }),
      );
      verdicts.set(bad, verdictOf(answer, errorMessage));
    }
    for (const [n, bad] of cases('emulator config').entries()) {
      const file = path.join(workDir, `emulator-${n}.json`);
      fs.writeFileSync(file, JSON.stringify(bad.submit.config));
      const answer = await answerOf(
        startEmulator({ config: file }).then(async (started) => {
          await started.stop();
          return 'an emulator';
        }),
      );
      verdicts.set(bad, verdictOf(answer, errorMessage));
    }

    // Every row of both batches has been read, and their valid items wait in line like the first task.
    const validItems = [bulkItemWorkflowId(itemBatch, 'good'), bulkItemWorkflowId(rowBatch, 'csv-good')];
    for (const workflowId of validItems) {
      await waitUntil(`${workflowId} waiting for an agent`, async () => {
        const status = await client.workflow
          .getHandle(workflowId)
          .query(routeTaskStatusQuery)
          .catch(() => undefined);
        return status?.stage === 'waiting-for-agent' ? true : undefined;
      });
    }

    // Each case answered directly: refused, naming its field and its limit.
    assert.deepEqual(await misjudged(BAD_INPUTS.filter((bad) => !inBatches(bad))), []);

    // No Connect call for any bad input: only the valid items' own calls, as many as the first task's.
    const expectedCalls = Object.fromEntries(
      TASK_OPERATIONS.map((operation) => [
        operation,
        (oneTaskCalls[operation] ?? 0) * (1 + validItems.length),
      ]),
    );
    assert.deepEqual(taskCalls(), expectedCalls, `the first task alone made ${JSON.stringify(oneTaskCalls)}`);
    assert.deepEqual(
      [...new Set(emulator.snapshot().contacts.map((contact) => contact.name))].sort(),
      ['Valid CSV row', 'Valid bulk item', 'Valid task before the bad inputs'],
      'contacts exist for the valid inputs only',
    );
    // The refused updates and the refused cancel never reached the waiting task's history.
    const events = (await waiting.fetchHistory()).events ?? [];
    assert.deepEqual(
      events.filter(
        (event) =>
          event.workflowExecutionUpdateAcceptedEventAttributes ||
          event.workflowExecutionUpdateAdmittedEventAttributes ||
          event.workflowExecutionSignaledEventAttributes?.signalName === 'cancel',
      ),
      [],
    );
    const status = await before.query(routeTaskStatusQuery);
    assert.deepEqual(
      { stage: status.stage, priority: status.priority, preferredAgentIds: status.preferredAgentIds },
      { stage: 'waiting-for-agent', priority: 5, preferredAgentIds: [] },
    );

    // Agents log in, a valid task comes after the bad inputs: every valid task is assigned exactly once.
    for (const agent of [CAROL, DAVE, ERIN]) emulator.setAgentStatus(agent, 'Available');
    const after = await stack.startTask('after', {
      queueId: SUPPORT_QUEUE,
      contact: { name: 'Valid task after the bad inputs' },
    });
    const results: RouteTaskResult[] = await Promise.all([
      before.result(),
      after.result(),
      ...validItems.map((workflowId) => waitForRouteTask(client, workflowId)),
    ]);
    assertEachTaskAssignedOnce(emulator, results);
    for (const [batch, run] of [
      [itemBatch, itemsRun],
      [rowBatch, rowsRun],
    ] as const) {
      const { counts } = await run;
      assert.deepEqual(
        { assigned: counts.assigned, rejected: counts.rejected, failed: counts.failed },
        { assigned: 1, rejected: batch === itemBatch ? itemCases.length : rowCases.length, failed: 0 },
        batch,
      );
    }

    // Each item and row: reported rejected, naming its field and its limit.
    assert.deepEqual(await misjudged(BAD_INPUTS.filter(inBatches)), []);

    /** What is wrong with the verdicts on `bads`: one line per case not refused as it should be. */
    async function misjudged(bads: BadInput[]): Promise<string[]> {
      const wrong: string[] = [];
      for (const bad of bads) {
        const verdict = await verdicts.get(bad);
        const label = `${bad.submit.how}: ${bad.what}`;
        if (!verdict) wrong.push(`${label}: never submitted`);
        else if (!verdict.refused) wrong.push(`${label}: not refused (${verdict.detail})`);
        else {
          if (!verdict.message.includes(bad.field)) {
            wrong.push(`${label}: "${verdict.message}" does not name ${bad.field}`);
          }
          if (!bad.limit.test(verdict.message)) {
            wrong.push(`${label}: "${verdict.message}" does not state the limit ${bad.limit}`);
          }
          if (verdict.fields && !verdict.fields.includes(bad.field)) {
            wrong.push(`${label}: the issues name ${JSON.stringify(verdict.fields)}, not ${bad.field}`);
          }
        }
      }
      return wrong;
    }

    /** The typed client's refusal: an error of `type`, with the issues. */
    async function typedRefusal(
      call: Promise<unknown>,
      type: new (...args: never[]) => Error & { issues: ConnectValidationIssue[] },
    ): Promise<Verdict> {
      return verdictOf(await answerOf(call), (error) =>
        error instanceof type ? { message: error.message, fields: issueFields(error.issues) } : undefined,
      );
    }

    /** Both ways in must refuse the input, with the same issues; the typed client before starting a run. */
    async function routeTaskVerdict(input: Record<string, unknown>, workflowId: string): Promise<Verdict> {
      const typedId = `${workflowId}/typed`;
      const typed = await typedRefusal(
        startRouteTask(client, input as never, { workflowId: typedId, taskQueue }),
        RouteTaskInputError,
      );
      const started = await answerOf(client.workflow.getHandle(typedId).describe());
      if (!('error' in started && started.error instanceof WorkflowNotFoundError)) {
        return notRefused('startRouteTask started a run');
      }
      const handle = await client.workflow.start('routeTask', { args: [input], taskQueue, workflowId });
      const byTypeName = await failureOfRun(
        handle.result(),
        () => handle.terminate(),
        INVALID_INPUT_FAILURE_TYPE,
      );
      if (!typed.refused || !byTypeName.refused) return typed.refused ? byTypeName : typed;
      if (typed.message !== byTypeName.message) {
        return notRefused(`startRouteTask said "${typed.message}", the workflow "${byTypeName.message}"`);
      }
      return byTypeName;
    }

    /** A batch's report on one of its items: rejected, with its issues. */
    function itemVerdict(result: BulkCreateTasksResult, which: (item: BulkItemReport) => boolean): Verdict {
      const item = result.items?.find(which);
      if (!item) return notRefused('no report for the item');
      if (item.status !== 'rejected' || !item.issues) return notRefused(`reported ${JSON.stringify(item)}`);
      return {
        refused: true,
        message: item.issues.map((issue) => issue.message).join('; '),
        fields: issueFields(item.issues),
      };
    }
  });
});
