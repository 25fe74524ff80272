import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JoinTarget, LineJoins } from '../../../activities/line-joins';
import { eventually } from '../../helpers/eventually';
import type { JoinLineAnswer, WaitingTask, WaitNotice } from '../../../src/shared/dispatcher-contract';

const target: JoinTarget = { instanceId: 'instance-1', taskQueue: 'main' };

function task(taskId: string, padding = ''): WaitingTask {
  return { taskId, queueId: 'q', priority: 5, enqueuedAt: 0, padding } as unknown as WaitingTask;
}

/** A send that records each update's tasks and takes `latencyMs`, failing when `fail` says so. */
function recordingSend(latencyMs: number, fail: (tasks: WaitingTask[]) => boolean = () => false) {
  const updates: { target: JoinTarget; taskIds: string[]; at: number }[] = [];
  const send = async (to: JoinTarget, tasks: WaitingTask[]) => {
    updates.push({ target: to, taskIds: tasks.map((t) => t.taskId), at: Date.now() });
    await sleep(latencyMs);
    if (fail(tasks)) throw new Error('update refused');
  };
  return { updates, send };
}

describe('LineJoins', () => {
  it('sends a lone join at once, in an update of its own', async () => {
    const { updates, send } = recordingSend(1);
    const joins = new LineJoins(send, { intervalMs: 10_000, maxTasks: 100, maxBytes: 1_000_000 });
    const started = Date.now();
    await joins.join(target, task('a'));
    assert.deepEqual(
      updates.map((s) => s.taskIds),
      [['a']],
    );
    assert.ok(Date.now() - started < 5_000, 'the first join did not wait for the interval');
  });

  it('gathers the joins that come while an update is on its way, and sends at most one per interval', async () => {
    const { updates, send } = recordingSend(20);
    const joins = new LineJoins(send, { intervalMs: 100, maxTasks: 1_000, maxBytes: 1_000_000 });
    const joined: Promise<unknown>[] = [];
    const started = Date.now();
    // 60 tasks over 300 ms or more: one update per task would be 60 updates.
    for (let i = 0; i < 60; i += 1) {
      joined.push(joins.join(target, task(`t${i}`)));
      await sleep(5);
    }
    await Promise.all(joined);
    const elapsedMs = Date.now() - started;
    const sent = updates.flatMap((s) => s.taskIds);
    assert.deepEqual(
      sent,
      Array.from({ length: 60 }, (_, i) => `t${i}`),
      'every task once, in the order they joined',
    );
    assert.ok(
      updates.length <= Math.ceil(elapsedMs / 100) + 1 && updates.length <= 30,
      `${updates.length} updates for 60 joins over ${elapsedMs} ms at one per 100 ms`,
    );
    for (let i = 1; i < updates.length; i += 1) {
      assert.ok(updates[i]!.at - updates[i - 1]!.at >= 95, 'updates at least the interval apart');
    }
  });

  it('splits an update at maxTasks and at maxBytes', async () => {
    const { updates, send } = recordingSend(1);
    const byCount = new LineJoins(send, { intervalMs: 0, maxTasks: 3, maxBytes: 1_000_000 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => byCount.join(target, task(id))));
    assert.deepEqual(
      updates.map((s) => s.taskIds),
      [
        ['a', 'b', 'c'],
        ['d', 'e'],
      ],
    );

    updates.length = 0;
    const byBytes = new LineJoins(send, { intervalMs: 0, maxTasks: 100, maxBytes: 2_500 });
    const big = 'x'.repeat(1_000);
    await Promise.all(['a', 'b', 'c'].map((id) => byBytes.join(target, task(id, big))));
    assert.deepEqual(
      updates.map((s) => s.taskIds),
      [['a', 'b'], ['c']],
    );
  });

  it('fails the callers of a refused update only; the next update goes on', async () => {
    const { updates, send } = recordingSend(1, (tasks) => tasks.some((t) => t.taskId === 'bad'));
    const joins = new LineJoins(send, { intervalMs: 0, maxTasks: 2, maxBytes: 1_000_000 });
    const results = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((id) => joins.join(target, task(id))));
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(
      updates.map((s) => s.taskIds),
      [['ok1', 'bad'], ['ok2']],
    );
  });

  it('keeps lines apart: one update per instance and task queue', async () => {
    const { updates, send } = recordingSend(1);
    const joins = new LineJoins(send, { intervalMs: 0, maxTasks: 100, maxBytes: 1_000_000 });
    const other: JoinTarget = { instanceId: 'instance-2', taskQueue: 'main' };
    await Promise.all([
      joins.join(target, task('a')),
      joins.join(other, task('b')),
      joins.join(target, task('c')),
    ]);
    assert.deepEqual(updates.map((s) => [s.target.instanceId, s.taskIds]).sort(), [
      ['instance-1', ['a', 'c']],
      ['instance-2', ['b']],
    ]);
  });

  it("gives each caller its own task's notice from the update's answer, and none where it has none", async () => {
    const notice = (taskId: string): WaitNotice => ({
      taskId,
      decision: { reason: 'no-free-slot', candidateCount: 1 },
      position: 1,
      waitingCount: 3,
    });
    // The answer lists notices in its own order, and none for a task reserved at once.
    const send = async (_to: JoinTarget, tasks: WaitingTask[]): Promise<JoinLineAnswer> => ({
      notices: tasks
        .filter((t) => t.taskId !== 'reserved')
        .map((t) => notice(t.taskId))
        .reverse(),
    });
    const joins = new LineJoins(send, { intervalMs: 0, maxTasks: 100, maxBytes: 1_000_000 });
    const answers = await Promise.all(['a', 'reserved', 'b'].map((id) => joins.join(target, task(id))));
    assert.deepEqual(
      answers.map((answer) => answer?.taskId),
      ['a', undefined, 'b'],
    );
    const old = new LineJoins(async () => undefined, { intervalMs: 0, maxTasks: 100, maxBytes: 1_000_000 });
    assert.equal(await old.join(target, task('c')), undefined, 'a dispatcher begun before answers nothing');
  });
  it('leaves out the task of a caller that gives up before its update goes, and fails that caller at once', async () => {
    const { updates, send } = recordingSend(1);
    const joins = new LineJoins(send, { intervalMs: 200, maxTasks: 100, maxBytes: 1_000_000 });
    await joins.join(target, task('a'));
    // The next update waits for the interval; its one caller gives up meanwhile.
    const cancelled = new AbortController();
    const giving = joins.join(target, task('b'), cancelled.signal);
    const kept = joins.join(target, task('c'));
    cancelled.abort(new Error('activity cancelled'));
    await assert.rejects(giving, /activity cancelled/);
    await kept;
    assert.deepEqual(
      updates.map((s) => s.taskIds),
      [['a'], ['c']],
    );
    await assert.rejects(joins.join(target, task('d'), cancelled.signal), /activity cancelled/);
    assert.equal(updates.length, 2, 'a caller that has given up already sends nothing');
  });

  it('fails a caller that gives up while its update waits, and withdraws the update once all have', async () => {
    let withdrawn: AbortSignal | undefined;
    let answer!: () => void;
    const joins = new LineJoins(
      async (_to, _tasks, signal) => {
        withdrawn = signal;
        await new Promise<void>((resolve) => (answer = resolve));
      },
      { intervalMs: 0, maxTasks: 100, maxBytes: 1_000_000 },
    );
    const [first, second] = [new AbortController(), new AbortController()];
    const joined = [
      joins.join(target, task('a'), first.signal),
      joins.join(target, task('b'), second.signal),
    ];
    await eventually('the update to go', () => withdrawn !== undefined, { intervalMs: 1 });
    first.abort(new Error('first cancelled'));
    await assert.rejects(joined[0]!, /first cancelled/);
    assert.equal(withdrawn!.aborted, false, 'the other caller still waits for the answer');
    second.abort(new Error('second cancelled'));
    await assert.rejects(joined[1]!, /second cancelled/);
    assert.equal(withdrawn!.aborted, true, 'nobody waits: the update is withdrawn');
    answer();

    // A caller answered before it gives up keeps its answer, and withdraws nothing.
    const late = new AbortController();
    const answered = joins.join(target, task('c'), late.signal);
    await eventually('the next update to go', () => withdrawn?.aborted === false, { intervalMs: 1 });
    answer();
    await answered;
    late.abort();
    assert.equal(withdrawn!.aborted, false);
  });
});
