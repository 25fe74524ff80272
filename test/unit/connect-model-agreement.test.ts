/**
 * The package's Connect validator agrees with Connect's own API model (the botocore extract the
 * emulator checks requests with). Every request schema is walked field by field against the model,
 * and every limit and enum constant is compared with its model shape. Where they differ on purpose,
 * the difference is listed below with why; any other difference, or a listed one that went away, fails.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  CONNECT_API_MODEL,
  type ModelledOperationName,
  type ModelShape,
} from '../../src/dev/emulator/connect-model/api-model';
import * as validation from '../../src/shared/connect-validation';

const { CHANNELS, CONNECT_LIMITS, CONTACT_STATES, INITIATE_AS, INITIATION_METHODS, REFERENCE_TYPES } =
  validation;

const REFERENCE_RESPONSE_FIELDS =
  'response-side fields of a Reference: the package never sends them, so the validator leaves them unchecked';
const SEGMENT_VALUES =
  'the validator checks top-level segment attribute keys and the connect:ContactExpiry entry, the only one the package sets';
const VOICEMAIL_TYPES =
  'reference types newer than the installed @aws-sdk/client-connect (3.1136.0), whose ReferenceType lacks them';
const REFERENCE_BYTES =
  'checked by the validator rules in UTF-8 bytes (CONNECT_LIMITS.references), stricter than characters';
const ATTRIBUTES_TOTAL =
  'the validator bounds keys and values together by the documented 32,768 UTF-8 byte total instead';
const TASK_NAME_512 =
  'an earlier StartTaskContact API Reference gave 0–512; stricter than Connect, so never refused by it';
const EXPIRY_PROSE = 'documented in prose: a contact expires after 1 minute to 90 days';
const NO_ATTACHMENTS = 'the package never sends attachments';
const NEW_CONTACT = ['CreateContact', 'StartTaskContact'] as const;

/** Field-by-field differences between a validator request schema and the model, with why each is intended. */
const KNOWN_FIELD_DIFFERENCES: Record<string, { operations: readonly ModelledOperationName[]; why: string }> =
  {
    'Attributes{key} maxLength: validator —, model 32767': {
      operations: NEW_CONTACT,
      why: ATTRIBUTES_TOTAL,
    },
    'Attributes{} maxLength: validator —, model 32767': {
      operations: NEW_CONTACT,
      why: ATTRIBUTES_TOTAL,
    },
    'Attributes{key} pattern: validator ^[A-Za-z0-9_-]+$, model —': {
      operations: NEW_CONTACT,
      why: 'the API Reference states the key characters in prose only ("alphanumeric, dash, and underscore")',
    },
    'References{key} minLength: validator —, model 1': {
      operations: NEW_CONTACT,
      why: REFERENCE_BYTES,
    },
    'References{key} maxLength: validator —, model 4096': {
      operations: NEW_CONTACT,
      why: REFERENCE_BYTES,
    },
    'References{}.Value maxLength: validator —, model 4096': {
      operations: NEW_CONTACT,
      why: REFERENCE_BYTES,
    },
    'References{}.Type enum: only in model VOICEMAIL_ANALYSIS, VOICEMAIL_ANALYSIS_REDACTED, VOICEMAIL_RECORDING, VOICEMAIL_RECORDING_REDACTED':
      { operations: NEW_CONTACT, why: VOICEMAIL_TYPES },
    'References{}.Status enum: only in model APPROVED, AVAILABLE, DELETED, DRAFTING, FAILED, PROCESSING, REJECTED':
      { operations: NEW_CONTACT, why: REFERENCE_RESPONSE_FIELDS },
    'References{}.Arn minLength: validator —, model 20': {
      operations: NEW_CONTACT,
      why: REFERENCE_RESPONSE_FIELDS,
    },
    'References{}.Arn maxLength: validator —, model 256': {
      operations: NEW_CONTACT,
      why: REFERENCE_RESPONSE_FIELDS,
    },
    'References{}.Arn pattern: validator —, model ^[-:/A-Za-z0-9]+': {
      operations: NEW_CONTACT,
      why: REFERENCE_RESPONSE_FIELDS,
    },
    'References{}.StatusReason maxLength: validator —, model 100': {
      operations: NEW_CONTACT,
      why: REFERENCE_RESPONSE_FIELDS,
    },
    'SegmentAttributes{}.ValueString maxLength: validator —, model 1024': {
      operations: NEW_CONTACT,
      why: SEGMENT_VALUES,
    },
    'SegmentAttributes{}.ValueArn maxLength: validator —, model 1024': {
      operations: NEW_CONTACT,
      why: SEGMENT_VALUES,
    },
    'SegmentAttributes{}.ValueMap{key} minLength: validator —, model 1': {
      operations: NEW_CONTACT,
      why: SEGMENT_VALUES,
    },
    'SegmentAttributes{}.ValueMap{key} maxLength: validator —, model 128': {
      operations: NEW_CONTACT,
      why: SEGMENT_VALUES,
    },
    'ExpiryDurationInMinutes minimum: validator 1, model —': {
      operations: ['CreateContact'],
      why: EXPIRY_PROSE,
    },
    'ExpiryDurationInMinutes maximum: validator 129600, model —': {
      operations: ['CreateContact'],
      why: EXPIRY_PROSE,
    },
    'Name maxLength: validator 512, model 1024': {
      operations: ['StartTaskContact'],
      why: TASK_NAME_512,
    },
    'QuickConnectId minLength: validator 1, model —': {
      operations: ['StartTaskContact'],
      why: 'stricter: an empty id cannot name a quick connect',
    },
    'Attachments minItems: validator —, model 1': {
      operations: ['StartTaskContact'],
      why: NO_ATTACHMENTS,
    },
    'Attachments[]: not checked by the validator': {
      operations: ['StartTaskContact'],
      why: NO_ATTACHMENTS,
    },
    ...Object.fromEntries(
      ['Queues', 'RoutingProfiles', 'Agents', 'UserHierarchyGroups'].flatMap((filter) => [
        [
          `Filters.${filter} minItems: validator —, model 1`,
          {
            operations: ['GetCurrentUserData'],
            why: 'the getCurrentUserData activity makes no call for an empty list',
          },
        ],
        [
          `Filters.${filter}[] minLength: validator 1, model —`,
          { operations: ['GetCurrentUserData'], why: 'stricter: an empty id cannot name anything' },
        ],
      ]),
    ),
    'QueueId minLength: validator 1, model —': {
      operations: ['TransferContact'],
      why: 'stricter: an empty id cannot name a queue',
    },
    'ContactFlowId minLength: validator 1, model —': {
      operations: ['TransferContact'],
      why: 'stricter: an empty id cannot name the transfer flow',
    },
  };

