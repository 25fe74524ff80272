/**
 * `connect-task-router task ...`: start one routeTask run (the caller's business key is its
 * workflow id, so starting it again starts nothing), follow it, cancel it, and list the runs still
 * routing from Temporal's visibility. A user's mistake (bad JSON, an invalid input, an unknown
 * workflow id) ends the command with one line on stderr and exit code 1, never a stack trace.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { Command, Option } from 'commander';
import {
  cancelRouteTask,
  describeRouteTask,
  getRouteTaskStatus,
  RouteTaskInputError,
  startRouteTask,
  waitForRouteTask,
} from '../client/route-task-client';
import type { ConnectValidationIssue } from '../shared/connect-validation';
import {
  type OfferRecord,
  ROUTE_TASK_LIMITS,
  ROUTING_STRATEGIES,
  type RouteTaskInput,
  type RouteTaskResult,
  type RouteTaskStatus,
  type RoutingStage,
  type RoutingStrategy,
} from '../shared/route-task-contract';
import {
  ConnectAgentId,
  ConnectContactId,
  ConnectInstanceId,
  ConnectQueueId,
  RoutingStage as RoutingStageAttribute,
  TaskPriority,
} from '../shared/search-attributes';
import {
  explain,
  formatColumns,
  oneLineErrors,
  readJson,
  repeatable,
  shortDuration,
  taskQueueOption,
  withTemporal,
} from './command-support';
import { integerOption, keyValueOption, secondsOption } from './options';

const ROUTE_TASK = 'routeTask';

/** The stages of a run that has not ended: what `task list --stage` can ask for. */
const RUNNING_STAGES = [
  'creating',
  'waiting-for-agent',
  // No `assigning`: the RoutingStage search attribute skips that one-call stage.
  'offered',
  'stopping',
] as const satisfies readonly RoutingStage[];

const LIST_LIMIT = { max: 10_000, default: 100 };

// ---- Options ----

interface TaskStartOptions {
  input?: string;
  instance?: string;
  queue?: string;
  name?: string;
  description?: string;
  attribute?: Record<string, string>;
  priority?: number;
  preferredAgent?: string[];
  widenAfter?: number;
  excludedAgent?: string[];
  transferFlow?: string;
  contactFlow?: string;
  strategy?: RoutingStrategy;
  deadline?: number;
  taskQueue: string;
  wait?: boolean;
}

/** The field options, by the routeTask field each one sets: to name the option in a validation issue. */
const FIELD_OPTIONS: [field: string, option: string][] = [
  ['instanceId', '--instance'],
  ['queueId', '--queue'],
  ['contact.name', '--name'],
  ['contact.description', '--description'],
  ['contact.attributes', '--attribute'],
  ['priority', '--priority'],
  ['preferredAgentIds', '--preferred-agent'],
  ['widenAfterSeconds', '--widen-after'],
  ['excludedAgentIds', '--excluded-agent'],
  ['transferFlowId', '--transfer-flow'],
  ['contactFlowId', '--contact-flow'],
  ['strategy', '--strategy'],
  ['deadlineSeconds', '--deadline'],
];

function inputFromOptions(options: TaskStartOptions): RouteTaskInput {
  if (options.input !== undefined) {
    // Commander refuses the field options alongside it.
    return readJson('--input', options.input) as RouteTaskInput;
  }
  const defined = <T extends object>(fields: T): T =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
  return defined({
    instanceId: options.instance,
    queueId: options.queue,
    contact: defined({
      name: options.name,
      description: options.description,
      attributes: options.attribute,
    }) as RouteTaskInput['contact'],
    priority: options.priority,
    preferredAgentIds: options.preferredAgent,
    widenAfterSeconds: options.widenAfter,
    excludedAgentIds: options.excludedAgent,
    transferFlowId: options.transferFlow,
    contactFlowId: options.contactFlow,
    strategy: options.strategy,
    deadlineSeconds: options.deadline,
  }) as RouteTaskInput;
}

/** The validation issues, each with the option that sets its field when the input came from options. */
function describeIssues(issues: readonly ConnectValidationIssue[], fromOptions: boolean): string {
  const optionFor = (field: string) =>
    FIELD_OPTIONS.find(([name]) => field === name || field.startsWith(`${name}.`))?.[1] ??
    (field === 'contact' ? '--name' : undefined);
  return issues
    .map((issue) => {
      const option = fromOptions ? optionFor(issue.field) : undefined;
      return option ? `${issue.message} (${option})` : issue.message;
    })
    .join('; ');
}

