/**
 * The committed JSON Schemas (`schemas/`) are exactly what `npm run schemas` generates from the zod
 * schemas now, and a standard JSON Schema validator (ajv, draft 2020-12) judges real payloads with
 * them as the workflows do: valid inputs pass, invalid ones fail naming the field (as routeTask's own
 * validation does), and results, query answers and update answers built by the real state classes pass.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TypedSearchAttributes } from '@temporalio/common';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  generateJsonSchemas,
  JSON_SCHEMA_SPECS,
  SCHEMAS_DIR,
  schemaFileName,
  schemaId,
} from '../../src/dev/json-schemas';
import type { ConnectValidationIssue } from '../../src/shared/connect-validation';
import { BulkBatchState } from '../../src/shared/bulk-batch-state';
import { parseBulkCreateTasksInput } from '../../src/shared/bulk-create-contract';
import {
  type AgentState,
  DEFAULT_DISPATCHER_SETTINGS,
  type Reservation,
  type WaitNotice,
} from '../../src/shared/dispatcher-contract';
import { DispatcherBook } from '../../src/shared/routing/dispatcher-book';
import {
  parseRouteTaskInput,
  reprioritizeIssues,
  type RouteTaskInput,
  setPreferredAgentsIssues,
} from '../../src/shared/route-task-contract';
import { RouteTaskState } from '../../src/shared/route-task-state';
import { waitingTask } from '../helpers/waiting-task';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const INSTANCE = '11111111-1111-4111-8111-111111111111';

/** The README's example input. */
const VALID_INPUT: RouteTaskInput = {
  instanceId: INSTANCE,
  queueId: '22222222-2222-4222-8222-000000000001',
  contact: {
    name: 'Call back Mrs Example',
    description: 'About invoice 42',
    attributes: { ticket: 'T-1' },
    references: { ticket: { type: 'URL', value: 'https://tickets.example.com/T-1' } },
    expiryDurationInMinutes: 240,
  },
  transferFlowId: '66666666-6666-4666-8666-000000000003',
  priority: 2,
  preferredAgentIds: ['44444444-4444-4444-8444-000000000002'],
  widenAfterSeconds: 30,
  allowedStatuses: ['Available', 'Back office'],
  deadlineSeconds: 3600,
};

/** The wire form another language sees: JSON, without the fields that are undefined. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function validators(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const byName = new Map<string, ValidateFunction>();
  for (const spec of JSON_SCHEMA_SPECS) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, schemaFileName(spec.name)), 'utf8'));
    byName.set(spec.name, ajv.compile(schema));
  }
  return byName;
}

/** The field an ajv error is about, dotted as routeTask's own issues name it (`contact.name`). */
function fieldOf(error: ErrorObject): string {
  const at = error.instancePath.split('/').slice(1);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const named = params.missingProperty ?? params.additionalProperty;
  return [...at, ...(named === undefined ? [] : [named])].join('.');
}

/** A workflow issue is about `field`: at it, or at the object holding it with its name in the message (an unknown key). */
function namesField(issue: ConnectValidationIssue, field: string): boolean {
  if (issue.field === field) return true;
  const at = field.split('.');
  const key = at.pop() ?? '';
  return issue.field === at.join('.') && issue.message.includes(`"${key}"`);
}

