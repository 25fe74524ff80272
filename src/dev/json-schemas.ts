/**
 * JSON Schemas (draft 2020-12) of what other services send to and get from the workflows: each
 * generated with zod's `z.toJSONSchema` from the very schema the code validates with (inputs and
 * update arguments) or derives its TypeScript type from (results, query answers), so the two cannot
 * drift. `npm run schemas` writes them to `schemas/`; a unit test fails when the committed files differ
 * from what this produces.
 */
import fs from 'node:fs';
import path from 'node:path';
import prettier from 'prettier';
import { z } from 'zod';
import {
  bulkCreateTasksInputSchema,
  bulkCreateTasksProgressSchema,
  bulkCreateTasksResultSchema,
} from '../shared/bulk-create-contract';
import { dispatcherStatusSchema, queueStatisticsSchema } from '../shared/dispatcher-contract';
import {
  cancelRouteTaskSchema,
  reprioritizeResultSchema,
  reprioritizeSchema,
  routeTaskInputSchema,
  routeTaskResultSchema,
  routeTaskStatusSchema,
  setPreferredAgentsResultSchema,
  setPreferredAgentsSchema,
} from '../shared/route-task-contract';

export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');

/** `$id` of every schema: a name, not a place to fetch it from (the files are in the package and the repository). */
const ID_PREFIX = 'urn:connect-task-router:schema:';

export interface JsonSchemaSpec {
  /** `<workflow type>.<what>`: the file is `<name>.schema.json`. */
  name: string;
  title: string;
  schema: z.ZodType;
  /** `input`: what a caller sends (fields with defaults are optional); `output`: what the workflow returns. */
  io: 'input' | 'output';
}

export const JSON_SCHEMA_SPECS: readonly JsonSchemaSpec[] = [
  { name: 'routeTask.input', title: 'routeTask input', schema: routeTaskInputSchema, io: 'input' },
  { name: 'routeTask.result', title: 'routeTask result', schema: routeTaskResultSchema, io: 'output' },
  {
    name: 'routeTask.query.status',
    title: 'routeTask status query answer',
    schema: routeTaskStatusSchema,
    io: 'output',
  },
  {
    name: 'routeTask.signal.cancel',
    title: 'routeTask cancel signal argument',
    schema: cancelRouteTaskSchema,
    io: 'input',
  },
  {
    name: 'routeTask.update.reprioritize',
    title: 'routeTask reprioritize update argument',
    schema: reprioritizeSchema,
    io: 'input',
  },
  {
    name: 'routeTask.update.reprioritize.result',
    title: 'routeTask reprioritize update answer',
    schema: reprioritizeResultSchema,
    io: 'output',
  },
  {
    name: 'routeTask.update.setPreferredAgents',
    title: 'routeTask setPreferredAgents update argument',
    schema: setPreferredAgentsSchema,
    io: 'input',
  },
  {
    name: 'routeTask.update.setPreferredAgents.result',
    title: 'routeTask setPreferredAgents update answer',
    schema: setPreferredAgentsResultSchema,
    io: 'output',
  },
  {
    name: 'bulkCreateTasks.input',
    title: 'bulkCreateTasks input',
    schema: bulkCreateTasksInputSchema,
    io: 'input',
  },
  {
    name: 'bulkCreateTasks.result',
    title: 'bulkCreateTasks result',
    schema: bulkCreateTasksResultSchema,
    io: 'output',
  },
  {
    name: 'bulkCreateTasks.query.progress',
    title: 'bulkCreateTasks progress query answer',
    schema: bulkCreateTasksProgressSchema,
    io: 'output',
  },
  {
    name: 'connectDispatcher.result',
    title: 'connectDispatcher result',
    schema: dispatcherStatusSchema,
    io: 'output',
  },
  {
    name: 'connectDispatcher.query.status',
    title: 'connectDispatcher status query answer',
    schema: dispatcherStatusSchema,
    io: 'output',
  },
  {
    name: 'connectDispatcher.query.queueStatistics',
    title: 'connectDispatcher queueStatistics query answer',
    schema: queueStatisticsSchema,
    io: 'output',
  },
];

export function schemaFileName(name: string): string {
  return `${name}.schema.json`;
}

export function schemaId(name: string): string {
  return `${ID_PREFIX}${name}`;
}

/** One JSON Schema as an object: `$schema`, `$id`, `title` and `description` first, then the rest zod made. */
export function jsonSchemaOf(spec: JsonSchemaSpec): Record<string, unknown> {
  const { $schema, description, ...generated } = z.toJSONSchema(spec.schema, {
    target: 'draft-2020-12',
    io: spec.io,
    // Anything zod cannot express in JSON Schema is an error, never a silently looser schema.
    unrepresentable: 'throw',
  });
  return { $schema, $id: schemaId(spec.name), title: spec.title, description, ...generated };
}

/** Every schema file's name and its text, formatted as Prettier formats the repository's JSON. */
export async function generateJsonSchemas(): Promise<Map<string, string>> {
  const options = { ...(await prettier.resolveConfig(path.join(SCHEMAS_DIR, 'x.json'))), parser: 'json' };
  const files = new Map<string, string>();
  for (const spec of JSON_SCHEMA_SPECS) {
    const text = JSON.stringify(jsonSchemaOf(spec), null, 2);
    files.set(schemaFileName(spec.name), await prettier.format(text, options));
  }
  return files;
}

/** Writes every schema to `dir` and removes schema files that are no longer generated. */
export async function writeJsonSchemas(dir = SCHEMAS_DIR): Promise<{ written: string[]; removed: string[] }> {
  const files = await generateJsonSchemas();
  fs.mkdirSync(dir, { recursive: true });
  const removed = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.schema.json') && !files.has(file))
    .map((file) => {
      fs.rmSync(path.join(dir, file));
      return file;
    });
  for (const [file, text] of files) fs.writeFileSync(path.join(dir, file), text);
  return { written: [...files.keys()], removed };
}

if (require.main === module) {
  writeJsonSchemas().then(
    ({ written, removed }) => {
      const where = path.relative(process.cwd(), SCHEMAS_DIR) || '.';
      console.log(`Wrote ${written.length} JSON Schemas to ${where}/: ${written.join(', ')}`);
      if (removed.length > 0) console.log(`Removed ${removed.join(', ')}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