// ---- Showing a task ----

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `alice (1111…)` when some offer named the agent, else `agent 1111…`. */
function agentLabel(userId: string, offers: readonly OfferRecord[]): string {
  const name = offers.find((offer) => offer.userId === userId && offer.agentName)?.agentName;
  return name === undefined ? `agent ${userId}` : `${name} (${userId})`;
}

function formatOffers(offers: readonly OfferRecord[]): string {
  return offers
    .map(
      (offer) =>
        `${agentLabel(offer.userId, offers)} ${offer.outcome ?? 'not answered yet'}` +
        (offer.answeredAt ? ` at ${offer.answeredAt}` : ` (offered at ${offer.offeredAt})`),
    )
    .join('; ');
}

/** One line on where a running task is: the progress line of `task start --wait`. */
function stageLine(status: RouteTaskStatus): string {
  const { stage, offers } = status;
  if (stage === 'creating') {
    return status.waitingForCapacitySince
      ? `creating the contact: Connect's instance is full since ${status.waitingForCapacitySince}, retrying`
      : 'creating the contact';
  }
  if (stage === 'waiting-for-agent') {
    const place =
      status.position === undefined ? '' : ` · ${status.position} of ${status.waitingCount} in line`;
    return `waiting for an agent${place}${status.lastDecision ? ` · ${status.lastDecision.explanation}` : ''}`;
  }
  const agent = status.currentReservation?.userId ?? status.userId;
  const who = agent === undefined ? 'an agent' : agentLabel(agent, offers);
  if (stage === 'assigning') return `assigning to ${who}`;
  if (stage === 'offered') return `offered to ${who}, waiting for the agent to accept`;
  return stage;
}

function formatRunning(workflowId: string, status: RouteTaskStatus, now: number): string {
  const waited = status.waitingSince ? now - Date.parse(status.waitingSince) : undefined;
  return [
    `${workflowId}: RUNNING, ${status.stage}`,
    `  ${stageLine(status)}`,
    `  instance ${status.instanceId} · queue ${status.queueId} · priority ${status.priority}`,
    ...(status.contactId ? [`  contact ${status.contactId}`] : []),
    ...(status.waitingSince
      ? [`  in line since ${status.waitingSince} (${shortDuration(waited ?? 0)})`]
      : []),
    ...(status.candidateCount === undefined
      ? []
      : [`  eligible agents at the last decision: ${status.candidateCount}`]),
    ...(status.preferredAgentIds.length > 0
      ? [
          `  preferred agents: ${status.preferredAgentIds.join(', ')}` +
            (status.widensAt ? ` (the whole queue from ${status.widensAt})` : ''),
        ]
      : []),
    ...(status.currentReservation ? [`  reservation expires at ${status.currentReservation.expiresAt}`] : []),
    `  reservations tried: ${status.reservationsTried}`,
    ...(status.offers.length > 0 ? [`  offers: ${formatOffers(status.offers)}`] : []),
  ].join('\n');
}

/** How the task ended, in a phrase, and the lines that follow it. */
function describeResult(result: RouteTaskResult): { outcome: string; details: string[] } {
  return {
    outcome:
      result.outcome === 'assigned'
        ? `assigned to ${agentLabel(result.userId!, result.offers)}` +
          (result.waitedMs === undefined ? '' : ` after waiting ${seconds(result.waitedMs)}`)
        : `${result.outcome}${result.reason ? ` (${result.reason})` : ''}`,
    details: [
      `  queue ${result.queueId}` +
        (result.contactId ? ` · contact ${result.contactId}` : ' · no contact') +
        ` · reservations tried: ${result.reservationsTried}` +
        (result.assignedAt ? ` · accepted at ${result.assignedAt}` : ''),
      ...(result.offers.length > 0 ? [`  offers: ${formatOffers(result.offers)}`] : []),
    ],
  };
}

function formatResult(workflowId: string, result: RouteTaskResult): string {
  const { outcome, details } = describeResult(result);
  return [`Task ${workflowId}: ${outcome}`, ...details].join('\n');
}

