import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, parseSamples, sample } from '../../src/dev/prometheus-text';

const TEXT = [
  '# HELP temporal_sticky_cache_hit Count of times the workflow cache was used',
  '# TYPE temporal_sticky_cache_hit counter',
  'temporal_sticky_cache_hit{namespace="default",task_queue="q"} 7',
  'temporal_sticky_cache_hit{namespace="default",task_queue="q-dispatchers"} 3',
  'temporal_workflow_task_replay_latency_sum{task_queue="q",workflow_type="routeTask"} 0.25',
  'connect_task_router_tasks_waiting{queue_id="a \\"quoted\\" id"} 2',
  'up 1',
  '',
].join('\n');

describe('Prometheus text', () => {
  it('reads every sample with its labels, skipping comments and blank lines', () => {
    const samples = parseSamples(TEXT);
    assert.equal(samples.length, 5);
    assert.deepEqual(samples[1], {
      name: 'temporal_sticky_cache_hit',
      labels: { namespace: 'default', task_queue: 'q-dispatchers' },
      value: 3,
    });
    assert.deepEqual(samples[4], { name: 'up', labels: {}, value: 1 });
    assert.equal(samples[3]!.labels.queue_id, 'a \\"quoted\\" id');
  });

  it('sums the samples of a name whose labels include the ones asked for', () => {
    assert.equal(sample(TEXT, 'temporal_sticky_cache_hit'), 10);
    assert.equal(sample(TEXT, 'temporal_sticky_cache_hit', { task_queue: 'q' }), 7);
    assert.equal(sample(TEXT, 'temporal_sticky_cache_hit', { task_queue: 'other' }), 0);
    assert.equal(
      sample(TEXT, 'temporal_workflow_task_replay_latency_sum', { workflow_type: 'routeTask' }),
      0.25,
    );
  });

  it('finds a loopback port that can be listened on', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
