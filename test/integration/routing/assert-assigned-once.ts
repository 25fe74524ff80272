import assert from 'node:assert/strict';
import type { Ledger, RunningEmulator } from '../../../src/dev/emulator';
import type { RouteTaskResult } from '../../../src/shared/route-task-contract';

/**
 * The routing promise, read from the emulator's ledger: every task was assigned, with one contact
 * created and one assignment each, never over an agent's capacity, to the agent its result names.
 */
export function assertEachTaskAssignedOnce(emulator: RunningEmulator, results: RouteTaskResult[]): Ledger {
  assert.deepEqual(
    results.map((result) => result.outcome),
    results.map(() => 'assigned'),
  );
  const ledger = emulator.ledger();
  assert.equal(ledger.contactsCreated, results.length, 'one contact per task');
  assert.equal(ledger.duplicateCreations, 0);
  assert.equal(ledger.assignments.length, results.length, 'one assignment per task');
  assert.equal(new Set(ledger.assignments.map((assignment) => assignment.contactId)).size, results.length);
  assert.equal(ledger.doubleAssignments, 0);
  assert.equal(
    ledger.overCapacityAssignments,
    0,
    JSON.stringify(ledger.assignments.filter((assignment) => assignment.overCapacity)),
  );
  for (const result of results) {
    const assignment = ledger.assignments.find(({ contactId }) => contactId === result.contactId);
    assert.equal(assignment?.userId, result.userId, `${result.contactId} is with the agent the task reports`);
  }
  return ledger;
}