/**
 * The progress line while `--wait` waits: a spinner with the stage and the time on a terminal; a
 * plain line each time the stage line changes otherwise (CI, a pipe).
 */
function progressLine(workflowId: string, stream: NodeJS.WriteStream = process.stderr) {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const startedAt = Date.now();
  let text = 'starting';
  let frame = 0;
  if (!stream.isTTY) {
    return {
      update(next: string) {
        if (next !== text) stream.write(`${workflowId}: ${next}\n`);
        text = next;
      },
      stop() {},
    };
  }
  const draw = () => {
    frame = (frame + 1) % frames.length;
    const line = `${frames[frame]} ${workflowId}: ${text} · ${shortDuration(Date.now() - startedAt)}`;
    const width = stream.columns || 80;
    stream.write(`\r\x1b[2K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
  };
  const timer = setInterval(draw, 100);
  return {
    update(next: string) {
      text = next;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}

/** Follows the task's status on the progress line until the run ends; its result. */
async function waitWithProgress(client: Client, workflowId: string): Promise<RouteTaskResult> {
  const progress = progressLine(workflowId);
  let ended = false;
  const result = waitForRouteTask(client, workflowId).finally(() => (ended = true));
  try {
    while (!ended) {
      const status = await getRouteTaskStatus(client, workflowId).catch((error: unknown) => {
        progress.update(`no answer to the status query (${explain(error)})`);
        return undefined;
      });
      if (status && !ended) progress.update(stageLine(status));
      await Promise.race([result.catch(() => undefined), sleep(500)]);
    }
  } finally {
    progress.stop();
  }
  return result;
}

interface TaskStatusJson {
  workflowId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  /** The `status` query's answer, while the run routes. */
  current?: RouteTaskStatus;
  /** The run's result, once it completed. */
  result?: RouteTaskResult;
  /** Why it failed, was terminated or timed out. */
  failure?: string;
}

async function printTaskStatus(client: Client, workflowId: string, json: boolean): Promise<void> {
  const description = await describeRouteTask(client, workflowId);
  const status = description.status.name;
  const report: TaskStatusJson = {
    workflowId,
    runId: description.runId,
    status,
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
  };
  if (status === 'RUNNING') report.current = await getRouteTaskStatus(client, workflowId);
  else {
    // An ended run answers from its result, which needs no worker.
    await waitForRouteTask(client, workflowId).then(
      (result) => (report.result = result),
      (error: unknown) => (report.failure = explain(error)),
    );
  }
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  if (report.current) console.log(formatRunning(workflowId, report.current, Date.now()));
  else if (report.result) {
    const { outcome, details } = describeResult(report.result);
    console.log([`${workflowId}: ${status}, ${outcome}`, ...details].join('\n'));
  } else console.log(`${workflowId}: ${status}\n  ${report.failure ?? ''}`);
}

// ---- task list ----

interface ListedTask {
  workflowId: string;
  runId: string;
  stage?: string;
  instanceId?: string;
  queueId?: string;
  priority?: number;
  agentId?: string;
  contactId?: string;
  startedAt: string;
  waitingSeconds: number;
}

/** A visibility query string literal. */
function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface ListOptions {
  instance?: string;
  queue?: string;
  stage?: string;
  agent?: string;
  limit: number;
  json?: boolean;
}

function taskListQuery(options: Omit<ListOptions, 'limit' | 'json'>): string {
  return [
    `WorkflowType = '${ROUTE_TASK}'`,
    `ExecutionStatus = 'Running'`,
    ...(options.instance === undefined ? [] : [`${ConnectInstanceId.name} = ${quoted(options.instance)}`]),
    ...(options.queue === undefined ? [] : [`${ConnectQueueId.name} = ${quoted(options.queue)}`]),
    ...(options.stage === undefined ? [] : [`${RoutingStageAttribute.name} = ${quoted(options.stage)}`]),
    ...(options.agent === undefined ? [] : [`${ConnectAgentId.name} = ${quoted(options.agent)}`]),
  ].join(' AND ');
}

async function listTasks(client: Client, options: ListOptions): Promise<ListedTask[]> {
  const now = Date.now();
  const tasks: ListedTask[] = [];
  for await (const run of client.workflow.list({ query: taskListQuery(options) })) {
    const attributes = run.typedSearchAttributes;
    tasks.push({
      workflowId: run.workflowId,
      runId: run.runId,
      stage: attributes.get(RoutingStageAttribute),
      instanceId: attributes.get(ConnectInstanceId),
      queueId: attributes.get(ConnectQueueId),
      priority: attributes.get(TaskPriority),
      agentId: attributes.get(ConnectAgentId),
      contactId: attributes.get(ConnectContactId),
      startedAt: run.startTime.toISOString(),
      waitingSeconds: Math.max(0, Math.round((now - run.startTime.getTime()) / 1000)),
    });
    if (tasks.length >= options.limit) break;
  }
  // As the dispatcher serves them: the most urgent priority first, then the oldest.
  return tasks.sort(
    (a, b) =>
      (a.priority ?? ROUTE_TASK_LIMITS.priority.default) -
        (b.priority ?? ROUTE_TASK_LIMITS.priority.default) || a.startedAt.localeCompare(b.startedAt),
  );
}

function formatTable(tasks: ListedTask[]): string {
  return formatColumns(
    ['WORKFLOW ID', 'STAGE', 'QUEUE', 'PRIORITY', 'WAITING', 'AGENT'],
    tasks.map((task) => [
      task.workflowId,
      task.stage ?? '-',
      task.queueId ?? '-',
      task.priority === undefined ? '-' : String(task.priority),
      shortDuration(task.waitingSeconds * 1000),
      task.agentId ?? '-',
    ]),
  );
}

// ---- The commands ----

/** The field options conflict with --input, which gives the whole input. */
function fieldOption(flags: string, description: string): Option {
  return new Option(flags, description).conflicts('input');
}

async function startTask(workflowId: string, options: TaskStartOptions): Promise<void> {
  const input = inputFromOptions(options);
  await withTemporal('task', async (client) => {
    try {
      await startRouteTask(client, input, {
        workflowId,
        taskQueue: options.taskQueue,
        // The workflow id is the task's business key: once a run has ended, it is not started again.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      console.log(`Started task ${workflowId} on task queue ${options.taskQueue}.`);
    } catch (error) {
      if (error instanceof RouteTaskInputError) {
        throw new Error(
          `Invalid routeTask input: ${describeIssues(error.issues, options.input === undefined)}`,
        );
      }
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const status = (await describeRouteTask(client, workflowId)).status.name;
      console.log(
        status === 'RUNNING'
          ? `Task ${workflowId} already exists and is running; nothing new started.`
          : `Task ${workflowId} already exists and has ended (${status}); nothing new started.`,
      );
    }
    if (options.wait) console.log(formatResult(workflowId, await waitWithProgress(client, workflowId)));
  });
}

function registerStartCommand(task: Command): void {
  const { priority, deadlineSeconds } = ROUTE_TASK_LIMITS;
  task
    .command('start')
    .description(
      'Start routing one task: create the Connect task contact and assign it to a free eligible ' +
        'agent. The workflow id is your key for the task: starting it again starts nothing new.',
    )
    .argument('<workflowId>', 'your key for the task, e.g. claim-1234 (also seeds the ClientToken)')
    .option('--input <json|@file>', 'the whole routeTask input as JSON, instead of the options below')
    .addOption(fieldOption('--instance <id>', 'Connect instance id'))
    .addOption(fieldOption('--queue <id>', 'queue id the task is for'))
    .addOption(fieldOption('--name <text>', 'the task contact name (what the agent sees)'))
    .addOption(fieldOption('--description <text>', 'the task contact description'))
    .addOption(
      fieldOption('--attribute <key=value>', 'a contact attribute (repeat for several)').argParser(
        keyValueOption('--attribute', 'key=value', 'claim=1234'),
      ),
    )
    .addOption(
      fieldOption(
        '--priority <n>',
        `${priority.min} (most urgent) to ${priority.max}; default ${priority.default}`,
      ).argParser(integerOption('--priority', priority.min, priority.max)),
    )
    .addOption(
      fieldOption('--preferred-agent <userId>', 'an agent to offer the task to first (repeatable)').argParser(
        repeatable,
      ),
    )
    .addOption(
      fieldOption(
        '--widen-after <duration>',
        'how long only the preferred agents may take it, e.g. 60s or 5m (default 60 s)',
      ).argParser(secondsOption('--widen-after')),
    )
    .addOption(
      fieldOption('--excluded-agent <userId>', 'an agent who must not get the task (repeatable)').argParser(
        repeatable,
      ),
    )
    .addOption(
      fieldOption(
        '--transfer-flow <id>',
        'create-then-associate (the default strategy): the transfer-to-queue flow that queues the task',
      ),
    )
    .addOption(fieldOption('--contact-flow <id>', 'start-task-contact: the flow that queues the task'))
    .addOption(
      fieldOption('--strategy <strategy>', 'how the contact is created and assigned').choices(
        ROUTING_STRATEGIES,
      ),
    )
    .addOption(
      fieldOption(
        '--deadline <duration>',
        `stop the task if no agent took it by then, e.g. 900, 15m or 2h (at most ${deadlineSeconds.max / 86_400} days)`,
      ).argParser(secondsOption('--deadline')),
    )
    .addOption(taskQueueOption())
    .option('--wait', 'show the routing stage until the task ends, then print how it ended')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ connect-task-router task start claim-1234 --instance <instanceId> --queue <queueId> \\\n' +
        '      --name "Refund claim 1234" --attribute claim=1234 --priority 3 --transfer-flow <flowId> --wait\n' +
        '  $ connect-task-router task start claim-1235 --input @claim-1235.json',
    )
    .action(oneLineErrors(startTask));
}

export function registerTaskCommands(program: Command): void {
  const task = program
    .command('task')
    .description('Start, follow, cancel and list routed tasks (routeTask runs).')
    .showHelpAfterError(false);

  registerStartCommand(task);

  task
    .command('status')
    .description(
      "Show a task: its stage, place in line and offers while it routes (the run's status query, " +
        'which needs a worker), or how it ended (its result).',
    )
    .argument('<workflowId>')
    .option('--json', 'print JSON: workflowId, status, and current (running) or result / failure (ended)')
    .action(
      oneLineErrors(async (workflowId: string, options: { json?: boolean }) =>
        withTemporal('task', (client) => printTaskStatus(client, workflowId, options.json ?? false)),
      ),
    );

  task
    .command('cancel')
    .description(
      'Cancel a task that has not ended: it leaves the line and its contact is stopped in Connect.',
    )
    .argument('<workflowId>')
    .option('--reason <text>', 'why, kept in the result')
    .option('--wait', 'wait until the task has stopped, then print how it ended')
    .action(
      oneLineErrors(async (workflowId: string, options: { reason?: string; wait?: boolean }) =>
        withTemporal('task', async (client) => {
          await cancelRouteTask(
            client,
            workflowId,
            options.reason === undefined ? {} : { reason: options.reason },
          );
          console.log(`Cancellation requested for task ${workflowId}.`);
          if (options.wait) {
            console.log(formatResult(workflowId, await waitWithProgress(client, workflowId)));
          }
        }),
      ),
    );

  task
    .command('list')
    .description(
      'List the tasks still routing (running routeTask runs), from the search attributes in ' +
        "Temporal's visibility, which lag the runs by a moment: the most urgent first, then the oldest.",
    )
    .option('--instance <id>', 'only this Connect instance (ConnectInstanceId)')
    .option('--queue <id>', 'only this queue (ConnectQueueId)')
    .addOption(
      new Option('--stage <stage>', 'only this routing stage (RoutingStage)').choices(RUNNING_STAGES),
    )
    .option('--agent <userId>', 'only tasks last offered to this agent (ConnectAgentId)')
    .option(
      '--limit <n>',
      'at most this many',
      integerOption('--limit', 1, LIST_LIMIT.max),
      LIST_LIMIT.default,
    )
    .option(
      '--json',
      'print JSON: workflowId, stage, instanceId, queueId, priority, agentId, contactId, startedAt, waitingSeconds',
    )
    .addHelpText(
      'after',
      '\nWAITING counts from the start of the run; AGENT is the agent the task was last offered to.\n' +
        '\nExample:\n  $ connect-task-router task list --queue <queueId> --stage waiting-for-agent',
    )
    .action(
      oneLineErrors(async (options: ListOptions) =>
        withTemporal('task', async (client) => {
          const tasks = await listTasks(client, options);
          if (options.json) console.log(JSON.stringify(tasks, null, 2));
          else if (tasks.length === 0) console.log('No task is routing that matches.');
          else console.log(formatTable(tasks));
        }),
      ),
    );
}
