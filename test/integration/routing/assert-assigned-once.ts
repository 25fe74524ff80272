import assert from 'node:assert/strict';
import type { Ledger, RunningEmulator } from '../../../src/dev/emulator';
import type { RouteTaskResult } from '../../../src/shared/route-task-contract';

/**
 * The routing promise, read from the emulator's ledger: every task was assigned, with one contact
 * created and one accepted offer each, along documented paths only (no association refused for an
 * unqueued contact or a queue that is not a manual-assignment queue, nothing Connect routed from a
 * manual-assignment queue), never over an agent's capacity, to the agent its result names.
 *
 * `agentsGoOffline`: agents change status during the test, so an offer may reach an agent who went
 * Offline after the dispatcher last saw them Available (Connect's AssociateContactWithUser offers
 * whatever the status); such offers are allowed, never one beyond an agent's free slots.
 */
export function assertEachTaskAssignedOnce(
  emulator: RunningEmulator,
  results: RouteTaskResult[],
  options: { agentsGoOffline?: boolean } = {},
): Ledger {
  assert.deepEqual(
    results.map((result) => result.outcome),
    results.map(() => 'assigned'),
  );
  const ledger = emulator.ledger();
  assert.equal(ledger.contactsCreated, results.length, 'one contact per task');
  assert.equal(ledger.duplicateCreations, 0);
  const accepted = ledger.assignments.filter((assignment) => assignment.acceptedAt !== undefined);
  assert.equal(ledger.acceptedAssignments, results.length, 'one accepted offer per task');
  assert.equal(new Set(accepted.map((assignment) => assignment.contactId)).size, results.length);
  assert.equal(ledger.doubleAssignments, 0);
  const overCapacity = ledger.assignments.filter(
    (assignment) =>
      assignment.overCapacity &&
      !(options.agentsGoOffline && assignment.overCapacityReasons?.join() === 'AGENT_NOT_ROUTABLE'),
  );
  assert.equal(overCapacity.length, 0, JSON.stringify(overCapacity));
  assert.deepEqual(
    {
      CONTACT_NOT_QUEUED: ledger.associateRefusals.CONTACT_NOT_QUEUED ?? 0,
      QUEUE_NOT_MANUAL_ASSIGNMENT: ledger.associateRefusals.QUEUE_NOT_MANUAL_ASSIGNMENT ?? 0,
      connectRoutedInManualAssignmentQueues: ledger.connectRoutedInManualAssignmentQueues,
    },
    { CONTACT_NOT_QUEUED: 0, QUEUE_NOT_MANUAL_ASSIGNMENT: 0, connectRoutedInManualAssignmentQueues: 0 },
  );
  for (const result of results) {
    const assignment = accepted.find(({ contactId }) => contactId === result.contactId);
    assert.equal(assignment?.userId, result.userId, `${result.contactId} is with the agent the task reports`);
    assert.equal(result.offers.at(-1)?.outcome, 'accepted', `${result.contactId}'s last offer was accepted`);
  }
  return ledger;
}