/** CONNECT_LIMITS and enum constants that differ from their model counterpart, with why. */
const KNOWN_CONSTANT_DIFFERENCES: Record<string, string> = {
  'CONNECT_LIMITS.taskName 0..512, model StartTaskContact Name 0..1024': TASK_NAME_512,
  'REFERENCE_TYPES: only in model VOICEMAIL_ANALYSIS, VOICEMAIL_ANALYSIS_REDACTED, VOICEMAIL_RECORDING, VOICEMAIL_RECORDING_REDACTED':
    VOICEMAIL_TYPES,
};

/** CONNECT_LIMITS entries that the model does not express (its documentation states them in prose). */
const PROSE_ONLY_LIMITS = ['attributes', 'expiryDurationInMinutes', 'scheduledTime'];

// ---------------------------------------------------------------------------------------------
// One description of a field for both sides: its path (`A.B`, list items `A[]`, map keys `A{key}`,
// map values `A{}`) and the limits found there.
// ---------------------------------------------------------------------------------------------

interface FieldFacts {
  type?: 'string' | 'integer' | 'timestamp' | 'list' | 'map' | 'structure';
  required?: true;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
type Fields = Map<string, FieldFacts>;

const shapeNamed = (name: string): ModelShape => {
  const shape = CONNECT_API_MODEL.shapes[name];
  assert.ok(shape, `the model has shape ${name}`);
  return shape;
};

/** A minimum of 0 limits nothing; both sides write it either way. */
const atLeastOne = (min: number | undefined) => (min === undefined || min === 0 ? undefined : min);

function modelFields(operation: ModelledOperationName): Fields {
  const fields: Fields = new Map();
  const visit = (shapeName: string, path: string, required: boolean, onPath: readonly string[]) => {
    const shape = shapeNamed(shapeName);
    const facts: FieldFacts = { type: shape.type, ...(required ? { required: true } : {}) };
    if (shape.type === 'string') {
      Object.assign(facts, {
        minLength: atLeastOne(shape.min),
        maxLength: shape.max,
        pattern: shape.pattern,
        enum: shape.enum,
      });
    } else if (shape.type === 'integer') {
      Object.assign(facts, { minimum: shape.min, maximum: shape.max });
    } else if (shape.type === 'list') {
      Object.assign(facts, { minItems: atLeastOne(shape.min), maxItems: shape.max });
    }
    fields.set(path, facts);
    if (onPath.includes(shapeName)) return; // a recursive shape: its inside is already described
    const inside = [...onPath, shapeName];
    if (shape.member) visit(shape.member, `${path}[]`, false, inside);
    if (shape.key) visit(shape.key, `${path}{key}`, false, inside);
    if (shape.value) visit(shape.value, `${path}{}`, false, inside);
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      visit(member.shape, `${path}.${name}`, shape.required?.includes(name) ?? false, inside);
    }
  };
  const { input } = CONNECT_API_MODEL.operations[operation];
  for (const [name, member] of Object.entries(input.members)) {
    visit(member.shape, name, input.required?.includes(name) ?? false, []);
  }
  return fields;
}

