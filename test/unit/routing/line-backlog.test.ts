import assert from 'node:assert/strict';
import type {
  AgentState,
  EncodedDispatcherBook,
  EncodedLineSegment,
  WaitingTask,
} from '../../../src/shared/dispatcher-contract';
import { type BookSettings, DispatcherBook } from '../../../src/shared/routing/dispatcher-book';
import { compareWaitingTasks } from '../../../src/shared/routing/waiting-order';
import { bookSettings } from '../../helpers/book-settings';
import { waitingTask as task } from '../../helpers/waiting-task';

const T0 = 10_000_000;
const SETTINGS: BookSettings = bookSettings({
  offersPerSecond: 1_000_000,
  offerBurst: 1_000_000,
  lineHeadPerClass: 4,
  carriedLineMaxBytes: 6_000,
  lineSegmentMaxBytes: 1_500,
});

/** A fresh agent per round, so that earlier reservations hold no slot it needs. */
let agentCounter = 0;
function freshAgent(freeTaskSlots: number, at: number): AgentState {
  agentCounter += 1;
  return {
    userId: `u${agentCounter}`,
    routingProfileId: 'rp1',
    statusName: 'Available',
    statusSince: at - 1000,
    freeTaskSlots,
    contacts: [],
    observedAt: at,
  };
}

function newBook(settings: BookSettings = SETTINGS): DispatcherBook {
  const book = new DispatcherBook(settings);
  book.setRoutingProfileQueues('rp1', { manual: ['q1', 'q2'], routed: [] });
  return book;
}

/** One round with `slots` free slots; returns the tasks reserved, and the segments it asks back. */
function offer(book: DispatcherBook, slots: number, at: number): { taskIds: string[]; ask: string[] } {
  book.applySnapshot(slots > 0 ? [freshAgent(slots, at)] : [], at);
  const outcome = book.round(at);
  return { taskIds: outcome.reservations.map((r) => r.taskId), ask: outcome.segmentsToRequest };
}

/** Continue-as-new as the workflow does it: spill, encode, decode; the segments kept by id. */
function continueAsNew(
  book: DispatcherBook,
  segments: Map<string, EncodedLineSegment>,
  run: number,
): DispatcherBook {
  for (const { ref, tasks } of book.spillForContinueAsNew(T0, (i) => `seg/${run}/${i}`))
    segments.set(ref.segmentId, tasks);
  const encoded = JSON.parse(JSON.stringify(book.encode())) as EncodedDispatcherBook;
  return DispatcherBook.decode(SETTINGS, encoded);
}

function manyTasks(
  count: number,
  overrides: (i: number) => Partial<WaitingTask> = () => ({}),
): WaitingTask[] {
  return Array.from({ length: count }, (_, i) =>
    task(`task-${String(i).padStart(5, '0')}`, T0 + i, overrides(i)),
  );
}

