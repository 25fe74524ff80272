/**
 * The Connect activities. Build them once per worker with the worker's Connect client:
 * `Worker.create({ activities: createConnectActivities({ connect: createConnectClient() }) })`.
 * Workflows import the types only (`import type { ConnectActivities } from '.'`).
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { createConnectClient } from '../src/worker/connect-client';
import { makeAssociateContactWithUser } from './associate-contact-with-user';
import { makeCreateContact } from './create-contact';
import { makeCreateIntoLine } from './create-into-line';
import { makeDescribeContact } from './describe-contact';
import { makeGetCurrentUserData } from './get-current-user-data';
import { makeListRoutingProfileManualAssignmentQueues } from './list-routing-profile-manual-assignment-queues';
import { makeListRoutingProfileQueues } from './list-routing-profile-queues';
import { makeListUserProficiencies } from './list-user-proficiencies';
import { makeListUsers } from './list-users';
import { makeReadBulkSourcePage } from './read-bulk-source-page';
import { type DispatcherActivityDeps, makeRegisterWithDispatcher } from './register-with-dispatcher';
import { makeStartTaskContact } from './start-task-contact';
import { makeStopContact } from './stop-contact';
import { makeTransferContact } from './transfer-contact';
import { makeTransferIntoLine } from './transfer-into-line';
import { makeWriteBulkReportPart } from './write-bulk-report-part';

export interface CreateConnectActivitiesDeps {
  connect: ConnectClient;
  /** Clock for "contact created moments ago" and ScheduledTime checks; injectable for tests. */
  now?: () => Date;
}

export function createConnectActivities(deps: CreateConnectActivitiesDeps) {
  const resolved = { connect: deps.connect, now: deps.now ?? (() => new Date()) };
  return {
    createContact: reportingAttempt(makeCreateContact(resolved)),
    associateContactWithUser: reportingAttempt(makeAssociateContactWithUser(resolved)),
    describeContact: reportingAttempt(makeDescribeContact(resolved)),
    stopContact: reportingAttempt(makeStopContact(resolved)),
    getCurrentUserData: reportingAttempt(makeGetCurrentUserData(resolved)),
    startTaskContact: reportingAttempt(makeStartTaskContact(resolved)),
    listRoutingProfileQueues: reportingAttempt(makeListRoutingProfileQueues(resolved)),
    listRoutingProfileManualAssignmentQueues: reportingAttempt(
      makeListRoutingProfileManualAssignmentQueues(resolved),
    ),
    transferContact: reportingAttempt(makeTransferContact(resolved)),
    listUsers: reportingAttempt(makeListUsers(resolved)),
    listUserProficiencies: reportingAttempt(makeListUserProficiencies(resolved)),
  };
}

/** Every result says which Temporal attempt produced it, so workflows can report retries per activity. */
function reportingAttempt<I, R extends object>(
  activity: (input: I) => Promise<R>,
): (input: I) => Promise<R & { attempt: number }> {
  // Keeps the function's name: Temporal registers an activity under its key, but logs use the name.
  return {
    async [activity.name](input: I) {
      return { ...(await activity(input)), attempt: Context.current().info.attempt };
    },
  }[activity.name];
}

export type ConnectActivities = ReturnType<typeof createConnectActivities>;

/**
 * Activities that put tasks in a dispatcher's line: through Temporal, after a transfer in Connect
 * for transferIntoLine, after a creation and a transfer for createIntoLine.
 */
export function createDispatcherActivities(deps: DispatcherActivityDeps) {
  const registerWithDispatcher = makeRegisterWithDispatcher(deps);
  let connect = deps.connect;
  const connectDeps = {
    get connect() {
      return (connect ??= createConnectClient());
    },
    now: () => new Date(),
  };
  const transferIntoLine = makeTransferIntoLine(makeTransferContact(connectDeps), registerWithDispatcher);
  return {
    registerWithDispatcher: reportingAttempt(registerWithDispatcher),
    transferIntoLine: reportingAttempt(transferIntoLine),
    createIntoLine: reportingAttempt(
      makeCreateIntoLine(
        makeCreateContact(connectDeps),
        transferIntoLine,
        deps.transfersAtCreateRate ?? false,
      ),
    ),
  };
}

export interface CreateBulkActivitiesDeps {
  /**
   * For `s3://` sources and report locations. Default: `new S3Client({})` (the AWS default chain;
   * the SDK reads `AWS_ENDPOINT_URL_S3`), built on first S3 use, so a worker that never reads S3
   * needs no AWS configuration.
   */
  s3?: S3Client;
}

/** The activities of bulkCreateTasks: reading its source in pages and writing its report in parts. */
export function createBulkActivities(deps: CreateBulkActivitiesDeps = {}) {
  let s3 = deps.s3;
  const files = { s3: () => (s3 ??= defaultS3Client()) };
  return {
    readBulkSourcePage: makeReadBulkSourcePage(files),
    writeBulkReportPart: makeWriteBulkReportPart(files),
  };
}

function defaultS3Client(): S3Client {
  // An S3 stand-in (MinIO, LocalStack...) serves buckets as paths, not as host names.
  return new S3Client(process.env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {});
}

export type BulkActivities = ReturnType<typeof createBulkActivities>;

/** Everything the routing workflows call. */
export type RoutingActivities = ConnectActivities & ReturnType<typeof createDispatcherActivities>;
export type { DispatcherActivityDeps } from './register-with-dispatcher';

export type {
  AssociateContactWithUserInput,
  AssociateContactWithUserResult,
} from './associate-contact-with-user';
export type { CreateContactInput, CreateContactResult } from './create-contact';
export type { CreateIntoLineInput, CreateIntoLineResult } from './create-into-line';
export type { ContactReferenceInput } from '../src/shared/contact-requests';
export type { ContactRefInput, ContactSummary } from './describe-contact';
export type {
  UserDataSummary,
  GetCurrentUserDataInput,
  GetCurrentUserDataResult,
} from './get-current-user-data';
export type { StartTaskContactInput, StartTaskContactResult } from './start-task-contact';
export type { StopContactInput, StopContactResult } from './stop-contact';
export type { TransferContactInput, TransferContactResult } from './transfer-contact';
export type { TransferIntoLineInput, TransferIntoLineResult } from './transfer-into-line';
export type {
  BulkSourcePage,
  ReadBulkSourcePageInput,
  WriteBulkReportPartInput,
  WriteBulkReportPartResult,
} from '../src/shared/bulk-source';
export type { ListUsersResult } from './list-users';
export type { ListUserProficienciesInput, ListUserProficienciesResult } from './list-user-proficiencies';
export type {
  ListRoutingProfileQueuesInput,
  ListRoutingProfileQueuesResult,
} from './list-routing-profile-queues';