interface JsonSchemaNode {
  type?: string;
  $ref?: string;
  anyOf?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  propertyNames?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode;
  items?: JsonSchemaNode;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  $defs?: Record<string, JsonSchemaNode>;
}

/** `z.int()` without bounds still writes the safe-integer range; it limits nothing Connect checks. */
const bound = (value: number | undefined) =>
  value === undefined || Math.abs(value) === Number.MAX_SAFE_INTEGER ? undefined : value;

function validatorFields(schema: z.ZodType): Fields {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const fields: Fields = new Map();
  const visit = (node: JsonSchemaNode, path: string, required: boolean, onPath: readonly string[]) => {
    const ref = node.$ref;
    const resolved = ref ? (root.$defs?.[ref.replace('#/$defs/', '')] ?? {}) : node;
    if (!resolved.type && !resolved.anyOf) return; // accepts anything: not checked
    const facts: FieldFacts = required ? { required: true } : {};
    switch (resolved.type) {
      case 'string':
        Object.assign(facts, {
          type: 'string',
          minLength: atLeastOne(resolved.minLength),
          maxLength: resolved.maxLength,
          pattern: resolved.pattern,
          enum: resolved.enum,
        });
        break;
      case 'integer':
        Object.assign(facts, {
          type: 'integer',
          minimum: bound(resolved.minimum),
          maximum: bound(resolved.maximum),
        });
        break;
      case 'array':
        Object.assign(facts, {
          type: 'list',
          minItems: atLeastOne(resolved.minItems),
          maxItems: resolved.maxItems,
        });
        break;
      case 'object':
        facts.type = resolved.properties ? 'structure' : 'map';
        break;
    }
    fields.set(path, facts);
    if (ref && onPath.includes(ref)) return; // a recursive schema: its inside is already described
    const inside = ref ? [...onPath, ref] : onPath;
    if (resolved.items) visit(resolved.items, `${path}[]`, false, inside);
    if (resolved.propertyNames) visit(resolved.propertyNames, `${path}{key}`, false, inside);
    if (resolved.additionalProperties) visit(resolved.additionalProperties, `${path}{}`, false, inside);
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      visit(property, `${path}.${name}`, resolved.required?.includes(name) ?? false, inside);
    }
  };
  for (const [name, property] of Object.entries(root.properties ?? {})) {
    visit(property, name, root.required?.includes(name) ?? false, []);
  }
  return fields;
}

const FACT_NAMES = [
  'type',
  'required',
  'minLength',
  'maxLength',
  'pattern',
  'enum',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
] as const;

function enumDifference(validator: readonly string[] = [], model: readonly string[] = []): string {
  const onlyIn = (these: readonly string[], those: readonly string[]) =>
    these.filter((value) => !those.includes(value)).sort();
  return [
    ['only in model', onlyIn(model, validator)],
    ['only in validator', onlyIn(validator, model)],
  ]
    .filter(([, values]) => values.length > 0)
    .map(([side, values]) => `${side} ${(values as string[]).join(', ')}`)
    .join('; ');
}

