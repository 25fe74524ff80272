import type { RoutingStack } from '../integration/routing/routing-stack';
import { runCsvBatchTwice } from '../integration/bulk/csv-batch-scenario';

describe('bulkCreateTasks from a 500-row CSV file', () => {
  let stack: RoutingStack | undefined;
  afterEach(() => stack?.stop());

  it('routes 490 good rows once, reports the 10 malformed by line, and creates nothing when run again', async function () {
    this.timeout(600_000);
    ({ stack } = await runCsvBatchTwice({ rows: 500, malformed: 10, startsPerRun: 200 }));
  });
});
