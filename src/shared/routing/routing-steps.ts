import type { AgentProficiency, WaitingTask } from '../dispatcher-contract';
import type { AttributeCondition, RoutingCriteria, RoutingExpression } from '../routing-criteria';

/** An agent's proficiency levels by attribute and value: what an expression is evaluated against. */
export type SkillLevels = ReadonlyMap<string, number>;

const skillKey = (name: string, value: string) => `${name}\u0000${value}`;

export function skillLevels(proficiencies: readonly AgentProficiency[]): SkillLevels {
  return new Map(proficiencies.map(({ name, value, level }) => [skillKey(name, value), level]));
}

/**
 * The step a task is on: `index` equals the number of steps once every step has expired, when any
 * agent of the queue may take the task (Connect's rule). Steps begin when the preferred agents widen,
 * or when the task joined the line if it has none: a preferred agent is a step of its own, as in
 * Connect's criteria (an agent step, then skill steps).
 */
export interface StepPosition {
  index: number;
  /** When this step expires; absent for a last step that never does, and once all have expired. */
  expiresAt?: number;
}

export function stepsStartAt(
  task: Pick<WaitingTask, 'preferredAgentIds' | 'widenAt' | 'enqueuedAt'>,
): number {
  return task.preferredAgentIds.length > 0 ? task.widenAt : task.enqueuedAt;
}

export function stepAt(criteria: RoutingCriteria, startAt: number, now: number): StepPosition {
  let endsAt = startAt;
  for (const [index, step] of criteria.steps.entries()) {
    if (step.expirySeconds === undefined) return { index };
    endsAt += step.expirySeconds * 1000;
    if (now < endsAt) return { index, expiresAt: endsAt };
  }
  return { index: criteria.steps.length };
}

export function meets(expression: RoutingExpression, skills: SkillLevels): boolean {
  if (expression.attributeCondition) return conditionMet(expression.attributeCondition, skills);
  if (expression.andExpression) return expression.andExpression.every((inner) => meets(inner, skills));
  if (expression.orExpression) return expression.orExpression.some((inner) => meets(inner, skills));
  return false;
}

function conditionMet(condition: AttributeCondition, skills: SkillLevels): boolean {
  const level = skills.get(skillKey(condition.name, condition.value));
  if (level === undefined) return false;
  if (condition.range) {
    return level >= condition.range.minProficiencyLevel && level <= condition.range.maxProficiencyLevel;
  }
  return level >= (condition.proficiencyLevel ?? 1);
}

/** `Language: Spanish ≥ 3 and (Product: Billing 2–4 or Product: Refunds ≥ 1)`: what a supervisor reads. */
export function describeExpression(expression: RoutingExpression, nested = false): string {
  const condition = expression.attributeCondition;
  if (condition) {
    const levels = condition.range
      ? `${condition.range.minProficiencyLevel}–${condition.range.maxProficiencyLevel}`
      : `≥ ${condition.proficiencyLevel ?? 1}`;
    return `${condition.name}: ${condition.value} ${levels}`;
  }
  const [list, word] = expression.andExpression
    ? [expression.andExpression, 'and']
    : [expression.orExpression ?? [], 'or'];
  const text = list.map((inner) => describeExpression(inner, true)).join(` ${word} `);
  return nested && list.length > 1 ? `(${text})` : text;
}
