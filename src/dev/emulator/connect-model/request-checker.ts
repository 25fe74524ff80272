/**
 * Checks a request against Connect's API model, as Connect's front door does before any work: required
 * members, types, string lengths, patterns, enums, list and map sizes, nested structures. String
 * lengths count Unicode code points, as the model's length limits do.
 */
import { CONNECT_API_MODEL, type ModelOperation, type ModelShape, type ModelStructure } from './api-model';

export type RequestException = 'InvalidParameterException' | 'InvalidRequestException';

export interface RequestIssue {
  exception: RequestException;
  /** Names the field and the limit, e.g. `Name must be at most 1,024 characters (got 1,030)`. */
  message: string;
}

/** A request as it arrives: URI labels (already percent-decoded), query string, JSON body. */
export interface WireRequest {
  labels: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** Compiled once, so that a pattern JavaScript cannot read stops the emulator at start, not mid-request. */
const PATTERNS = new Map(
  Object.values(CONNECT_API_MODEL.shapes).flatMap((shape) =>
    shape.pattern === undefined ? [] : [[shape.pattern, new RegExp(shape.pattern, 'u')] as const],
  ),
);

/** The operation's input members gathered from where the model says each travels, query values typed. */
export function readInput(
  operation: ModelOperation,
  { labels, query, body }: WireRequest,
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...body };
  for (const [name, member] of Object.entries(operation.input.members)) {
    if (member.location === undefined) continue;
    delete input[name]; // a member that travels in the path or query string is never read from the body
    const wireName = member.locationName ?? name;
    const value =
      member.location === 'uri' ? labels[wireName] : queryValue(query, wireName, shapeOf(member.shape));
    if (value !== undefined) input[name] = value;
  }
  return input;
}

/**
 * Every way `input` breaks the operation's model. Connect answers these with InvalidParameterException
 * where the operation documents it, otherwise with InvalidRequestException.
 */
export function checkRequest(operation: ModelOperation, input: Record<string, unknown>): RequestIssue[] {
  const exception: RequestException = operation.errors.includes('InvalidParameterException')
    ? 'InvalidParameterException'
    : 'InvalidRequestException';
  return structureProblems(input, operation.input, '').map((message) => ({ exception, message }));
}

function shapeOf(name: string): ModelShape {
  const shape = CONNECT_API_MODEL.shapes[name];
  if (!shape) throw new Error(`Connect API model has no shape ${name}`);
  return shape;
}

function queryValue(query: URLSearchParams, name: string, shape: ModelShape): unknown {
  if (shape.type === 'list') {
    const texts = query.getAll(name);
    const itemShape = shapeOf(shape.member ?? '');
    return texts.length === 0 ? undefined : texts.map((text) => fromQueryText(text, itemShape));
  }
  const text = query.get(name);
  return text === null ? undefined : fromQueryText(text, shape);
}

/** Text that is not an integer stays text, so the type check reports it as it came. */
function fromQueryText(text: string, shape: ModelShape): unknown {
  return shape.type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text;
}

function structureProblems(
  value: Record<string, unknown>,
  structure: ModelStructure,
  prefix: string,
): string[] {
  const problems: string[] = [];
  for (const name of structure.required ?? []) {
    if (value[name] === undefined || value[name] === null) problems.push(`${prefix}${name} is required`);
  }
  for (const [name, member] of Object.entries(structure.members)) {
    const memberValue = value[name];
    if (memberValue !== undefined && memberValue !== null) {
      problems.push(...valueProblems(memberValue, shapeOf(member.shape), `${prefix}${name}`));
    }
  }
  return problems;
}

function valueProblems(value: unknown, shape: ModelShape, field: string): string[] {
  const wrongType = (expected: string) => [`${field} must be ${expected} (got ${describeValue(value)})`];
  switch (shape.type) {
    case 'string': {
      if (typeof value !== 'string') return wrongType('a string');
      if (shape.enum && !shape.enum.includes(value)) {
        return [`${field} must be one of ${shape.enum.join(', ')} (got ${describeValue(value)})`];
      }
      const problems = sizeProblems(field, [...value].length, shape, CHARACTERS);
      const pattern = shape.pattern === undefined ? undefined : PATTERNS.get(shape.pattern);
      if (pattern && !pattern.test(value)) {
        problems.push(`${field} must match ${shape.pattern} (got ${describeValue(value)})`);
      }
      return problems;
    }
    case 'integer':
      return Number.isInteger(value) ? sizeProblems(field, value as number, shape) : wrongType('an integer');
    case 'timestamp':
      return Number.isFinite(value) ? [] : wrongType('a timestamp in epoch seconds');
    case 'list': {
      if (!Array.isArray(value)) return wrongType('a list');
      const itemShape = shapeOf(shape.member ?? '');
      return [
        ...sizeProblems(field, value.length, shape, ITEMS),
        ...value.flatMap((item: unknown, index) => valueProblems(item, itemShape, `${field}[${index}]`)),
      ];
    }
    case 'map': {
      if (!isObject(value)) return wrongType('a map');
      const [keyShape, valueShape] = [shapeOf(shape.key ?? ''), shapeOf(shape.value ?? '')];
      const entries = Object.entries(value);
      return [
        ...sizeProblems(field, entries.length, shape, ENTRIES),
        ...entries.flatMap(([key, entry]) => [
          ...valueProblems(key, keyShape, `${field} key "${abbreviate(key)}"`),
          ...valueProblems(entry, valueShape, `${field}.${key}`),
        ]),
      ];
    }
    case 'structure':
      return isObject(value)
        ? structureProblems(value, { required: shape.required, members: shape.members ?? {} }, `${field}.`)
        : wrongType('an object');
  }
}

/** Strings count characters, lists items, maps entries (singular, plural); integers are bounded by value. */
type Unit = readonly [string, string];
const CHARACTERS: Unit = ['character', 'characters'];
const ITEMS: Unit = ['item', 'items'];
const ENTRIES: Unit = ['entry', 'entries'];

function sizeProblems(field: string, size: number, { min, max }: ModelShape, unit?: Unit): string[] {
  const verb = unit === undefined || unit === CHARACTERS ? 'must be' : 'must have';
  const describe = (bound: string, limit: number) => {
    const noun = unit === undefined ? '' : ` ${unit[limit === 1 ? 0 : 1]}`;
    return `${field} ${verb} ${bound} ${formatCount(limit)}${noun} (got ${formatCount(size)})`;
  };
  if (min !== undefined && size < min) return [describe('at least', min)];
  if (max !== undefined && size > max) return [describe('at most', max)];
  return [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const formatCount = (value: number): string => value.toLocaleString('en-US');

function describeValue(value: unknown): string {
  if (typeof value === 'number') return formatCount(value);
  if (typeof value === 'string') return `"${abbreviate(value)}"`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Keeps messages short when the offending value is itself huge. */
export function abbreviate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${formatCount(text.length)} characters)`;
}
