import assert from 'node:assert/strict';
import type { AgentState, WaitingTask } from '../../../src/shared/dispatcher-contract';
import { agentState } from '../../helpers/agent-state';
import { bookSettings } from '../../helpers/book-settings';
import { waitingTask } from '../../helpers/waiting-task';
import type { RoutingCriteria } from '../../../src/shared/routing-criteria';
import { type BookSettings, DispatcherBook } from '../../../src/shared/routing/dispatcher-book';
import { matchTasksToAgents, type MatchingInput } from '../../../src/shared/routing/matching';
import {
  describeExpression,
  meets,
  skillLevels,
  stepAt,
  stepsStartAt,
} from '../../../src/shared/routing/routing-steps';

const NOW = 1_000_000;
const QUEUES = { general: { manual: ['q'], routed: [] } };

const spanish = (level: number) => ({
  attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: level },
});
const billing = { attributeCondition: { name: 'Product', value: 'Billing', proficiencyLevel: 1 } };

/** Spanish ≥ 4 for 30 s, then Spanish ≥ 2 for 60 s, then any agent of the queue. */
const WIDENING: RoutingCriteria = {
  steps: [
    { expression: spanish(4), expirySeconds: 30 },
    { expression: spanish(2), expirySeconds: 60 },
  ],
};
/** Spanish ≥ 3 and Billing, forever. */
const STRICT: RoutingCriteria = { steps: [{ expression: { andExpression: [spanish(3), billing] } }] };

function task(taskId: string, routingCriteria: RoutingCriteria | undefined, enqueuedAt = NOW): WaitingTask {
  return waitingTask(taskId, enqueuedAt, { queueId: 'q', ...(routingCriteria ? { routingCriteria } : {}) });
}

function agent(userId: string, overrides: Partial<AgentState> = {}): AgentState {
  return agentState(userId, NOW, overrides);
}

const SKILLS = new Map([
  ['native', skillLevels([{ name: 'Language', value: 'Spanish', level: 5 }])],
  [
    'learner',
    skillLevels([
      { name: 'Language', value: 'Spanish', level: 2 },
      { name: 'Product', value: 'Billing', level: 3 },
    ]),
  ],
  ['none', skillLevels([])],
]);

function match(partial: Partial<MatchingInput>) {
  return matchTasksToAgents({
    tasks: [],
    agents: [agent('native'), agent('learner'), agent('none')],
    queuesByRoutingProfile: QUEUES,
    reservations: [],
    now: NOW,
    maxNewReservations: Infinity,
    skills: SKILLS,
    ...partial,
  });
}

describe('routing steps', () => {
  it('moves from step to step as each expires, then to the whole queue', () => {
    assert.deepEqual(stepAt(WIDENING, NOW, NOW), { index: 0, expiresAt: NOW + 30_000 });
    assert.deepEqual(stepAt(WIDENING, NOW, NOW + 29_999), { index: 0, expiresAt: NOW + 30_000 });
    assert.deepEqual(stepAt(WIDENING, NOW, NOW + 30_000), { index: 1, expiresAt: NOW + 90_000 });
    assert.deepEqual(stepAt(WIDENING, NOW, NOW + 90_000), { index: 2 });
    assert.deepEqual(stepAt(STRICT, NOW, NOW + 10 ** 9), { index: 0 });
  });

  it('begin when the preferred agents widen, or at once without them', () => {
    assert.equal(stepsStartAt({ preferredAgentIds: [], widenAt: NOW + 5, enqueuedAt: NOW }), NOW);
    assert.equal(stepsStartAt({ preferredAgentIds: ['a'], widenAt: NOW + 5, enqueuedAt: NOW }), NOW + 5);
  });

  it('evaluate conditions, ranges, AND and OR against proficiency levels', () => {
    const learner = SKILLS.get('learner')!;
    assert.equal(meets(spanish(2), learner), true);
    assert.equal(meets(spanish(3), learner), false);
    assert.equal(meets({ andExpression: [spanish(2), billing] }, learner), true);
    assert.equal(meets({ andExpression: [spanish(3), billing] }, learner), false);
    assert.equal(meets({ orExpression: [spanish(3), billing] }, learner), true);
    const range = (min: number, max: number) => ({
      attributeCondition: {
        name: 'Language',
        value: 'Spanish',
        comparisonOperator: 'Range' as const,
        range: { minProficiencyLevel: min, maxProficiencyLevel: max },
      },
    });
    assert.equal(meets(range(1, 2), learner), true);
    assert.equal(meets(range(3, 5), learner), false);
    assert.equal(meets(spanish(1), SKILLS.get('none')!), false);
    assert.equal(
      describeExpression({ andExpression: [spanish(3), { orExpression: [billing, range(2, 4)] }] }),
      'Language: Spanish ≥ 3 and (Product: Billing ≥ 1 or Language: Spanish 2–4)',
    );
  });
});

