import assert from 'node:assert/strict';
import type { RoutingStack } from '../routing/routing-stack';
import { runCsvBatchTwice } from './csv-batch-scenario';

describe('bulkCreateTasks from a CSV file', () => {
  let stack: RoutingStack | undefined;
  afterEach(() => stack?.stop());

  it('routes the good rows once across pages and runs, reports the malformed ones by line, and creates nothing when run again', async () => {
    const { stack: used, first } = await runCsvBatchTwice({ rows: 60, malformed: 3, startsPerRun: 20 });
    stack = used;
    assert.ok(first.report && first.report.parts >= 2, 'runs handed over, so the report went to parts');
  });
});
