import { Context } from '@temporalio/activity';
import {
  type ContactState,
  GetCurrentUserDataCommand,
  type GetCurrentUserDataCommandInput,
  type UserData,
  type UserDataFilters,
} from '@aws-sdk/client-connect';
import {
  CONNECT_LIMITS,
  type ConnectValidationIssue,
  validateGetCurrentUserDataRequest,
} from '../src/shared/connect-validation';
import { type AgentContact, agentContact, POLL_WAIT_MAX_MS } from '../src/shared/dispatcher-contract';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import {
  callConnect,
  type ConnectActivityDeps,
  type ConnectActivityInput,
  rejectInvalidInput,
  toIso,
} from './connect-call';

/** Give one kind of filter (Connect accepts one per call); long lists are split into several calls. */
export interface GetCurrentUserDataInput extends ConnectActivityInput {
  queueIds?: string[];
  routingProfileIds?: string[];
  agentIds?: string[];
  contactStates?: ContactState[];
  /** `MaxResults` per page; default 100. */
  pageSize?: number;
  /**
   * Wait this long (ms, at most POLL_WAIT_MAX_MS) before the first call, on the first attempt only:
   * a dispatcher schedules its next poll at once instead of starting a timer for it.
   */
  waitMs?: number;
}

/** One agent's GetCurrentUserData record (Connect's UserData), reduced to what routing needs. */
export interface UserDataSummary {
  userId: string;
  userArn?: string;
  routingProfileId?: string;
  statusName?: string;
  statusStartTimestamp?: string;
  nextStatus?: string;
  availableTaskSlots: number;
  maxTaskSlots: number;
  activeTaskSlots: number;
  contacts: AgentContact[];
}

export interface GetCurrentUserDataResult {
  agents: UserDataSummary[];
  /** GetCurrentUserData calls made (pages × filter chunks): the rate budget this poll used. */
  requestCount: number;
}

const SPLITTABLE_FILTERS = {
  queueIds: 'Queues',
  routingProfileIds: 'RoutingProfiles',
  agentIds: 'Agents',
} as const satisfies Record<string, keyof UserDataFilters>;

/**
 * GetCurrentUserData (`POST /metrics/userdata/{InstanceId}`): every page of every filter chunk of at
 * most 100 values; an agent seen through several chunks is reported once.
 */
export function makeGetCurrentUserData(deps: ConnectActivityDeps) {
  return async function getCurrentUserData(
    input: GetCurrentUserDataInput,
  ): Promise<GetCurrentUserDataResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const requests = toRequests(input);
    rejectInvalidInput('GetCurrentUserData', [
      ...waitIssues(input.waitMs),
      ...uniqueIssues(requests.map(validateGetCurrentUserDataRequest)),
    ]);
    const context = Context.current();
    if (input.waitMs && context.info.attempt === 1) await context.sleep(input.waitMs);
    const agents = new Map<string, UserDataSummary>();
    let requestCount = 0;
    for (const request of requests) {
      let nextToken: string | undefined;
      do {
        const page = { ...request, NextToken: nextToken };
        const response = await callConnect(
          'GetCurrentUserData',
          () => deps.connect.send(new GetCurrentUserDataCommand(page)),
          policy,
        );
        requestCount += 1;
        for (const userData of response.UserDataList ?? []) {
          const agent = toUserDataSummary(userData);
          if (agent && !agents.has(agent.userId)) agents.set(agent.userId, agent);
        }
        nextToken = response.NextToken;
      } while (nextToken);
    }
    return { agents: [...agents.values()], requestCount };
  };
}

function waitIssues(waitMs: number | undefined): ConnectValidationIssue[] {
  if (waitMs === undefined || (Number.isInteger(waitMs) && waitMs >= 0 && waitMs <= POLL_WAIT_MAX_MS))
    return [];
  return [
    {
      field: 'waitMs',
      message: `waitMs must be a whole number of milliseconds from 0 to ${POLL_WAIT_MAX_MS}`,
      exception: 'InvalidParameterException',
    },
  ];
}

function toRequests(input: GetCurrentUserDataInput): GetCurrentUserDataCommandInput[] {
  const base = {
    InstanceId: input.instanceId,
    MaxResults: input.pageSize ?? CONNECT_LIMITS.getCurrentUserDataMaxResults.max,
  };
  const contactFilter =
    input.contactStates === undefined ? {} : { ContactFilter: { ContactStates: input.contactStates } };
  const given = (Object.keys(SPLITTABLE_FILTERS) as (keyof typeof SPLITTABLE_FILTERS)[]).filter(
    (name) => input[name] !== undefined,
  );
  if (given.length !== 1) {
    // None: one unfiltered call. Several: one call, which validation rejects with the reason.
    const filters: UserDataFilters = { ...contactFilter };
    for (const name of given) filters[SPLITTABLE_FILTERS[name]] = input[name];
    return [{ ...base, Filters: filters }];
  }
  const name = given[0]!;
  const filterName = SPLITTABLE_FILTERS[name];
  const values = input[name] ?? [];
  const chunkSize = CONNECT_LIMITS.userDataFilters[filterName];
  const requests: GetCurrentUserDataCommandInput[] = []; // an empty list selects no agents: no call
  for (let start = 0; start < values.length; start += chunkSize) {
    requests.push({
      ...base,
      Filters: { ...contactFilter, [filterName]: values.slice(start, start + chunkSize) },
    });
  }
  return requests;
}

function uniqueIssues(issueLists: ConnectValidationIssue[][]): ConnectValidationIssue[] {
  const byMessage = new Map(issueLists.flat().map((issue) => [issue.message, issue]));
  return [...byMessage.values()];
}

function toUserDataSummary(userData: UserData): UserDataSummary | undefined {
  const userId = userData.User?.Id;
  if (userId === undefined) return undefined;
  return {
    userId,
    userArn: userData.User?.Arn,
    routingProfileId: userData.RoutingProfile?.Id,
    statusName: userData.Status?.StatusName,
    statusStartTimestamp: toIso(userData.Status?.StatusStartTimestamp),
    nextStatus: userData.NextStatus,
    availableTaskSlots: userData.AvailableSlotsByChannel?.TASK ?? 0,
    maxTaskSlots: userData.MaxSlotsByChannel?.TASK ?? 0,
    activeTaskSlots: userData.ActiveSlotsByChannel?.TASK ?? 0,
    contacts: (userData.Contacts ?? []).flatMap((contact) =>
      contact.ContactId ? [agentContact(contact.ContactId, contact.AgentContactState)] : [],
    ),
  };
}
