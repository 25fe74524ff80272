import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RestartableDevServer, startRestartableDevServer } from '../../src/dev/dev-server';
import type { Ledger } from '../../src/dev/emulator';
import type { WorkerProcess } from '../../src/dev/worker-process';
import { eventually } from '../helpers/eventually';
import { assertEachTaskAssignedOnce } from '../integration/routing/assert-assigned-once';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  startStackWorkerProcess,
  SUPPORT_QUEUE,
} from '../integration/routing/routing-stack';

const TASKS = 100;
/** A crash while the contacts are being created, then a shutdown while the line is served. */
const RESTARTS = [
  { signal: 'SIGKILL', when: 'contacts created', reached: (ledger: Ledger) => ledger.contactsCreated >= 40 },
  {
    signal: 'SIGTERM',
    when: 'tasks accepted',
    reached: (ledger: Ledger) => ledger.acceptedAssignments >= 50,
  },
] as const;

describe('routing while the Temporal server restarts', () => {
  let folder: string | undefined;
  let server: RestartableDevServer | undefined;
  let stack: RoutingStack | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await worker?.stop();
    await stack?.stop();
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it(`routes ${TASKS} tasks exactly once while the server crashes, then shuts down, and starts again on its database`, async function () {
    this.timeout(600_000);
    folder = await mkdtemp(join(tmpdir(), 'temporal-restart-'));
    server = await startRestartableDevServer({ dbFilename: join(folder, 'temporal.db') });
    // Agents take a few seconds a task, so the line lasts long enough for both restarts.
    const slow = { latencyMs: { min: 100, max: 400 } };
    stack = await startRoutingStack({
      temporal: server,
      inProcessWorker: false,
      config: {
        handleTimeMs: { min: 2_000, max: 4_000 },
        faults: { CreateContact: slow, AssociateContactWithUser: slow },
      },
    });
    worker = await startStackWorkerProcess(stack);
    const handles = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        stack!.startTask(`restart-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Restart ${i}`, attributes: { item: String(i) } },
        }),
      ),
    );

    for (const { signal, when, reached } of RESTARTS) {
      await eventually(`enough ${when} before the ${signal}`, () => reached(stack!.emulator.ledger()), {
        timeoutMs: 240_000,
        intervalMs: 20,
      });
      const started = Date.now();
      await server.restart(signal, 2_000);
      const ledger = stack.emulator.ledger();
      console.log(
        `      ${signal}: down and up again in ${Date.now() - started} ms, at ${ledger.contactsCreated} created, ` +
          `${ledger.acceptedAssignments} accepted`,
      );
      assert.ok(ledger.acceptedAssignments < TASKS, 'the restart came before the work was done');
    }

    const results = await Promise.all(handles.map((handle) => handle.result()));
    assertEachTaskAssignedOnce(stack.emulator, results);
    // The same worker process saw the server go (its calls were retried) and went on once it was back.
    assert.equal(worker.exitReason(), undefined, 'the worker outlived both restarts');
    const { logs } = await worker.stats();
    for (const [line, count] of Object.entries(logs)) console.log(`      worker: ${count} × ${line}`);
    assert.ok(
      Object.keys(logs).some((line) => /retried/.test(line)),
      'the worker retried its calls while the server was down',
    );
  });
});