describe('matching with routing criteria', () => {
  it('offers a task only to agents with the skills at the level of its current step', () => {
    const round = match({ tasks: [task('t', WIDENING)] });
    assert.deepEqual(round.newReservations, [{ taskId: 't', userId: 'native' }]);
  });

  it('widens when a step expires: the next step, then any agent of the queue', () => {
    const busyNative = [agent('native', { freeTaskSlots: 0 }), agent('learner'), agent('none')];
    const first = match({ tasks: [task('t', WIDENING)], agents: busyNative });
    assert.deepEqual(first.newReservations, []);
    assert.deepEqual(first.waiting.get('t'), {
      reason: 'no-free-slot',
      candidateCount: 1,
      step: { index: 0, expiresAt: NOW + 30_000 },
    });
    assert.equal(first.nextWidenAt, NOW + 30_000);

    const second = match({ tasks: [task('t', WIDENING)], agents: busyNative, now: NOW + 30_000 });
    assert.deepEqual(second.newReservations, [{ taskId: 't', userId: 'learner' }]);

    const onlyNone = [
      agent('native', { freeTaskSlots: 0 }),
      agent('learner', { freeTaskSlots: 0 }),
      agent('none'),
    ];
    assert.deepEqual(
      match({ tasks: [task('t', WIDENING)], agents: onlyNone, now: NOW + 89_999 }).newReservations,
      [],
    );
    assert.deepEqual(
      match({ tasks: [task('t', WIDENING)], agents: onlyNone, now: NOW + 90_000 }).newReservations,
      [{ taskId: 't', userId: 'none' }],
    );
  });

  it('keeps tasks with and without criteria in one line order, each to its own agents', () => {
    const round = match({
      tasks: [
        task('plain-old', undefined, NOW - 5_000),
        task('skilled', STRICT, NOW - 1_000),
        task('plain', undefined),
      ],
    });
    // Plain tasks take agents in line order (all idle alike: lowest id first); the skilled task needs
    // Spanish ≥ 3 and Billing, which nobody has: it waits, and says why.
    assert.deepEqual(round.newReservations, [
      { taskId: 'plain-old', userId: 'learner' },
      { taskId: 'plain', userId: 'native' },
    ]);
    assert.equal(round.waiting.get('skilled')?.reason, 'no-agent-meets-criteria');
  });

  it('tells a step nobody meets from criteria nobody can ever meet, and skills not read yet', () => {
    const nobodyYet = match({
      tasks: [task('t', { steps: [{ expression: spanish(5), expirySeconds: 10 }, { expression: billing }] })],
      agents: [agent('learner', { freeTaskSlots: 0 }), agent('none')],
    });
    assert.equal(nobodyYet.waiting.get('t')?.reason, 'no-agent-meets-step');
    assert.equal(match({ tasks: [task('t', STRICT)] }).waiting.get('t')?.reason, 'no-agent-meets-criteria');
    const unread = match({ tasks: [task('t', STRICT)], agents: [agent('native'), agent('stranger')] });
    assert.equal(unread.waiting.get('t')?.reason, 'agent-skills-not-read-yet');
  });

  it('offers preferred agents first whatever their skills, and starts the steps when they widen', () => {
    const preferred = { ...task('t', WIDENING), preferredAgentIds: ['none'], widenAt: NOW + 10_000 };
    assert.deepEqual(match({ tasks: [preferred] }).newReservations, [{ taskId: 't', userId: 'none' }]);
    const later = match({
      tasks: [preferred],
      agents: [agent('none', { freeTaskSlots: 0 }), agent('learner')],
      now: NOW + 30_000,
    });
    // 20 s into step 1 (Spanish ≥ 4): the learner does not qualify yet.
    assert.deepEqual(later.newReservations, []);
    assert.deepEqual(later.waiting.get('t')?.step, { index: 0, expiresAt: NOW + 40_000 });
  });
});

