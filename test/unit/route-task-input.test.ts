import assert from 'node:assert/strict';
import {
  parseRouteTaskInput,
  reprioritizeIssues,
  ROUTE_TASK_LIMITS,
  setPreferredAgentsIssues,
} from '../../src/shared/route-task-contract';

const NOW = new Date('2026-03-02T10:00:00Z');
const valid = {
  instanceId: '12345678-aaaa-bbbb-cccc-1234567890ab',
  queueId: 'billing',
  contact: { name: 'Call back Mrs Example' },
  transferFlowId: 'transfer-to-queue',
};
const { transferFlowId: _transfer, ...validWithoutTransfer } = valid;

function issuesOf(input: unknown): { field: string; message: string }[] {
  const parsed = parseRouteTaskInput(input, NOW);
  assert.equal(parsed.ok, false, 'expected the input to be rejected');
  return parsed.ok ? [] : parsed.issues;
}

describe('parseRouteTaskInput', () => {
  it('applies the documented defaults to a minimal input', () => {
    const parsed = parseRouteTaskInput(valid, NOW);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.request, {
      ...valid,
      priority: ROUTE_TASK_LIMITS.priority.default,
      preferredAgentIds: [],
      widenAfterSeconds: ROUTE_TASK_LIMITS.widenAfterSeconds.default,
      excludedAgentIds: [],
      allowedStatuses: ['Available'],
      strategy: 'create-then-associate',
      transferFlowId: 'transfer-to-queue',
      contactFlowId: undefined,
      scheduledTime: undefined,
      deadlineSeconds: undefined,
      errorPolicy: undefined,
      routingCriteria: undefined,
    });
  });

  it('accepts routing criteria in steps, as Connect writes them', () => {
    const routingCriteria = {
      steps: [
        {
          expression: { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 4 } },
          expirySeconds: 30,
        },
        {
          expression: {
            orExpression: [
              { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 2 } },
              {
                andExpression: [
                  {
                    attributeCondition: {
                      name: 'Language',
                      value: 'Portuguese',
                      comparisonOperator: 'Range',
                      range: { minProficiencyLevel: 3, maxProficiencyLevel: 5 },
                    },
                  },
                  { attributeCondition: { name: 'Product', value: 'Billing', proficiencyLevel: 1 } },
                ],
              },
            ],
          },
        },
      ],
    };
    const parsed = parseRouteTaskInput({ ...valid, routingCriteria }, NOW);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual(parsed.request.routingCriteria, routingCriteria);
  });

  const rejected: [string, unknown, string, RegExp][] = [
    ['priority below 1', { ...valid, priority: 0 }, 'priority', /priority.*1/],
    ['priority above 1000', { ...valid, priority: 1001 }, 'priority', /priority.*1,?000/],
    ['a fractional priority', { ...valid, priority: 2.5 }, 'priority', /priority/],
    ['an unknown strategy', { ...valid, strategy: 'round-robin' }, 'strategy', /strategy/],
    ['an unknown top-level field', { ...valid, queue: 'x' }, '', /queue/],
    ['no queue', { ...valid, queueId: undefined }, 'queueId', /queueId/],
    ['an empty status list', { ...valid, allowedStatuses: [] }, 'allowedStatuses', /allowedStatuses/],
    ['a zero deadline', { ...valid, deadlineSeconds: 0 }, 'deadlineSeconds', /deadlineSeconds/],
    [
      'start-task-contact without a flow',
      { ...validWithoutTransfer, strategy: 'start-task-contact' },
      'contactFlowId',
      /contactFlowId is required/,
    ],
    [
      'create-then-associate without a transfer flow',
      validWithoutTransfer,
      'transferFlowId',
      /transferFlowId is required when strategy is create-then-associate/,
    ],
    [
      'a transfer flow with create-connected',
      { ...valid, strategy: 'create-connected' },
      'transferFlowId',
      /only used with strategy create-then-associate/,
    ],
    [
      'a flow with create-then-associate',
      { ...valid, contactFlowId: 'flow' },
      'contactFlowId',
      /only used with strategy start-task-contact/,
    ],
    [
      'an agent both preferred and excluded',
      { ...valid, preferredAgentIds: ['a', 'b'], excludedAgentIds: ['b'] },
      'preferredAgentIds',
      /both list b/,
    ],
    [
      'a contact name over 1,024 characters',
      { ...valid, contact: { name: 'x'.repeat(1025) } },
      'contact.name',
      /contact\.name|Name/,
    ],
    [
      'an attribute key with a space',
      { ...valid, contact: { name: 'n', attributes: { 'bad key': 'v' } } },
      'contact.attributes',
      /attributes/i,
    ],
    [
      'an unknown error-policy row',
      { ...valid, errorPolicy: { NoSuchError: { maximumAttempts: 2 } } },
      'errorPolicy',
      /NoSuchError/,
    ],
    [
      'routing criteria without steps',
      { ...valid, routingCriteria: { steps: [] } },
      'routingCriteria.steps',
      /at least 1 item/,
    ],
    [
      'a proficiency level above 5',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 6 } },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expression.attributeCondition.proficiencyLevel',
      /at most 5/,
    ],
    [
      'a fractional proficiency level',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: {
                attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 2.5 },
              },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expression.attributeCondition.proficiencyLevel',
      /whole level/,
    ],
    [
      'a step that never expires before another',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3 } },
            },
            {
              expression: { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3 } },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expirySeconds',
      /only the last step may omit it/,
    ],
    [
      'an expression with two kinds',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: {
                ...{ attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3 } },
                orExpression: [
                  { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3 } },
                ],
              },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expression',
      /exactly one of attributeCondition, andExpression, orExpression \(got attributeCondition and orExpression\)/,
    ],
    [
      'more than 10 conditions in a step',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: {
                andExpression: Array(11).fill({
                  attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 3 },
                }),
              },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expression',
      /at most 10 attribute conditions \(got 11\)/,
    ],
    [
      'a Range without its range',
      {
        ...valid,
        routingCriteria: {
          steps: [
            { expression: { attributeCondition: { name: 'L', value: 'S', comparisonOperator: 'Range' } } },
          ],
        },
      },
      'routingCriteria.steps.0.expression.attributeCondition.range',
      /range is required with comparisonOperator Range/,
    ],
    [
      'an attribute name over 100 characters',
      {
        ...valid,
        routingCriteria: {
          steps: [
            {
              expression: { attributeCondition: { name: 'x'.repeat(101), value: 'S', proficiencyLevel: 1 } },
            },
          ],
        },
      },
      'routingCriteria.steps.0.expression.attributeCondition.name',
      /at most 100 characters/,
    ],
  ];
  for (const [what, input, field, message] of rejected) {
    it(`rejects ${what}, naming ${field || 'the field'}`, () => {
      const issues = issuesOf(input);
      const issue = issues.find((candidate) => candidate.field.startsWith(field));
      assert.ok(issue, `no issue on ${field}: ${JSON.stringify(issues)}`);
      assert.match(issue.message, message);
    });
  }
});

