/**
 * Routing criteria: which agents may take a task by their skills, in steps that widen over time. The
 * shape is Connect's own (RoutingCriteriaInput: steps of attribute conditions on predefined attributes
 * and agents' proficiency levels, each step expiring after a duration), in this package's camelCase,
 * so that criteria written for Connect's flows read the same here.
 *
 * Connect's model gives the field lengths and the level range (1 to 5); it documents no limit on the
 * number of steps, conditions or nesting, so this package sets safe ones and says so in the README.
 *
 * Pure code: bundled into workflows.
 */
import { z } from 'zod';
import type { ConnectValidationIssue } from './connect-validation';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('routing-criteria');

export const ROUTING_CRITERIA_LIMITS = {
  steps: { min: 1, max: 10 },
  /** Attribute conditions in one step's expression, however nested. */
  conditionsPerStep: { max: 10 },
  /** An expression, its AND/OR lists, their AND/OR lists: as deep as Connect's own flow editor goes. */
  expressionDepth: { max: 3 },
  /** Connect's PredefinedAttributeName and ProficiencyValue. */
  attributeName: { min: 1, max: 100 },
  attributeValue: { min: 1, max: 128 },
  /** Connect's ProficiencyLevel: 1, 2, 3, 4 or 5. */
  proficiencyLevel: { min: 1, max: 5 },
  expirySeconds: { min: 1, max: 7 * 24 * 3600 },
} as const;

export const COMPARISON_OPERATORS = ['NumberGreaterOrEqualTo', 'Range'] as const;

const level = shared('level', () =>
  z
    .number()
    .min(ROUTING_CRITERIA_LIMITS.proficiencyLevel.min)
    .max(ROUTING_CRITERIA_LIMITS.proficiencyLevel.max),
);

const attributeConditionSchema = shared('attributeConditionSchema', () =>
  z
    .object({
      name: z
        .string()
        .min(ROUTING_CRITERIA_LIMITS.attributeName.min)
        .max(ROUTING_CRITERIA_LIMITS.attributeName.max)
        .describe('A predefined attribute, e.g. "Language".'),
      value: z
        .string()
        .min(ROUTING_CRITERIA_LIMITS.attributeValue.min)
        .max(ROUTING_CRITERIA_LIMITS.attributeValue.max)
        .describe('One of its values, e.g. "Spanish".'),
      comparisonOperator: z
        .enum(COMPARISON_OPERATORS)
        .optional()
        .describe('NumberGreaterOrEqualTo (default): level ≥ proficiencyLevel. Range: within range.'),
      proficiencyLevel: level
        .optional()
        .describe('With NumberGreaterOrEqualTo: the lowest level that matches (1–5).'),
      range: z
        .object({ minProficiencyLevel: level, maxProficiencyLevel: level })
        .strict()
        .optional()
        .describe('With Range: the lowest and highest levels that match (1–5).'),
    })
    .strict()
    .describe("An agent matches who has this attribute's value at a matching proficiency level."),
);
export type AttributeCondition = z.output<typeof attributeConditionSchema>;

/** Exactly one of the three; checked by `routingCriteriaIssues` so the message names the place. */
export interface RoutingExpression {
  attributeCondition?: AttributeCondition;
  andExpression?: RoutingExpression[];
  orExpression?: RoutingExpression[];
}

const expressionSchema: z.ZodType<RoutingExpression> = shared('expressionSchema', () =>
  z
    .object({
      attributeCondition: attributeConditionSchema.optional(),
      get andExpression() {
        return z.array(expressionSchema).min(1).optional().describe('Every one of these must match.');
      },
      get orExpression() {
        return z.array(expressionSchema).min(1).optional().describe('At least one of these must match.');
      },
    })
    .strict()
    .describe('Exactly one of attributeCondition, andExpression, orExpression.')
    // Names the recursive definition in the JSON Schema.
    .meta({ id: 'RoutingExpression' }),
);

export const routingCriteriaSchema = shared('routingCriteriaSchema', () =>
  z
    .object({
      steps: z
        .array(
          z
            .object({
              expression: expressionSchema,
              expirySeconds: z
                .int()
                .min(ROUTING_CRITERIA_LIMITS.expirySeconds.min)
                .max(ROUTING_CRITERIA_LIMITS.expirySeconds.max)
                .optional()
                .describe(
                  'How long the step holds before the next one applies. Only the last step may omit it (it never expires).',
                ),
            })
            .strict(),
        )
        .min(ROUTING_CRITERIA_LIMITS.steps.min)
        .max(ROUTING_CRITERIA_LIMITS.steps.max),
    })
    .strict()
    .describe(
      "Skills the agent must have, in steps (Connect's routing criteria). A step holds for its " +
        'expirySeconds, then the next applies; once every step has expired, any agent of the queue may ' +
        'take the task, as in Connect. Steps begin when the preferred agents widen (at once without them).',
    ),
);
export type RoutingCriteria = z.output<typeof routingCriteriaSchema>;
export type RoutingStep = RoutingCriteria['steps'][number];