describe('DispatcherBook and skills', () => {
  const SETTINGS: BookSettings = bookSettings({ maxWaitNoticesPerRound: 10 });

  function bookWithAgents(): DispatcherBook {
    const book = new DispatcherBook(SETTINGS);
    book.setRoutingProfileQueues('general', QUEUES.general);
    book.applySnapshot([agent('native'), agent('learner', { freeTaskSlots: 0 }), agent('none')], NOW);
    return book;
  }

  it('reads skills only while a task with criteria waits: unread agents first, then the stalest', () => {
    const book = bookWithAgents();
    book.enqueue(task('plain', undefined));
    assert.deepEqual(book.agentsNeedingSkills(NOW, 10), []);
    book.enqueue(task('skilled', STRICT));
    assert.deepEqual(book.agentsNeedingSkills(NOW, 2), ['native', 'learner']);
    book.setSkills({ native: [{ name: 'Language', value: 'Spanish', level: 5 }] }, ['learner'], NOW);
    assert.deepEqual(book.agentsNeedingSkills(NOW + 1, 10), ['none']);
    book.setSkills({ none: [] }, [], NOW + 20_000);
    assert.deepEqual(book.agentsNeedingSkills(NOW + 70_000, 10), ['native', 'learner']);
  });

  it('tells a task which step it is on when the step changes, and carries skills across continue-as-new', () => {
    const book = bookWithAgents();
    book.setSkills(
      {
        native: [{ name: 'Language', value: 'Spanish', level: 5 }],
        learner: [{ name: 'Language', value: 'Spanish', level: 2 }],
        none: [],
      },
      [],
      NOW,
    );
    book.applySnapshot(
      [agent('native', { freeTaskSlots: 0 }), agent('learner', { freeTaskSlots: 0 }), agent('none')],
      NOW,
    );
    book.enqueue(task('t', WIDENING));
    const first = book.round(NOW);
    assert.deepEqual(
      first.notices.map((notice) => notice.decision),
      [{ reason: 'no-free-slot', candidateCount: 1, step: { index: 0, expiresAt: NOW + 30_000 } }],
    );
    assert.equal(first.nextDeadline, NOW + 30_000);
    assert.deepEqual(book.round(NOW + 1_000).notices, []);

    const carried = DispatcherBook.decode(SETTINGS, JSON.parse(JSON.stringify(book.encode())));
    carried.applySnapshot(
      [agent('native', { freeTaskSlots: 0 }), agent('learner'), agent('none')],
      NOW + 30_000,
    );
    assert.deepEqual(carried.agentsNeedingSkills(NOW + 30_000, 10), []);
    const widened = carried.round(NOW + 30_000);
    assert.deepEqual(
      widened.reservations.map(({ taskId, userId }) => ({ taskId, userId })),
      [{ taskId: 't', userId: 'learner' }],
    );
  });
});
