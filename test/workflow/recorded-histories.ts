/**
 * The recorded histories that replay.test.ts replays: one JSON file per workflow run, holding the
 * history and the workflow id (a history does not contain it, and the workflows read it).
 *
 * The SDK's historyToJSON/historyFromJSON cannot be used here: they fail with "type must be a
 * Type" because @temporalio/common and @temporalio/proto each install their own protobufjs copy.
 * The history's own proto class converts both ways instead (longs, enums and bytes as strings).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, 'histories');

const HistoryProto = temporal.api.history.v1.History;
const TO_JSON = { longs: String, enums: String, bytes: String };

export interface RecordedHistory {
  name: string;
  workflowId: string;
  history: History;
}

interface HistoryFile {
  workflowId: string;
  history: Record<string, unknown>;
}

function historyPath(name: string): string {
  return path.join(HISTORIES_DIR, `${name}.json`);
}

function readHistoryFile(name: string): RecordedHistory {
  const file = JSON.parse(fs.readFileSync(historyPath(name), 'utf8')) as HistoryFile;
  return { name, workflowId: file.workflowId, history: HistoryProto.fromObject(file.history) };
}

/** Writes one run, then reads it back and checks it is the same history, byte for byte. */
export function writeRecordedHistory({ name, workflowId, history }: RecordedHistory): void {
  const message = HistoryProto.fromObject(history);
  const file: HistoryFile = { workflowId, history: HistoryProto.toObject(message, TO_JSON) };
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(historyPath(name), `${JSON.stringify(file, null, 2)}\n`);
  const original = Buffer.from(HistoryProto.encode(message).finish());
  const readBack = Buffer.from(HistoryProto.encode(readHistoryFile(name).history).finish());
  if (!original.equals(readBack)) throw new Error(`${name}: the written history does not read back the same`);
}

export function readRecordedHistories(): RecordedHistory[] {
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((fileName) => fileName.endsWith('.json'))
    .sort()
    .map((fileName) => readHistoryFile(path.basename(fileName, '.json')));
}