/** Each way the two descriptions of one operation differ, one line each. */
function fieldDifferences(validator: Fields, model: Fields): string[] {
  const differences: string[] = [];
  const unmatched: string[] = [];
  const paths = [...new Set([...model.keys(), ...validator.keys()])].sort();
  for (const path of paths) {
    // Nothing more to say about the inside of a field one side does not describe.
    if (
      unmatched.some((outer) => ['.', '[', '{'].includes(path.charAt(outer.length)) && path.startsWith(outer))
    )
      continue;
    const [ours, theirs] = [validator.get(path), model.get(path)];
    if (!ours || !theirs) {
      unmatched.push(path);
      differences.push(`${path}: ${ours ? 'not in the model' : 'not checked by the validator'}`);
      continue;
    }
    for (const fact of FACT_NAMES) {
      if (fact === 'type' && (ours.type === undefined || theirs.type === undefined)) continue;
      if (fact === 'enum') {
        const difference = enumDifference(ours.enum, theirs.enum);
        if (difference) differences.push(`${path} enum: ${difference}`);
      } else if (ours[fact] !== theirs[fact]) {
        differences.push(`${path} ${fact}: validator ${ours[fact] ?? '—'}, model ${theirs[fact] ?? '—'}`);
      }
    }
  }
  return differences;
}

/** `createContactRequestSchema` → `CreateContact`: every exported request schema of the validator. */
function requestSchemas(): [string, z.ZodType][] {
  return Object.entries(validation).flatMap(([name, value]) => {
    const match = /^(\w+)RequestSchema$/.exec(name);
    if (!match?.[1] || !(value instanceof z.ZodType)) return [];
    return [[match[1].charAt(0).toUpperCase() + match[1].slice(1), value]];
  });
}

const formatBounds = ({ min, max }: { min?: number; max?: number }) => `${min ?? 0}..${max ?? '∞'}`;

