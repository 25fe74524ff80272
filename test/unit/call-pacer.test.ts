import assert from 'node:assert/strict';
import { CallPacer } from '../../src/worker/call-pacer';

describe('CallPacer', () => {
  it('lets the first call go at once and spaces a burst of deliveries 1/rate apart', () => {
    const pacer = new CallPacer(2);
    const waits = Array.from({ length: 6 }, () => pacer.book(10_000));
    assert.deepEqual(waits, [0, 500, 1_000, 1_500, 2_000, 2_500]);
  });

  it('does not bank unused time: after a quiet spell, calls are spaced again', () => {
    const pacer = new CallPacer(4);
    assert.equal(pacer.book(0), 0);
    assert.equal(pacer.book(60_000), 0);
    assert.equal(pacer.book(60_000), 250);
    assert.equal(pacer.book(60_100), 400);
  });
});