describe('routeTask update arguments', () => {
  it('accepts a priority in range and rejects one outside, naming the field and the limit', () => {
    assert.deepEqual(reprioritizeIssues({ priority: 1 }), []);
    for (const priority of [0, 1001, 2.5, '3']) {
      const [issue] = reprioritizeIssues({ priority });
      assert.equal(issue?.field, 'priority', `priority ${String(priority)}`);
    }
    assert.match(reprioritizeIssues({ priority: 1001 })[0].message, /1,?000/);
  });

  it('holds new preferred agents to the start rules, and to the agents the task excludes', () => {
    const excluded = ['agent-x'];
    assert.deepEqual(
      setPreferredAgentsIssues({ preferredAgentIds: ['agent-a'], widenAfterSeconds: 30 }, excluded),
      [],
    );
    const cases: [unknown, string, RegExp][] = [
      [{ preferredAgentIds: ['agent-x'] }, 'preferredAgentIds', /must not share agents.*agent-x/],
      [{ preferredAgentIds: ['a'.repeat(257)] }, 'preferredAgentIds', /256/],
      [{ preferredAgentIds: [''] }, 'preferredAgentIds', /./],
      [{ preferredAgentIds: Array.from({ length: 101 }, (_, i) => `a${i}`) }, 'preferredAgentIds', /100/],
      [{ preferredAgentIds: [], widenAfterSeconds: -1 }, 'widenAfterSeconds', /0/],
      [{ preferredAgentIds: [], widenAfterSeconds: 7 * 24 * 3600 + 1 }, 'widenAfterSeconds', /604,?800/],
    ];
    for (const [update, field, message] of cases) {
      const issue = setPreferredAgentsIssues(update, excluded).find((candidate) =>
        candidate.field.startsWith(field),
      );
      assert.ok(issue, `no issue on ${field} for ${JSON.stringify(update).slice(0, 80)}`);
      assert.match(issue.message, message);
    }
  });
});
