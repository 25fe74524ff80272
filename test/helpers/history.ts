/**
 * A workflow history as Temporal stores it, for tests that look for what must not be there: its raw
 * protobuf bytes (every string in it, as the server keeps it), and the payloads in it with where they
 * are, optionally decoded by a codec (what a client with the keys reads).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export function historyBytes(history: History): Buffer {
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

function isPayload(value: object): value is Payload {
  const { metadata } = value as { metadata?: Record<string, unknown> };
  return typeof metadata === 'object' && metadata !== null && metadata.encoding instanceof Uint8Array;
}

/** Every payload in the history with its path, search attributes left out (codecs never see those). */
export function historyPayloads(history: History): { path: string; payload: Payload }[] {
  const found: { path: string; payload: Payload }[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      found.push({ path, payload: value });
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      if (key !== 'searchAttributes') visit(field, `${path}.${key}`);
    }
  };
  visit(history, 'history');
  return found;
}

/** All the history's text as a client with `codec` would read it: each payload decoded, as UTF-8. */
export async function decodedHistoryText(history: History, codec: PayloadCodec): Promise<string> {
  const payloads = historyPayloads(history).map(({ payload }) => payload);
  const decoded = await codec.decode(payloads);
  return [
    historyBytes(history).toString('utf8'),
    ...decoded.map((payload) =>
      Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()).toString('utf8'),
    ),
  ].join('\n');
}
