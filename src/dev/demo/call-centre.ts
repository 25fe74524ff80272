/**
 * What the demo routes: the emulator's default call centre with agents who finish tasks in seconds
 * (so a demo ends in well under a minute) and two agents who log in late (so tasks visibly wait for
 * a free agent), and a seeded mix of tasks across both queues, priorities and preferred agents.
 */
import {
  DEFAULT_CALL_CENTRE,
  defaultAgentId,
  defaultContactFlowId,
  defaultQueueId,
  type EmulatorConfig,
  type RunningEmulator,
} from '../emulator';
import { SeededRandom } from '../emulator/random';
import type { RouteTaskInput } from '../../shared/route-task-contract';

/**
 * Agents who start Offline and log in this many ms after the first task starts. Only Offline →
 * Available: an agent leaving while a slot is offered to them would be a real race (Connect does
 * not check either), which a demo should not stage at random.
 */
const LATE_STARTERS = [
  { username: 'frank', availableAfterMs: 4_000 },
  { username: 'dave', availableAfterMs: 8_000 },
];

export function demoCallCentre(instanceId: string): EmulatorConfig {
  return {
    ...DEFAULT_CALL_CENTRE,
    instance: { ...DEFAULT_CALL_CENTRE.instance, id: instanceId },
    agents: DEFAULT_CALL_CENTRE.agents.map((agent) =>
      LATE_STARTERS.some(({ username }) => username === agent.username)
        ? { ...agent, status: 'Offline' }
        : agent,
    ),
    handleTimeMs: { min: 2_000, max: 6_000 },
  };
}

/**
 * Logs the late starters in, timed from now (not from the emulator's start, as its `scenario` is:
 * bundling the worker's workflows takes seconds). Returns a function that cancels what is still due.
 */
export function scheduleLateStarters(emulator: Pick<RunningEmulator, 'setAgentStatus'>): () => void {
  const timers = LATE_STARTERS.map(({ username, availableAfterMs }) =>
    setTimeout(() => emulator.setAgentStatus(defaultAgentId(username), 'Available'), availableAfterMs),
  );
  return () => timers.forEach(clearTimeout);
}

export interface DemoTask {
  workflowId: string;
  input: RouteTaskInput;
}

const REASONS = {
  Billing: ['refund request', 'invoice dispute', 'card update', 'payment plan'],
  Support: ['password reset', 'app crash report', 'delivery question', 'plan upgrade'],
} as const;

/** Mostly routine work, some urgent: priority 1 is served first, like Connect's QueuePriority. */
function drawPriority(random: SeededRandom): number {
  const draw = random.next();
  if (draw < 0.15) return 1;
  if (draw < 0.4) return 3;
  return 5;
}

export function demoTasks(options: {
  count: number;
  seed: number;
  instanceId: string;
  runId: string;
}): DemoTask[] {
  const random = SeededRandom.stream(options.seed, 'demo-tasks');
  const width = String(options.count).length;
  return Array.from({ length: options.count }, (_, index) => {
    const number = String(index + 1).padStart(width, '0');
    const queueName = random.next() < 0.5 ? 'Billing' : 'Support';
    const reasons = REASONS[queueName];
    const reason = reasons[random.integerBetween(0, reasons.length - 1)];
    // Every sixth task asks for a blended agent first, and widens to the whole queue after 5 s.
    const preferred =
      index % 6 === 5 ? { preferredAgentIds: [defaultAgentId('erin')], widenAfterSeconds: 5 } : {};
    return {
      workflowId: `demo/${options.runId}/task-${number}`,
      input: {
        instanceId: options.instanceId,
        queueId: defaultQueueId(queueName),
        // CreateContact makes an unqueued task: the transfer-to-queue flow queues it for assignment.
        transferFlowId: defaultContactFlowId('Transfer to queue'),
        priority: drawPriority(random),
        ...preferred,
        contact: {
          // Distinct content per task: the emulator's ledger counts identical contacts as duplicates.
          name: `Demo ${number}: ${reason}`,
          description: `${queueName} ${reason}, demo run ${options.runId}`,
          attributes: { demoRun: options.runId, demoTask: number },
        },
      },
    };
  });
}