describe('JSON Schemas', () => {
  let validate: Map<string, ValidateFunction>;
  before(() => {
    validate = validators();
  });

  function check(name: string, value: unknown): ErrorObject[] {
    const validator = validate.get(name);
    assert.ok(validator, `a schema named ${name}`);
    return validator(asJson(value)) ? [] : [...(validator.errors ?? [])];
  }

  function assertValid(name: string, value: unknown): void {
    const errors = check(name, value);
    assert.deepEqual(
      errors.map((error) => `${fieldOf(error)}: ${error.message}`),
      [],
      `valid as ${name}: ${JSON.stringify(asJson(value))}`,
    );
  }

  describe('the committed files', () => {
    it('are what `npm run schemas` generates now (run it after changing a contract)', async () => {
      const generated = await generateJsonSchemas();
      const committed = fs.readdirSync(SCHEMAS_DIR).filter((file) => file.endsWith('.schema.json'));
      assert.deepEqual(
        committed.sort(),
        [...generated.keys()].sort(),
        'the same files: run `npm run schemas`',
      );
      for (const [file, text] of generated) {
        assert.equal(
          fs.readFileSync(path.join(SCHEMAS_DIR, file), 'utf8'),
          text,
          `schemas/${file} is stale: run \`npm run schemas\` and commit the result`,
        );
      }
    });

    it('are draft 2020-12 with an $id and a title each, and compile in strict mode', () => {
      for (const spec of JSON_SCHEMA_SPECS) {
        const file = path.join(SCHEMAS_DIR, schemaFileName(spec.name));
        const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', file);
        assert.equal(schema.$id, schemaId(spec.name), file);
        assert.equal(typeof schema.title, 'string', file);
        assert.equal(typeof schema.description, 'string', `${file} says what it is`);
      }
      assert.equal(validate.size, JSON_SCHEMA_SPECS.length);
    });

    it('carry the field docs of the contracts', () => {
      const input = JSON.parse(
        fs.readFileSync(path.join(SCHEMAS_DIR, 'routeTask.input.schema.json'), 'utf8'),
      ) as { properties: Record<string, { description?: string }> };
      assert.match(input.properties.transferFlowId.description ?? '', /transfer-to-queue flow/);
      const result = JSON.parse(
        fs.readFileSync(path.join(SCHEMAS_DIR, 'routeTask.result.schema.json'), 'utf8'),
      ) as { properties: Record<string, { description?: string }> };
      assert.match(result.properties.assignedAt.description ?? '', /assigned means accepted/);
    });
  });

  describe('routeTask input', () => {
    it('accepts a valid input, as the workflow does', () => {
      assertValid('routeTask.input', VALID_INPUT);
      assertValid('routeTask.input', {
        instanceId: INSTANCE,
        queueId: 'billing',
        contact: { name: 'Scheduled' },
        strategy: 'start-task-contact',
        contactFlowId: 'flow-1',
        scheduledTime: new Date(Date.now() + 3_600_000).toISOString(),
      });
      assert.ok(parseRouteTaskInput(VALID_INPUT, new Date()).ok);
    });

    const invalid: { what: string; input: Record<string, unknown>; field: string }[] = [
      { what: 'no instanceId', input: { ...VALID_INPUT, instanceId: undefined }, field: 'instanceId' },
      {
        what: 'no contact name',
        input: { ...VALID_INPUT, contact: { description: 'x' } },
        field: 'contact.name',
      },
      {
        what: 'an empty contact name',
        input: { ...VALID_INPUT, contact: { name: '' } },
        field: 'contact.name',
      },
      { what: 'priority 0', input: { ...VALID_INPUT, priority: 0 }, field: 'priority' },
      { what: 'priority 1,001', input: { ...VALID_INPUT, priority: 1001 }, field: 'priority' },
      { what: 'a fractional priority', input: { ...VALID_INPUT, priority: 2.5 }, field: 'priority' },
      { what: 'priority as a string', input: { ...VALID_INPUT, priority: '2' }, field: 'priority' },
      { what: 'an unknown strategy', input: { ...VALID_INPUT, strategy: 'round-robin' }, field: 'strategy' },
      {
        what: 'a negative widenAfterSeconds',
        input: { ...VALID_INPUT, widenAfterSeconds: -1 },
        field: 'widenAfterSeconds',
      },
      {
        what: '101 preferred agents',
        input: { ...VALID_INPUT, preferredAgentIds: Array.from({ length: 101 }, (_, i) => `agent-${i}`) },
        field: 'preferredAgentIds',
      },
      { what: 'no allowed status', input: { ...VALID_INPUT, allowedStatuses: [] }, field: 'allowedStatuses' },
      {
        what: 'a scheduledTime that is not a time',
        input: {
          ...VALID_INPUT,
          strategy: 'start-task-contact',
          contactFlowId: 'f',
          scheduledTime: 'tomorrow',
        },
        field: 'scheduledTime',
      },
      {
        what: 'a reference of an unknown type',
        input: { ...VALID_INPUT, contact: { name: 'x', references: { doc: { type: 'PDF', value: 'x' } } } },
        field: 'contact.references.doc.type',
      },
      {
        what: 'an attribute that is not a string',
        input: { ...VALID_INPUT, contact: { name: 'x', attributes: { count: 3 } } },
        field: 'contact.attributes.count',
      },
      { what: 'a misspelt field', input: { ...VALID_INPUT, queue: 'billing' }, field: 'queue' },
      {
        what: 'an unknown contact field',
        input: { ...VALID_INPUT, contact: { name: 'x', Name: 'x' } },
        field: 'contact.Name',
      },
    ];
    for (const { what, input, field } of invalid) {
      it(`rejects ${what}, naming ${field}, as the workflow does`, () => {
        const errors = check('routeTask.input', input);
        assert.ok(errors.length > 0, 'invalid');
        assert.deepEqual([...new Set(errors.map(fieldOf))], [field], JSON.stringify(errors));

        const parsed = parseRouteTaskInput(asJson(input), new Date(T0));
        assert.ok(!parsed.ok, 'the workflow rejects it too');
        assert.ok(
          parsed.issues.some((issue) => namesField(issue, field)),
          `the workflow names ${field}: ${JSON.stringify(parsed.issues)}`,
        );
      });
    }
  });

  describe('routeTask result, status and updates', () => {
    function waitingState(): RouteTaskState {
      const parsed = parseRouteTaskInput(
        { ...VALID_INPUT, deadlineSeconds: undefined, preferredAgentIds: ['bob'] },
        new Date(T0),
      );
      assert.ok(parsed.ok);
      const state = new RouteTaskState(parsed.request, 'task-1', T0, new TypedSearchAttributes());
      state.countAttempts('createContact', 2);
      state.contactCreated({ contactId: 'contact-1', createdAt: new Date(T0 + 100).toISOString() });
      state.joinedLine(state.joinLine(T0 + 1000), T0 + 1000);
      const notice: WaitNotice = {
        taskId: 'task-1',
        decision: { reason: 'no-free-slot', candidateCount: 2 },
        position: 3,
        waitingCount: 7,
      };
      state.noteWait(notice, T0 + 2000);
      return state;
    }
    const reservation = (userId: string, agentName?: string): Reservation => ({
      reservationId: `r-${userId}`,
      taskId: 'task-1',
      userId,
      agentName,
      expiresAt: T0 + 60_000,
    });

    it('accepts the status at each stage and the result of an assigned run (from RouteTaskState)', () => {
      const state = waitingState();
      assertValid('routeTask.query.status', state.status());
      state.receiveReservation(reservation('bob'));
      state.takeReservation(T0 + 2500);
      assertValid('routeTask.query.status', state.status());
      state.reservationOffered(
        { contactId: 'contact-1', createdAt: new Date(T0 + 100).toISOString() },
        T0 + 3000,
      );
      state.offerAnswered('missed', T0 + 4000);
      state.receiveReservation(reservation('alice', 'Alice A.'));
      state.takeReservation(T0 + 5000);
      state.reservationOffered(
        { contactId: 'contact-1', createdAt: new Date(T0 + 100).toISOString() },
        T0 + 5500,
      );
      assertValid('routeTask.query.status', state.status());
      state.offerAnswered('accepted', T0 + 6000);

      const result = state.finishAssigned();
      assert.equal(result.outcome, 'assigned');
      assert.equal(result.offers.length, 2);
      assertValid('routeTask.result', result);
      assertValid('routeTask.query.status', state.status());
    });

    it('accepts the result of a cancelled run', () => {
      const state = waitingState();
      state.requestCancel('the customer called back');
      state.stop({ outcome: 'cancelled', reason: 'the customer called back' });
      const result = state.finishInterrupted();
      assert.equal(result.outcome, 'cancelled');
      assertValid('routeTask.result', result);
    });

    it('rejects a result that is not one', () => {
      const result = {
        outcome: 'done',
        queueId: 'q',
        reservationsTried: 1,
        attemptsByActivity: {},
        offers: [],
      };
      assert.deepEqual(check('routeTask.result', result).map(fieldOf), ['outcome']);
      assert.deepEqual(
        check('routeTask.result', { ...result, outcome: 'assigned', assignedAt: 'yesterday' }).map(fieldOf),
        ['assignedAt', 'assignedAt'], // the format and zod's pattern for it
      );
    });

    it('judges update arguments and answers as the workflow does', () => {
      assertValid('routeTask.update.reprioritize', { priority: 1 });
      assert.deepEqual(check('routeTask.update.reprioritize', { priority: 0 }).map(fieldOf), ['priority']);
      assert.equal(reprioritizeIssues({ priority: 0 })[0]?.field, 'priority');
      assertValid('routeTask.update.reprioritize.result', 1);

      assertValid('routeTask.update.setPreferredAgents', {
        preferredAgentIds: ['alice'],
        widenAfterSeconds: 10,
      });
      const tooLong = { preferredAgentIds: ['alice'], widenAfterSeconds: 8 * 24 * 3600 };
      assert.deepEqual(check('routeTask.update.setPreferredAgents', tooLong).map(fieldOf), [
        'widenAfterSeconds',
      ]);
      assert.equal(setPreferredAgentsIssues(tooLong, [])[0]?.field, 'widenAfterSeconds');

      const state = waitingState();
      assertValid(
        'routeTask.update.setPreferredAgents.result',
        state.setPreferredAgents({ preferredAgentIds: ['alice'] }, T0 + 3000).answer,
      );
      assertValid('routeTask.signal.cancel', { reason: 'no longer needed' });
      assertValid('routeTask.signal.cancel', {});
    });
  });

  describe('bulkCreateTasks', () => {
    it('accepts a valid input and the progress and result of a batch (from BulkBatchState)', () => {
      const input = {
        batchId: 'nightly-2026-03-02',
        defaults: { instanceId: INSTANCE, queueId: 'billing', transferFlowId: 'transfer-to-queue' },
        items: [
          { key: 'claim-1', contact: { name: 'A' } },
          { key: 'claim-2', contact: { name: 'B' } },
          { key: 'claim-3', contact: { name: 'C' } },
          { key: 'claim-4', priority: 0, contact: { name: 'D' } },
        ],
        maxConcurrent: 10,
        toleratedFailures: { percent: 50 },
      };
      assertValid('bulkCreateTasks.input', input);
      const parsed = parseBulkCreateTasksInput(input);
      assert.ok(parsed.ok);
      const state = new BulkBatchState(parsed.request, new Date(T0));
      const started = state.takeStarts();
      assert.equal(started.length, 3, 'the invalid item is rejected');
      state.news({ workflowId: started[0].workflowId, news: 'created', contactId: 'c-1' });
      assertValid('bulkCreateTasks.query.progress', state.progress());
      state.news({
        workflowId: started[0].workflowId,
        news: 'ended',
        outcome: 'assigned',
        contactId: 'c-1',
        userId: 'alice',
      });
      state.alreadyExisted(started[1].workflowId);
      state.childEnded(started[2].workflowId, 'activity failed');
      const result = state.result();
      assert.deepEqual(
        result.items?.map((item) => item.status),
        ['assigned', 'already-existed', 'failed', 'rejected'],
      );
      assertValid('bulkCreateTasks.result', result);
    });

    it('rejects a batch input naming the field', () => {
      const errors = check('bulkCreateTasks.input', { batchId: 'a b', items: [] });
      assert.deepEqual([...new Set(errors.map(fieldOf))].sort(), ['batchId', 'items']);
    });
  });

  describe('connectDispatcher queueStatistics', () => {
    it('accepts the answer of a book with waiting, offered and accepted tasks (from DispatcherBook)', () => {
      const book = new DispatcherBook(DEFAULT_DISPATCHER_SETTINGS);
      book.setRoutingProfileQueues('rp', { manual: ['billing', 'support'], routed: [] });
      for (const [i, queueId] of ['billing', 'billing', 'support', 'billing'].entries()) {
        book.enqueue(waitingTask(`task-${i}`, T0 + i, { queueId, priority: 1 + (i % 2) }));
      }
      const agent = (
        userId: string,
        observedAt: number,
        contacts: AgentState['contacts'] = [],
      ): AgentState => ({
        userId,
        routingProfileId: 'rp',
        statusName: 'Available',
        statusSince: T0,
        freeTaskSlots: 1,
        contacts,
        observedAt,
      });
      book.applySnapshot([agent('alice', T0 + 1_000), agent('bob', T0 + 1_000)], T0 + 1_000);
      const [first] = book.round(T0 + 1_000).reservations;
      book.settle(first!.reservationId, 'offered', T0 + 1_100, 'contact-0');
      book.applySnapshot(
        [agent('alice', T0 + 2_000, [{ contactId: 'contact-0', state: 'CONNECTED' }])],
        T0 + 2_000,
      );
      book.round(T0 + 2_000);
      const answer = { instanceId: INSTANCE, ...book.queueStatistics(T0 + 3_000) };
      assert.ok(answer.queues.some((queue) => queue.priorities.some((figures) => figures.assigned === 1)));
      assertValid('connectDispatcher.query.queueStatistics', answer);

      const [billing] = answer.queues;
      const wrong = { ...billing!, priorities: [{ ...billing!.priorities[0]!, withinServiceLevel: 1.5 }] };
      assert.deepEqual(
        check('connectDispatcher.query.queueStatistics', { ...answer, queues: [wrong] }).map(fieldOf),
        ['queues.0.priorities.0.withinServiceLevel'],
      );
    });
  });
});
