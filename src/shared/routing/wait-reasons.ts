import type { WaitNotice, WaitReason } from '../dispatcher-contract';
import type { RoutingCriteria } from '../routing-criteria';
import { describeExpression } from './routing-steps';

/**
 * What a waiting task is told about. In a busy line a task is "behind tasks ahead" in a round where a
 * slot frees and "no free slot" in the next: both mean it waits its turn, so telling it each flip would
 * cost a billed signal per round for no news (the dispatcher's explainTask query has the live reason).
 */
export function waitNewsKey(reason: WaitReason): WaitReason {
  return reason === 'behind-tasks-ahead-in-line' || reason === 'offer-pacing' ? 'no-free-slot' : reason;
}

/** Why a task still waits, in words a supervisor reads in the Temporal UI. */
export function describeWait(
  notice: WaitNotice,
  context: { queueId: string; allowedStatuses: string[]; routingCriteria?: RoutingCriteria },
): string {
  const step = describeStep(notice, context.routingCriteria);
  return step === undefined ? describeReason(notice, context) : `${step}: ${describeReason(notice, context)}`;
}

/** `Step 1 of 2 (Language: Spanish ≥ 3, until 2026-12-03T10:00:30.000Z)`, or every step expired. */
function describeStep(notice: WaitNotice, criteria: RoutingCriteria | undefined): string | undefined {
  const step = notice.decision.step;
  if (!step || !criteria) return undefined;
  const { steps } = criteria;
  if (step.index >= steps.length)
    return `Every routing step has expired, so any agent of the queue may take it`;
  const until =
    step.expiresAt === undefined ? 'never expires' : `until ${new Date(step.expiresAt).toISOString()}`;
  return `Step ${step.index + 1} of ${steps.length} (${describeExpression(steps[step.index]!.expression)}, ${until})`;
}

function describeReason(notice: WaitNotice, context: { queueId: string; allowedStatuses: string[] }): string {
  const { reason, candidateCount } = notice.decision;
  const place = `position ${notice.position} of ${notice.waitingCount} waiting`;
  const eligible = notice.decision.step ? 'agent(s) with the skills' : 'eligible agent(s)';
  switch (reason) {
    case 'no-agent-data-yet':
      return 'The dispatcher has not read agent states from Connect yet.';
    case 'no-agent-serves-queue':
      return `No logged-in agent has queue ${context.queueId} among the manual-assignment queues of their routing profile.`;
    case 'queue-routed-by-connect':
      return `Queue ${context.queueId} is a routing (not a manual-assignment) queue of the agents' routing profiles: Connect routes its contacts itself, and the dispatcher does not race it.`;
    case 'no-agent-in-allowed-status':
      return `No agent ${notice.decision.step ? 'with the skills' : 'serving the queue'} is in an allowed status (${context.allowedStatuses.join(', ')}).`;
    case 'all-eligible-agents-excluded':
      return 'Every agent who could take the task is excluded for it, or missed or rejected its offer a moment ago.';
    case 'offer-pacing':
      return `An eligible agent is free; offers go out at the AssociateContactWithUser rate, and this task's turn comes next (${place}).`;
    case 'waiting-for-preferred-agents':
      return `Waiting for a preferred agent to have a free TASK slot (${candidateCount} preferred agent(s) eligible; ${place}).`;
    case 'no-free-slot':
      return `All ${candidateCount} ${eligible} are at their TASK capacity (${place}).`;
    case 'behind-tasks-ahead-in-line':
      return `Free slots went to tasks ahead in line (${place}; ${candidateCount} ${eligible}).`;
    case 'agent-skills-not-read-yet':
      return "No agent whose proficiencies were read has the skills; others' are still being read from Connect.";
    case 'no-agent-meets-step':
      return 'No agent serving the queue has these skills; the task waits for the step to expire.';
    case 'no-agent-meets-criteria':
      return 'No agent serving the queue meets this step or any later one, and the last step never expires: the task waits until its deadline unless agents or their skills change.';
  }
}
