/**
 * The failure converter for encrypted deployments (its module path is the data converter's
 * `failureConverterPath`, so the workflow bundle and every worker and client load it): a failure's
 * message and stack trace travel as an encoded payload, which the payload codec then encrypts, instead
 * of in clear text beside it. Readers need nothing special: every SDK's default converter decodes them.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