/** What the schema cannot say: one kind per expression, levels in whole steps, the limits on size. */
export function routingCriteriaIssues(criteria: unknown, field: string): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = [];
  const invalid = (at: string, message: string) =>
    issues.push({ field: at, message, exception: 'InvalidParameterException' });
  if (!isRecord(criteria) || !Array.isArray(criteria.steps)) return issues;
  const steps: unknown[] = criteria.steps;
  steps.forEach((step, index) => {
    if (!isRecord(step)) return;
    const at = `${field}.steps.${index}`;
    if (step.expirySeconds === undefined && index < steps.length - 1) {
      invalid(
        `${at}.expirySeconds`,
        `${at}.expirySeconds is required: only the last step may omit it (steps after a step that never expires are never reached)`,
      );
    }
    let conditions = 0;
    const visit = (expression: unknown, path: string, depth: number): void => {
      if (!isRecord(expression)) return;
      if (depth > ROUTING_CRITERIA_LIMITS.expressionDepth.max) {
        invalid(
          path,
          `${path} nests expressions deeper than ${ROUTING_CRITERIA_LIMITS.expressionDepth.max} levels`,
        );
        return;
      }
      const kinds = (['attributeCondition', 'andExpression', 'orExpression'] as const).filter(
        (kind) => expression[kind] !== undefined,
      );
      if (kinds.length !== 1) {
        invalid(
          path,
          `${path} must have exactly one of attributeCondition, andExpression, orExpression (got ${kinds.length === 0 ? 'none' : kinds.join(' and ')})`,
        );
      }
      const condition = expression.attributeCondition;
      if (isRecord(condition)) {
        conditions += 1;
        conditionIssues(condition, `${path}.attributeCondition`, invalid);
      }
      for (const kind of ['andExpression', 'orExpression'] as const) {
        const list = expression[kind];
        if (Array.isArray(list)) list.forEach((inner, i) => visit(inner, `${path}.${kind}.${i}`, depth + 1));
      }
    };
    visit(step.expression, `${at}.expression`, 1);
    if (conditions > ROUTING_CRITERIA_LIMITS.conditionsPerStep.max) {
      invalid(
        `${at}.expression`,
        `${at}.expression must have at most ${ROUTING_CRITERIA_LIMITS.conditionsPerStep.max} attribute conditions (got ${conditions})`,
      );
    }
  });
  return issues;
}

function conditionIssues(
  condition: Record<string, unknown>,
  at: string,
  invalid: (field: string, message: string) => void,
): void {
  const operator = condition.comparisonOperator ?? 'NumberGreaterOrEqualTo';
  const wholeLevel = (value: unknown, field: string) => {
    if (typeof value === 'number' && !Number.isInteger(value)) {
      invalid(field, `${field} must be a whole level 1, 2, 3, 4 or 5 (got ${value})`);
    }
  };
  if (operator === 'NumberGreaterOrEqualTo') {
    if (condition.proficiencyLevel === undefined) {
      invalid(
        `${at}.proficiencyLevel`,
        `${at}.proficiencyLevel is required with NumberGreaterOrEqualTo (1–5)`,
      );
    }
    if (condition.range !== undefined) {
      invalid(`${at}.range`, `${at}.range is only used with comparisonOperator Range`);
    }
    wholeLevel(condition.proficiencyLevel, `${at}.proficiencyLevel`);
  } else if (operator === 'Range') {
    const range = condition.range;
    if (range === undefined) invalid(`${at}.range`, `${at}.range is required with comparisonOperator Range`);
    if (condition.proficiencyLevel !== undefined) {
      invalid(
        `${at}.proficiencyLevel`,
        `${at}.proficiencyLevel is not used with comparisonOperator Range (use range)`,
      );
    }
    if (isRecord(range)) {
      wholeLevel(range.minProficiencyLevel, `${at}.range.minProficiencyLevel`);
      wholeLevel(range.maxProficiencyLevel, `${at}.range.maxProficiencyLevel`);
      if (
        typeof range.minProficiencyLevel === 'number' &&
        typeof range.maxProficiencyLevel === 'number' &&
        range.minProficiencyLevel > range.maxProficiencyLevel
      ) {
        invalid(
          `${at}.range`,
          `${at}.range.minProficiencyLevel (${range.minProficiencyLevel}) must not be above maxProficiencyLevel (${range.maxProficiencyLevel})`,
        );
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