describe('the line behind its head (line backlog and line segments)', () => {
  it('matches from the first lineHeadPerClass tasks of a class and keeps the rest in order behind them', () => {
    const book = newBook();
    const tasks = manyTasks(10);
    for (const t of [...tasks].reverse()) book.enqueue(t);
    assert.equal(book.waitingCount, 10);
    // A round sees only the head: four tasks, the first four in line order.
    assert.deepEqual(offer(book, 6, T0 + 100).taskIds, [
      'task-00000',
      'task-00001',
      'task-00002',
      'task-00003',
    ]);
    assert.deepEqual(offer(book, 6, T0 + 200).taskIds, [
      'task-00004',
      'task-00005',
      'task-00006',
      'task-00007',
    ]);
    assert.equal(book.waitingCount, 2);
    assert.equal(book.explain('task-00009').position, 2);
  });

  it('lets a task of higher priority that joins later go before the backlog', () => {
    const book = newBook();
    for (const t of manyTasks(8)) book.enqueue(t);
    offer(book, 0, T0 + 10);
    book.enqueue(task('urgent', T0 + 50, { priority: 1 }));
    assert.deepEqual(offer(book, 1, T0 + 100).taskIds, ['urgent']);
    assert.deepEqual(offer(book, 1, T0 + 200).taskIds, ['task-00000']);
  });

  it('keeps classes apart: a queue whose tasks come last in line order still has its head', () => {
    const book = newBook();
    for (const t of manyTasks(12, () => ({ priority: 1 }))) book.enqueue(t);
    book.enqueue(task('q2-late', T0 + 1_000, { queueId: 'q2', priority: 9 }));
    book.applySnapshot([{ ...freshAgent(1, T0 + 2_000), routingProfileId: 'rp2' }], T0 + 2_000);
    book.setRoutingProfileQueues('rp2', { manual: ['q2'], routed: [] });
    assert.deepEqual(
      book.round(T0 + 2_000).reservations.map((r) => r.taskId),
      ['q2-late'],
    );
  });

  it('keeps a task waiting for its preferred agents in the head whatever its place', () => {
    const book = newBook();
    for (const t of manyTasks(8)) book.enqueue(t);
    const preferring = task('preferring', T0 + 500, { preferredAgentIds: ['vip'], widenAt: T0 + 60_000 });
    book.enqueue(preferring);
    offer(book, 0, T0 + 600);
    book.applySnapshot([{ ...freshAgent(1, T0 + 700), userId: 'vip' }], T0 + 700);
    // The preferred agent takes the first task in line it may take: the backlog's would wait.
    assert.deepEqual(
      book.round(T0 + 700).reservations.map((r) => r.taskId),
      ['task-00000'],
    );
    assert.equal(book.explain('preferring').state, 'waiting');
  });

  it('carries a long line across continue-as-new in segments within the byte limits, and assigns every task once, in line order', () => {
    const segments = new Map<string, EncodedLineSegment>();
    let book = newBook();
    const tasks = manyTasks(300, (i) => ({ priority: 1 + (i % 3), queueId: i % 5 === 0 ? 'q2' : 'q1' }));
    for (const t of tasks) book.enqueue(t);
    offer(book, 0, T0 + 1_000);
    book = continueAsNew(book, segments, 1);
    const encodedBytes = JSON.stringify(book.encode()).length;
    assert.ok(encodedBytes <= SETTINGS.carriedLineMaxBytes, `carried ${encodedBytes} B`);
    assert.ok(segments.size >= 5, `${segments.size} segments`);
    for (const [id, segment] of segments)
      assert.ok(JSON.stringify(segment).length <= SETTINGS.lineSegmentMaxBytes, `${id} too large`);
    assert.equal(book.waitingCount, 300);
    assert.ok(book.carriedCount > 250);

    // Tasks keep joining, of every priority, so that segments of later runs overlap earlier ones.
    const waiting = new Map(tasks.map((t) => [t.taskId, t]));
    const assigned: string[] = [];
    let at = T0 + 2_000;
    for (let round = 0; round < 600 && waiting.size > 0; round += 1) {
      at += 100;
      if (round < 200 && round % 2 === 0) {
        const joining = task(`late-${round}`, at, { priority: 1 + ((round * 7) % 3) });
        waiting.set(joining.taskId, joining);
        book.enqueue(joining);
      }
      const { taskIds, ask } = offer(book, 2, at);
      const front = [...waiting.values()].sort(compareWaitingTasks).slice(0, taskIds.length);
      assert.deepEqual(
        taskIds,
        front.map((t) => t.taskId),
        `round ${round}: the front of the line`,
      );
      for (const id of taskIds) waiting.delete(id);
      assigned.push(...taskIds);
      // Segments answer before the next round; a continue-as-new every 25 rounds spills again.
      for (const id of ask) {
        book.segmentReturned(id, segments.get(id)!);
        segments.delete(id);
      }
      if (round % 25 === 24) book = continueAsNew(book, segments, round);
    }
    assert.equal(assigned.length, 400);
    assert.equal(new Set(assigned).size, 400);
    assert.equal(book.waitingCount, 0);
    assert.equal(book.lineSegmentCount, 0);
  });

  it('drops the carried copy of a task that left or changed while its segment was away', () => {
    const segments = new Map<string, EncodedLineSegment>();
    let book = newBook();
    for (const t of manyTasks(60)) book.enqueue(t);
    offer(book, 0, T0 + 1_000);
    book = continueAsNew(book, segments, 1);
    assert.ok(book.carriedCount > 40);
    book.leave('task-00050');
    const raised = { ...task('task-00055', T0 + 55, { priority: 1 }), version: 1 };
    assert.ok(book.update({ taskId: 'task-00055', priority: 1, current: raised }));
    // The raised task goes first, though its segment is still away.
    const first = offer(book, 1, T0 + 2_000);
    assert.deepEqual(first.taskIds, ['task-00055']);
    for (const id of first.ask) book.segmentReturned(id, segments.get(id)!);

    const assigned: string[] = ['task-00055'];
    let at = T0 + 3_000;
    for (let round = 0; round < 200 && book.waitingCount > 0; round += 1) {
      at += 100;
      const { taskIds, ask } = offer(book, 3, at);
      assigned.push(...taskIds);
      for (const id of ask) book.segmentReturned(id, segments.get(id)!);
    }
    assert.equal(assigned.length, 59);
    assert.equal(new Set(assigned).size, 59, 'the raised task was not assigned twice');
    assert.ok(!assigned.includes('task-00050'), 'the task that left was not offered');
  });

  it('counts the tasks of a lost segment out of the line', () => {
    const segments = new Map<string, EncodedLineSegment>();
    let book = newBook();
    for (const t of manyTasks(60)) book.enqueue(t);
    offer(book, 0, T0 + 1_000);
    book = continueAsNew(book, segments, 1);
    const [first] = [...segments.keys()];
    const before = book.waitingCount;
    const lost = book.segmentLost(first!);
    assert.ok(lost > 0);
    assert.equal(book.waitingCount, before - lost);
  });

  it('asks a segment again when it has not answered within a minute', () => {
    const segments = new Map<string, EncodedLineSegment>();
    let book = newBook();
    for (const t of manyTasks(40)) book.enqueue(t);
    offer(book, 0, T0);
    book = continueAsNew(book, segments, 1);
    // A continued run keeps two heads' worth: the segment after them is asked back once the head moves.
    assert.deepEqual(offer(book, 0, T0 + 500).ask, []);
    assert.deepEqual(offer(book, 4, T0 + 900).ask, []);
    const firstAsk = offer(book, 0, T0 + 1_000).ask;
    assert.equal(firstAsk.length, 1);
    assert.deepEqual(offer(book, 0, T0 + 30_000).ask, []);
    assert.deepEqual(offer(book, 0, T0 + 61_000).ask, firstAsk);
  });

  it("counts what line segments hold in the queue statistics, with each priority's oldest task", () => {
    const segments = new Map<string, EncodedLineSegment>();
    let book = newBook();
    // Priority 1 comes first in line: the oldest task of priority 2 (task-00001) waits in a segment.
    for (const t of manyTasks(60, (i) => ({ priority: 1 + (i % 2) }))) book.enqueue(t);
    offer(book, 0, T0 + 1_000);
    book = continueAsNew(book, segments, 1);
    assert.ok(book.carriedCount >= 50, `${book.carriedCount} carried`);
    const now = T0 + 10_000;
    const figures = (statistics = book.queueStatistics(now)) =>
      statistics.queues.flatMap((queue) =>
        queue.priorities.map((priority) => [
          queue.queueId,
          priority.priority,
          priority.waiting,
          priority.oldestWaitMs,
        ]),
      );
    assert.deepEqual(figures(), [
      ['q1', 1, 30, now - T0],
      ['q1', 2, 30, now - (T0 + 1)],
    ]);

    // Segments started before queue statistics know their first task's place only.
    const encoded = JSON.parse(JSON.stringify(book.encode())) as EncodedDispatcherBook;
    for (const ref of encoded.segments ?? [])
      ref.priorities = ref.priorities.map(([priority, count]) => [priority, count]);
    const [p1, p2] = figures(DispatcherBook.decode(SETTINGS, encoded).queueStatistics(now));
    assert.deepEqual(p1, ['q1', 1, 30, now - T0], 'priority 1 waits in memory first');
    assert.deepEqual(p2!.slice(0, 3), ['q1', 2, 30]);
    const oldestWaitMs = p2![3] as number | undefined;
    assert.ok(oldestWaitMs === undefined || oldestWaitMs < now - (T0 + 1), 'never older than the truth');
  });
});
