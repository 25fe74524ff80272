/**
 * Amazon Connect's own API model, as `extract.py` takes it from the botocore wheel: each operation's
 * HTTP method, path, input members and errors, and the shapes (types and limits) those members use.
 * It is the emulator's source of Connect's constraints, independent of the package's own validator.
 */
import extracted from './connect-api-model.json';

export type ShapeType = 'string' | 'integer' | 'timestamp' | 'list' | 'map' | 'structure';
const SHAPE_TYPES: readonly string[] = ['string', 'integer', 'timestamp', 'list', 'map', 'structure'];
const MEMBER_LOCATIONS: readonly string[] = ['uri', 'querystring'];

export interface ModelMember {
  shape: string;
  /** Where the member travels; absent: in the JSON body. */
  location?: 'uri' | 'querystring';
  /** Its name in the path or query string, when that differs from the member name. */
  locationName?: string;
}

export interface ModelStructure {
  required?: string[];
  members: Record<string, ModelMember>;
}

export interface ModelShape extends Partial<ModelStructure> {
  type: ShapeType;
  /** Strings: length; integers: value; lists and maps: entries. */
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  /** List items, map keys and map values: shape names. */
  member?: string;
  key?: string;
  value?: string;
}

export interface ModelOperation {
  method: string;
  /** With `{Label}` placeholders for the `uri` members. */
  path: string;
  input: ModelStructure;
  errors: ConnectApiErrorName[];
}

/** Every error the extracted operations document, each with the HTTP status Connect answers it with. */
export type ConnectApiErrorName = keyof (typeof extracted)['errors'];
export type ModelledOperationName = keyof (typeof extracted)['operations'];

export interface ConnectApiModel {
  source: { package: string; version: string; file: string; apiVersion: string };
  operations: Record<ModelledOperationName, ModelOperation>;
  shapes: Record<string, ModelShape>;
  errors: Record<ConnectApiErrorName, number>;
}

export const CONNECT_API_MODEL = extracted as ConnectApiModel;

// A shape type or member location the checker does not know would go unchecked: refuse to start instead.
for (const [name, shape] of Object.entries(CONNECT_API_MODEL.shapes)) {
  if (!SHAPE_TYPES.includes(shape.type)) {
    throw new Error(
      `Connect API model shape ${name} has type ${shape.type}, which the emulator cannot check`,
    );
  }
}
for (const [name, operation] of Object.entries(CONNECT_API_MODEL.operations)) {
  for (const [member, { location }] of Object.entries(operation.input.members)) {
    if (location !== undefined && !MEMBER_LOCATIONS.includes(location)) {
      throw new Error(
        `Connect API model: ${name} ${member} travels in ${location}, which the emulator does not read`,
      );
    }
  }
}

/** The operation's path as a pattern whose named groups are its URI labels. */
export function pathPattern(operation: ModelOperation): RegExp {
  const source = operation.path
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith('{') ? `(?<${part.slice(1, -1)}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}