describe("the Connect validator agrees with Connect's API model", () => {
  it(`was extracted from ${CONNECT_API_MODEL.source.package} ${CONNECT_API_MODEL.source.version}`, () => {
    assert.match(CONNECT_API_MODEL.source.version, /^\d+\.\d+\.\d+$/);
    assert.equal(CONNECT_API_MODEL.source.apiVersion, '2017-08-08');
  });

  it('has a model operation for every request schema of the validator', () => {
    const missing = requestSchemas()
      .map(([operation]) => operation)
      .filter((operation) => !Object.hasOwn(CONNECT_API_MODEL.operations, operation));
    assert.deepEqual(missing, [], 'add these operations to extract.py and run it again');
  });

  it('request schemas: every field, limit, pattern and enum is the same, except the listed differences', () => {
    const found = new Map<string, ModelledOperationName[]>();
    for (const [name, schema] of requestSchemas()) {
      const operation = name as ModelledOperationName;
      for (const difference of fieldDifferences(validatorFields(schema), modelFields(operation))) {
        found.set(difference, [...(found.get(difference) ?? []), operation]);
      }
    }
    const listed = Object.fromEntries(
      Object.entries(KNOWN_FIELD_DIFFERENCES).map(([difference, { operations }]) => [
        difference,
        [...operations].sort(),
      ]),
    );
    assert.deepEqual(
      Object.fromEntries([...found].map(([difference, operations]) => [difference, operations.sort()])),
      listed,
    );
  });

  it('CONNECT_LIMITS and the enum constants equal their model shapes, except the listed differences', () => {
    const limits = CONNECT_LIMITS;
    const shape = shapeNamed;
    const userDataFilters = CONNECT_API_MODEL.shapes.UserDataFilters?.members ?? {};
    const filterListMax = (filter: string) => shape(userDataFilters[filter]?.shape ?? '').max;
    const counterparts: [string, string | number | undefined, string, string | number | undefined][] = [
      [
        'CONNECT_LIMITS.instanceId',
        formatBounds(limits.instanceId),
        'InstanceId',
        formatBounds(shape('InstanceId')),
      ],
      [
        'CONNECT_LIMITS.contactId',
        formatBounds(limits.contactId),
        'ContactId',
        formatBounds(shape('ContactId')),
      ],
      [
        'CONNECT_LIMITS.userId',
        formatBounds(limits.userId),
        'AgentResourceId',
        formatBounds(shape('AgentResourceId')),
      ],
      [
        'CONNECT_LIMITS.clientToken',
        formatBounds(limits.clientToken),
        'ClientToken',
        formatBounds(shape('ClientToken')),
      ],
      [
        'CONNECT_LIMITS.contactName',
        formatBounds(limits.contactName),
        'CreateContact Name',
        formatBounds(shape('Name')),
      ],
      [
        'CONNECT_LIMITS.taskName',
        formatBounds(limits.taskName),
        'StartTaskContact Name',
        formatBounds(shape(CONNECT_API_MODEL.operations.StartTaskContact.input.members.Name?.shape ?? '')),
      ],
      [
        'CONNECT_LIMITS.description',
        formatBounds(limits.description),
        'Description',
        formatBounds(shape('Description')),
      ],
      [
        'CONNECT_LIMITS.contactFlowId',
        formatBounds(limits.contactFlowId),
        'ContactFlowId',
        formatBounds(shape('ContactFlowId')),
      ],
      [
        'CONNECT_LIMITS.taskTemplateId',
        formatBounds(limits.taskTemplateId),
        'TaskTemplateId',
        formatBounds(shape('TaskTemplateId')),
      ],
      // The validator counts these in UTF-8 bytes, the model in characters: the same number is stricter.
      [
        'CONNECT_LIMITS.references.maxKeyUtf8Bytes',
        limits.references.maxKeyUtf8Bytes,
        'ReferenceKey max',
        shape('ReferenceKey').max,
      ],
      [
        'CONNECT_LIMITS.references.maxValueUtf8Bytes',
        limits.references.maxValueUtf8Bytes,
        'ReferenceValue max',
        shape('ReferenceValue').max,
      ],
      [
        'CONNECT_LIMITS.segmentAttributeKey',
        formatBounds(limits.segmentAttributeKey),
        'SegmentAttributeName',
        formatBounds(shape('SegmentAttributeName')),
      ],
      [
        'CONNECT_LIMITS.taskAttachments.maxItems',
        limits.taskAttachments.maxItems,
        'TaskAttachments max',
        shape('TaskAttachments').max,
      ],
      ...Object.entries(limits.userDataFilters).map(
        ([filter, max]): [string, number, string, number | undefined] => [
          `CONNECT_LIMITS.userDataFilters.${filter}`,
          max,
          `UserDataFilters ${filter} max`,
          filter === 'ContactStates'
            ? shape(shape('ContactFilter').members?.ContactStates?.shape ?? '').max
            : filterListMax(filter),
        ],
      ),
      [
        'CONNECT_LIMITS.getCurrentUserDataMaxResults',
        formatBounds(limits.getCurrentUserDataMaxResults),
        'GetCurrentUserData MaxResults',
        formatBounds(
          shape(CONNECT_API_MODEL.operations.GetCurrentUserData.input.members.MaxResults?.shape ?? ''),
        ),
      ],
    ];
    const enums: [string, readonly string[], string][] = [
      ['CHANNELS', CHANNELS, 'Channel'],
      ['INITIATION_METHODS', INITIATION_METHODS, 'ContactInitiationMethod'],
      ['INITIATE_AS', INITIATE_AS, 'InitiateAs'],
      ['REFERENCE_TYPES', REFERENCE_TYPES, 'ReferenceType'],
      ['CONTACT_STATES', CONTACT_STATES, 'ContactState'],
    ];
    const found = [
      ...counterparts
        .filter(([, ours, , theirs]) => ours !== theirs)
        .map(([name, ours, modelName, theirs]) => `${name} ${ours}, model ${modelName} ${theirs}`),
      ...enums.flatMap(([name, ours, shapeName]) => {
        const difference = enumDifference(ours, shape(shapeName).enum);
        return difference ? [`${name}: ${difference}`] : [];
      }),
    ];
    assert.deepEqual(found.sort(), Object.keys(KNOWN_CONSTANT_DIFFERENCES).sort());

    const compared = counterparts.map(([name]) => name.split('.')[1]);
    const unclassified = Object.keys(limits).filter(
      (name) => !compared.includes(name) && !PROSE_ONLY_LIMITS.includes(name),
    );
    assert.deepEqual(unclassified, [], 'compare each new limit with its model shape, or call it prose-only');
  });

  it('finds a difference when there is one (the comparison itself works)', () => {
    const drifted = z.object({ InstanceId: z.string().min(1).max(99).optional(), Extra: z.string() });
    assert.deepEqual(fieldDifferences(validatorFields(drifted), modelFields('DescribeContact')), [
      'ContactId: not checked by the validator',
      'Extra: not in the model',
      'InstanceId required: validator —, model true',
      'InstanceId maxLength: validator 99, model 100',
    ]);
  });
});
