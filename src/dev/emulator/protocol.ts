/**
 * The vocabulary of Connect's REST-JSON protocol that the emulator speaks: the operations it
 * serves and the errors it answers with (name, HTTP status), exactly as the AWS SDK maps them.
 */

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
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** HTTP status of each error the emulator can answer; the SDK picks the exception class by name. */
export const ERROR_STATUS = {
  AccessDeniedException: 403,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ResourceNotFoundException: 404,
  IdempotencyException: 409,
  /** StopContact on a contact that is no longer active. */
  ContactNotFoundException: 410,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  InternalServiceException: 500,
  /** Not modelled by Connect; the SDK raises a generic ConnectServiceException with status 503. */
  ServiceUnavailableException: 503,
  UnknownOperationException: 404,
  SerializationException: 400,
} as const;
export type ConnectErrorName = keyof typeof ERROR_STATUS;

/**
 * Connect models `Reason` as a union whose only known member is about attached files. The emulator
 * reports its own reasons under this member, which the SDK surfaces as `Reason.$unknown`.
 */
export const EMULATOR_REASON_MEMBER = 'EmulatorReason';

/** Why AssociateContactWithUser refused a contact (the value inside `Reason`). */
export type InvalidRequestReason =
  'CONTACT_ALREADY_CONNECTED' | 'CONTACT_ENDED' | 'CONTACT_NOT_YET_QUEUED' | 'CHANNEL_NOT_SUPPORTED';

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
