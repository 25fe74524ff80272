/**
 * The vocabulary of Connect's REST-JSON protocol that the emulator speaks: the operations it
 * serves and the errors it answers with (name, HTTP status), exactly as the AWS SDK maps them.
 */
import { type ConnectApiErrorName, CONNECT_API_MODEL } from './connect-model/api-model';

export const OPERATIONS = [
  'CreateContact',
  'AssociateContactWithUser',
  'StartTaskContact',
  'GetCurrentUserData',
  'DescribeContact',
  'StopContact',
  'ListQueues',
  'ListUsers',
  'ListRoutingProfiles',
  'ListRoutingProfileQueues',
  'ListRoutingProfileManualAssignmentQueues',
  'TransferContact',
  'ListUserProficiencies',
  'ListPredefinedAttributes',
  'DescribePredefinedAttribute',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** Errors that are not Connect's own (those take their HTTP status from Connect's API model). */
const EMULATOR_ERROR_STATUS = {
  /** Not modelled by Connect; the SDK raises a generic ConnectServiceException with status 503. */
  ServiceUnavailableException: 503,
  UnknownOperationException: 404,
  SerializationException: 400,
  /** AWS's own authentication errors, common to its services (see signatures.ts). */
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
} as const;
export type ConnectErrorName = ConnectApiErrorName | keyof typeof EMULATOR_ERROR_STATUS;

const ERROR_STATUS: Record<ConnectErrorName, number> = {
  ...CONNECT_API_MODEL.errors,
  ...EMULATOR_ERROR_STATUS,
};

/**
 * Connect models `Reason` as a union whose only known member is about attached files. The emulator
 * reports its own reasons under this member, which the SDK surfaces as `Reason.$unknown`.
 */
export const EMULATOR_REASON_MEMBER = 'EmulatorReason';

/** Why AssociateContactWithUser refused a contact (the value inside `Reason`). */
export type InvalidRequestReason =
  | 'CONTACT_ALREADY_CONNECTED'
  | 'CONTACT_ALREADY_OFFERED'
  | 'CONTACT_ENDED'
  | 'CONTACT_NOT_YET_QUEUED'
  | 'CONTACT_NOT_QUEUED'
  | 'QUEUE_NOT_MANUAL_ASSIGNMENT'
  | 'CHANNEL_NOT_SUPPORTED';

export class ConnectError extends Error {
  readonly status: number;

  constructor(
    readonly errorName: ConnectErrorName,
    message: string,
    readonly reason?: InvalidRequestReason,
  ) {
    super(message);
    this.name = errorName;
    this.status = ERROR_STATUS[errorName];
  }

  /** The JSON body the SDK's error deserializer reads (`Message`, and `Reason` as a union). */
  toBody(): Record<string, unknown> {
    return this.reason === undefined
      ? { Message: this.message }
      : { Message: this.message, Reason: { [EMULATOR_REASON_MEMBER]: this.reason } };
  }
}

export const notFound = (what: string, id: string): ConnectError =>
  new ConnectError('ResourceNotFoundException', `${what} not found: ${id}`);
