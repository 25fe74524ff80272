import assert from 'node:assert/strict';
import {
  CONNECT_CALL_LANES,
  connectCallTaskQueue,
  DEFAULT_CONNECT_CALL_RATES,
  resolveConnectCallRates,
} from '../../src/shared/task-queues';
import { connectRatesOption } from '../../src/cli/options';

describe('Connect call lanes', () => {
  it("default to Connect's documented quotas: 2/s for creating, transferring, associating, polling and listing, 10/s for describe and stop", () => {
    assert.deepEqual(DEFAULT_CONNECT_CALL_RATES, {
      create: 2,
      startTask: 2,
      transfer: 2,
      associate: 2,
      describe: 10,
      stop: 10,
      userData: 2,
      list: 2,
    });
  });

  it('give every rate-limited activity exactly one lane', () => {
    const activities = Object.values(CONNECT_CALL_LANES).flatMap((lane) => [...lane.activities]);
    assert.equal(new Set(activities).size, activities.length);
    assert.equal(connectCallTaskQueue('router', 'associate'), 'router-connect-associate');
  });

  it("take a deployment's own rates, and name the lane and the limit of a bad one", () => {
    assert.deepEqual(resolveConnectCallRates({ create: 50, associate: 20 }), {
      ...DEFAULT_CONNECT_CALL_RATES,
      create: 50,
      associate: 20,
    });
    assert.throws(
      () => resolveConnectCallRates({ create: 0 }),
      /connectCallRates\.create must be .* above 0 \(got 0\)/,
    );
    assert.throws(() => resolveConnectCallRates({ describe: Number.NaN }), /connectCallRates\.describe/);
    assert.throws(
      () => resolveConnectCallRates({ creat: 5 }),
      /connectCallRates\.creat is not a Connect call lane/,
    );
  });

  it('read from the CLI as lane=rate pairs, naming the option and what is wrong', () => {
    const parse = connectRatesOption('--connect-rates');
    assert.deepEqual(parse('create=20, associate=20'), {
      ...DEFAULT_CONNECT_CALL_RATES,
      create: 20,
      associate: 20,
    });
    assert.throws(() => parse('create'), /--connect-rates: "create" is not lane=rate/);
    assert.throws(() => parse('create=fast'), /--connect-rates: connectCallRates\.create must be/);
    assert.throws(
      () => parse('creat=5'),
      /--connect-rates: connectCallRates\.creat is not a Connect call lane/,
    );
  });
});
