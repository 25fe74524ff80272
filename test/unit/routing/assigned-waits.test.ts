import assert from 'node:assert/strict';
import { ASSIGNMENTS_KEPT_PER_PRIORITY } from '../../../src/shared/dispatcher-contract';
import { AssignedWaits, type StatisticsWindowSettings } from '../../../src/shared/routing/assigned-waits';

const SETTINGS: StatisticsWindowSettings = { statisticsWindowMs: 60_000, serviceLevelMs: 10_000 };
const T0 = 50_000_000;

/** Records tasks of q1 at priority 1 assigned one second apart, each after the wait given (ms). */
function withWaits(waits: number[], settings = SETTINGS): AssignedWaits {
  const window = new AssignedWaits(settings);
  waits.forEach((wait, i) => window.record('q1', 1, T0 + i * 1000 - wait, T0 + i * 1000));
  return window;
}

describe('AssignedWaits (the queue statistics window)', () => {
  it('gives the count, the nearest-rank p50 and p90 and the share within the service level', () => {
    const window = withWaits([4_000, 12_000, 1_000, 10_000, 30_000, 2_000, 7_000, 9_000, 3_000, 15_000]);
    assert.deepEqual(window.figures(T0 + 10_000), [
      {
        queueId: 'q1',
        priority: 1,
        assigned: 10,
        // Sorted: 1, 2, 3, 4, 7, 9, 10, 12, 15, 30 s.
        waitP50Ms: 7_000,
        waitP90Ms: 15_000,
        // At most the service level (10 s, itself included): 7 of 10.
        withinServiceLevel: 0.7,
      },
    ]);
  });

  it('keeps queues and priorities apart', () => {
    const window = new AssignedWaits(SETTINGS);
    window.record('q1', 1, T0 - 5_000, T0);
    window.record('q1', 2, T0 - 20_000, T0);
    window.record('q2', 1, T0 - 1_000, T0);
    assert.deepEqual(
      window
        .figures(T0)
        .map(({ queueId, priority, assigned, waitP50Ms }) => [queueId, priority, assigned, waitP50Ms]),
      [
        ['q1', 1, 1, 5_000],
        ['q1', 2, 1, 20_000],
        ['q2', 1, 1, 1_000],
      ],
    );
  });

  it('slides: an assignment older than the window no longer counts', () => {
    const window = withWaits([1_000, 2_000, 3_000]);
    assert.equal(window.figures(T0 + 2_000)[0]!.assigned, 3);
    // The first was assigned at T0: out of the window a minute later, the others not yet.
    assert.deepEqual(
      window.figures(T0 + 60_001).map((figures) => [figures.assigned, figures.waitP50Ms]),
      [[2, 2_000]],
    );
    assert.deepEqual(window.figures(T0 + 62_001), []);
  });

  it(`keeps the last ${ASSIGNMENTS_KEPT_PER_PRIORITY} assignments of a queue and priority`, () => {
    const wide = { ...SETTINGS, statisticsWindowMs: 10 * 60 * 60_000 };
    const waits = Array.from({ length: ASSIGNMENTS_KEPT_PER_PRIORITY + 5 }, (_, i) =>
      i < 5 ? 100_000 : 1_000,
    );
    const [figures] = withWaits(waits, wide).figures(T0 + waits.length * 1000);
    assert.equal(figures!.assigned, ASSIGNMENTS_KEPT_PER_PRIORITY);
    assert.equal(figures!.waitP90Ms, 1_000, 'the five oldest, long waits are gone');
  });

  it('answers for the samples it holds now, however often it was asked before', () => {
    const window = withWaits([1_000, 2_000]);
    assert.equal(window.figures(T0 + 1_000)[0]!.waitP90Ms, 2_000);
    // The first slides out as a third comes in: as many samples, other figures.
    window.record('q1', 1, T0 + 60_500 - 50_000, T0 + 60_500);
    assert.deepEqual(
      window.figures(T0 + 60_500).map((figures) => [figures.assigned, figures.waitP90Ms]),
      [[2, 50_000]],
    );
  });

  it('survives continue-as-new in a compact form, and within a byte budget keeps the newest assignments', () => {
    const waits = Array.from({ length: 50 }, (_, i) => 1_000 + i * 100);
    const window = withWaits(waits, { ...SETTINGS, statisticsWindowMs: 10 * 60_000 });
    const encoded = JSON.parse(JSON.stringify(window.encode(1_000_000)));
    const copy = AssignedWaits.decode({ ...SETTINGS, statisticsWindowMs: 10 * 60_000 }, encoded);
    assert.deepEqual(copy.figures(T0 + 50_000), window.figures(T0 + 50_000));
    assert.deepEqual(copy.encode(1_000_000), encoded);

    const small = window.encode(150);
    assert.ok(JSON.stringify(small).length <= 150, JSON.stringify(small));
    const kept = AssignedWaits.decode(SETTINGS, small).figures(T0 + 50_000)[0]!;
    assert.ok(kept.assigned > 0 && kept.assigned < 50, `${kept.assigned} kept`);
    const [[, , [firstKeptAt]]] = small as [[string, number, number[], number[]]];
    assert.equal(firstKeptAt, T0 + (50 - kept.assigned) * 1000, 'the newest are kept');
  });

  it('leaves out assignments of one moment together when they do not fit', () => {
    const window = new AssignedWaits(SETTINGS);
    for (let i = 0; i < 20; i += 1) window.record('q1', 1, T0 - 1_000 - i, T0);
    window.record('q1', 1, T0 + 1_000 - 500, T0 + 1_000);
    assert.deepEqual(window.encode(40), [['q1', 1, [T0 + 1_000], [500]]]);
    assert.deepEqual(window.encode(10), []);
  });
});
