import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { limitWorkflowThreadHeaps } from '../../src/worker/workflow-thread-heap';

const MODULE = path.resolve(__dirname, '../../src/worker/workflow-thread-heap.ts');

/** A thread's V8 heap limit (MiB) in a fresh Node process that first calls limitWorkflowThreadHeaps(mb). */
function threadHeapLimitMb(mb: number | false, nodeArgs: string[] = []): number {
  const script = `
    require(${JSON.stringify(MODULE)}).limitWorkflowThreadHeaps(${JSON.stringify(mb)});
    const { Worker } = require('node:worker_threads');
    new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true })
      .on('message', (limit) => { console.log(Math.round(limit / 2 ** 20)); process.exit(0); });
  `;
  const output = execFileSync(
    process.execPath,
    [...nodeArgs, '-r', 'ts-node/register/transpile-only', '-e', script],
    {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  return Number(output.trim());
}

describe('workflow thread heap limit', () => {
  it('limits threads started afterwards, near the limit given', function () {
    this.timeout(30_000);
    const limited = threadHeapLimitMb(256);
    assert.ok(limited >= 256 && limited < 400, `thread heap limit ${limited} MiB`);
    const untouched = threadHeapLimitMb(false);
    assert.ok(untouched > 400, `V8's default here: ${untouched} MiB`);
  });

  it("leaves the process's own --max-old-space-size in charge", function () {
    this.timeout(30_000);
    const inherited = threadHeapLimitMb(256, ['--max-old-space-size=1500']);
    assert.ok(inherited >= 1_500, `thread heap limit ${inherited} MiB`);
  });

  it('refuses a limit too small to run workflows in, naming the option', () => {
    assert.throws(
      () => limitWorkflowThreadHeaps(64),
      /workflowThreadHeapMb must be an integer of at least 128/,
    );
    assert.throws(() => limitWorkflowThreadHeaps(300.5), /workflowThreadHeapMb/);
  });
});
