/**
 * Agents' skills as Connect models them for skills-based routing: an instance's predefined attributes
 * (a name and the values it may take: Language: English, French) and each agent's proficiencies (one
 * value of one attribute at a level). Their config schemas, the checks that a proficiency names an
 * attribute and a value that exist, and the skills the call centre holds while it runs.
 */
import { z } from 'zod';
import { ConnectError, notFound } from './protocol';

/**
 * Connect's API model: PredefinedAttributeName and PredefinedAttributeStringValue take 1–100
 * characters; PredefinedAttributeStringValuesList up to 500 values.
 */
const attributeText = z.string().min(1).max(100);

/** Attribute name → the values it may take, in the order ListPredefinedAttributes lists them. */
export const predefinedAttributesSchema = z.record(attributeText, z.array(attributeText).max(500));
export type PredefinedAttributes = z.infer<typeof predefinedAttributesSchema>;

/** API Reference, data type UserProficiency (Level): "The valid values are 1, 2, 3, 4 and 5." */
export const proficiencySchema = z
  .object({ name: attributeText, value: attributeText, level: z.int().min(1).max(5) })
  .strict();
export type Proficiency = z.infer<typeof proficiencySchema>;
export const proficienciesSchema = z.array(proficiencySchema);

/** Repeated values of each attribute, one message each. */
export function predefinedAttributeProblems(attributes: PredefinedAttributes): string[] {
  return Object.entries(attributes).flatMap(([name, values]) =>
    repeated(values).map((value) => `predefined attribute ${name} lists value ${value} twice`),
  );
}

/**
 * Each way `proficiencies` do not fit `attributes`, naming the entry (`proficiencies[1].value`): an
 * attribute that does not exist, a value it does not take, the same value twice (Connect keys a
 * proficiency by attribute and value).
 */
export function proficiencyProblems(
  proficiencies: readonly Proficiency[],
  attributes: PredefinedAttributes,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  proficiencies.forEach(({ name, value }, index) => {
    const values = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    if (values === undefined) {
      const known = Object.keys(attributes).join(', ') || 'none';
      problems.push(`proficiencies[${index}].name: no predefined attribute ${name} (known: ${known})`);
    } else if (!values.includes(value)) {
      problems.push(
        `proficiencies[${index}].value: ${value} is not a value of predefined attribute ${name} (values: ${values.join(', ')})`,
      );
    }
    const key = JSON.stringify([name, value]);
    if (seen.has(key)) problems.push(`proficiencies[${index}]: ${name} ${value} is given twice`);
    seen.add(key);
  });
  return problems;
}

function repeated(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/** When, and in which Region, Connect last saw a change: both listings report it. */
export interface LastModified {
  /** Epoch milliseconds. */
  modifiedAt: number;
  modifiedRegion: string;
}

export interface PredefinedAttributeRecord extends LastModified {
  name: string;
  values: string[];
}

export interface AgentProficiencies extends LastModified {
  proficiencies: Proficiency[];
}

/** The skills of one instance: its predefined attributes (fixed) and each agent's proficiencies. */
export class AgentSkills {
  private readonly attributes: PredefinedAttributeRecord[];
  private readonly byAgent = new Map<string, AgentProficiencies>();

  /** `predefined` and `agents` as the config gave them, already checked against each other. */
  constructor(
    private readonly predefined: PredefinedAttributes,
    agents: readonly { id: string; proficiencies?: Proficiency[] }[],
    private readonly region: string,
  ) {
    const now = Date.now();
    this.attributes = Object.entries(predefined).map(([name, values]) => ({
      name,
      values,
      modifiedAt: now,
      modifiedRegion: region,
    }));
    for (const agent of agents) {
      const proficiencies = agent.proficiencies ?? [];
      this.byAgent.set(agent.id, { proficiencies, modifiedAt: now, modifiedRegion: region });
    }
  }

  predefinedAttributes(): PredefinedAttributeRecord[] {
    return this.attributes;
  }

  predefinedAttribute(name: string): PredefinedAttributeRecord {
    const found = this.attributes.find((attribute) => attribute.name === name);
    if (!found) throw notFound('Predefined attribute', name);
    return found;
  }

  of(agentId: string): AgentProficiencies {
    const found = this.byAgent.get(agentId);
    if (!found) throw notFound('User', agentId);
    return found;
  }

  /**
   * Replaces an agent's proficiencies, as Associate-, Update- and DisassociateUserProficiencies
   * together would. Invalid ones change nothing: a ZodError for their form, InvalidParameterException
   * for an attribute or value that does not exist.
   */
  set(agentId: string, proficiencies: unknown): Proficiency[] {
    const parsed = proficienciesSchema.parse(proficiencies);
    const problems = proficiencyProblems(parsed, this.predefined);
    if (problems.length > 0) throw new ConnectError('InvalidParameterException', problems.join('; '));
    this.byAgent.set(agentId, { proficiencies: parsed, modifiedAt: Date.now(), modifiedRegion: this.region });
    return parsed;
  }
}
