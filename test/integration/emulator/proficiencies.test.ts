import assert from 'node:assert/strict';
import {
  DescribePredefinedAttributeCommand,
  ListPredefinedAttributesCommand,
  ListUserProficienciesCommand,
  type ListUserProficienciesCommandInput,
} from '@aws-sdk/client-connect';
import { DEFAULT_CALL_CENTRE, EmulatorConfig, startEmulator } from '../../../src/dev/emulator';
import {
  ALICE,
  CAROL,
  expectConnectError,
  INVALID_PARAMETER,
  NOT_FOUND,
  QUIET,
  sleep,
  useEmulator,
} from './harness';

const PREDEFINED_ATTRIBUTES = {
  Language: ['English', 'French', 'Spanish'],
  Product: ['Claims', 'Fraud'],
};
const ALICE_PROFICIENCIES = [
  { name: 'Language', value: 'English', level: 5 },
  { name: 'Language', value: 'French', level: 3 },
  { name: 'Product', value: 'Claims', level: 1 },
];

/** The default call centre, with Alice skilled and the others not. */
const SKILLED: EmulatorConfig = {
  ...QUIET,
  predefinedAttributes: PREDEFINED_ATTRIBUTES,
  agents: DEFAULT_CALL_CENTRE.agents.map((agent) =>
    agent.id === ALICE ? { ...agent, proficiencies: ALICE_PROFICIENCIES } : agent,
  ),
};

/** How ListUserProficiencies names a proficiency. */
const listed = ({ name, value, level }: { name: string; value: string; level: number }) => ({
  AttributeName: name,
  AttributeValue: value,
  Level: level,
});

describe('Connect emulator: proficiencies and predefined attributes', () => {
  const env = useEmulator(() => SKILLED);

  const listProficiencies = (fields: Partial<ListUserProficienciesCommandInput> = {}) => {
    const { connect, instanceId } = env();
    return connect.send(
      new ListUserProficienciesCommand({ InstanceId: instanceId, UserId: ALICE, ...fields }),
    );
  };

  it("ListUserProficiencies pages an agent's proficiencies, with when and where they last changed", async () => {
    const before = Date.now();
    const first = await listProficiencies({ MaxResults: 2 });
    assert.equal(first.UserProficiencyList?.length, 2);
    assert.ok(first.NextToken);
    const rest = await listProficiencies({ NextToken: first.NextToken });
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual(
      [...(first.UserProficiencyList ?? []), ...(rest.UserProficiencyList ?? [])],
      ALICE_PROFICIENCIES.map(listed),
    );
    assert.ok(first.LastModifiedTime instanceof Date);
    assert.ok(first.LastModifiedTime.getTime() <= before);
    assert.equal(first.LastModifiedRegion, 'us-east-1');

    const { emulator } = env();
    const byArn = await listProficiencies({ UserId: `${emulator.snapshot().instance.arn}/agent/${ALICE}` });
    assert.equal(byArn.UserProficiencyList?.length, 3);
    const carol = await listProficiencies({ UserId: CAROL });
    assert.deepEqual(carol.UserProficiencyList, []);
  });

  it('ListPredefinedAttributes pages the names; DescribePredefinedAttribute gives the values', async () => {
    const { connect, instanceId } = env();
    const first = await connect.send(
      new ListPredefinedAttributesCommand({ InstanceId: instanceId, MaxResults: 1 }),
    );
    const rest = await connect.send(
      new ListPredefinedAttributesCommand({ InstanceId: instanceId, NextToken: first.NextToken }),
    );
    const summaries = [
      ...(first.PredefinedAttributeSummaryList ?? []),
      ...(rest.PredefinedAttributeSummaryList ?? []),
    ];
    assert.deepEqual(
      summaries.map((summary) => summary.Name),
      ['Language', 'Product'],
    );
    assert.ok(summaries.every((summary) => summary.LastModifiedTime instanceof Date));
    assert.equal(rest.NextToken, undefined);

    const { PredefinedAttribute } = await connect.send(
      new DescribePredefinedAttributeCommand({ InstanceId: instanceId, Name: 'Language' }),
    );
    assert.equal(PredefinedAttribute?.Name, 'Language');
    assert.deepEqual(PredefinedAttribute?.Values, { StringList: ['English', 'French', 'Spanish'] });
    assert.equal(PredefinedAttribute?.LastModifiedRegion, 'us-east-1');
    await expectConnectError(
      connect.send(new DescribePredefinedAttributeCommand({ InstanceId: instanceId, Name: 'Shoe size' })),
      { ...NOT_FOUND, message: /Predefined attribute not found: Shoe size/ },
    );
  });

  it("answers Connect's errors: unknown user or instance, page sizes outside 1..100", async () => {
    await expectConnectError(listProficiencies({ UserId: 'no-such-user' }), {
      ...NOT_FOUND,
      message: /User not found/,
    });
    await expectConnectError(listProficiencies({ InstanceId: 'no-such-instance' }), {
      ...NOT_FOUND,
      message: /Instance not found/,
    });
    await expectConnectError(listProficiencies({ MaxResults: 101 }), {
      ...INVALID_PARAMETER,
      message: /^MaxResults must be at most 100 \(got 101\)$/,
    });
    await expectConnectError(listProficiencies({ MaxResults: 0 }), {
      ...INVALID_PARAMETER,
      message: /^MaxResults must be at least 1 \(got 0\)$/,
    });
    const { connect, instanceId } = env();
    await expectConnectError(
      connect.send(new ListPredefinedAttributesCommand({ InstanceId: instanceId, MaxResults: 101 })),
      INVALID_PARAMETER,
    );
    await expectConnectError(
      connect.send(new DescribePredefinedAttributeCommand({ InstanceId: instanceId, Name: 'x'.repeat(101) })),
      { ...INVALID_PARAMETER, message: /^Name must be at most 100 characters \(got 101\)$/ },
    );
  });

  it("PUT /_emulator/agents/{userId}/proficiencies replaces an agent's proficiencies for the next list", async () => {
    const { admin } = env();
    const before = await listProficiencies();
    await sleep(5);
    const now = [{ name: 'Language', value: 'Spanish', level: 4 }];
    const changed = await admin('PUT', `agents/${ALICE}/proficiencies`, { proficiencies: now });
    assert.deepEqual(changed, { status: 200, body: { proficiencies: now } });
    const after = await listProficiencies();
    assert.deepEqual(after.UserProficiencyList, now.map(listed));
    assert.ok(after.LastModifiedTime! > before.LastModifiedTime!);

    const refused = await admin('PUT', `agents/${ALICE}/proficiencies`, {
      proficiencies: [{ name: 'Language', value: 'Klingon', level: 2 }],
    });
    assert.equal(refused.status, 400);
    assert.match(
      (refused.body as { message: string }).message,
      /proficiencies\[0\]\.value: Klingon is not a value of predefined attribute Language/,
    );
    const outOfRange = await admin('PUT', `agents/${ALICE}/proficiencies`, {
      proficiencies: [{ name: 'Language', value: 'French', level: 2.5 }],
    });
    assert.equal(outOfRange.status, 400);
    assert.match((outOfRange.body as { message: string }).message, /at proficiencies\[0\]\.level/);
    assert.equal((await admin('PUT', `agents/${ALICE}/proficiencies`, {})).status, 400);
    const nobody = await admin('PUT', 'agents/no-such-user/proficiencies', { proficiencies: [] });
    assert.equal(nobody.status, 404);
    assert.deepEqual(
      (await listProficiencies()).UserProficiencyList,
      now.map(listed),
      'refusals change nothing',
    );
  });

  it('setAgentProficiencies on the handle does the same', async () => {
    const { emulator } = env();
    emulator.setAgentProficiencies(CAROL, [{ name: 'Product', value: 'Fraud', level: 2 }]);
    const carol = await listProficiencies({ UserId: CAROL });
    assert.deepEqual(carol.UserProficiencyList, [
      { AttributeName: 'Product', AttributeValue: 'Fraud', Level: 2 },
    ]);
  });

  describe("with the default quotas (Connect's table)", () => {
    const env = useEmulator(() => ({ ...SKILLED, throttling: {} }));

    it('ListUserProficiencies allows a burst of 5 at 2 per second, like every List* call', async () => {
      const { connect, instanceId, emulator } = env();
      const call = () =>
        connect.send(new ListUserProficienciesCommand({ InstanceId: instanceId, UserId: ALICE }));
      const results = await Promise.allSettled(Array.from({ length: 7 }, call));
      const admitted = results.filter((result) => result.status === 'fulfilled').length;
      assert.ok(admitted === 5 || admitted === 6, `${admitted} admitted`);
      assert.equal(emulator.ledger().throttledCalls.ListUserProficiencies, 7 - admitted);
    });
  });
});

describe('Connect emulator: proficiencies in the config', () => {
  const agent = DEFAULT_CALL_CENTRE.agents[0];
  const refused = (config: EmulatorConfig, message: RegExp) =>
    assert.rejects(startEmulator({ config: { ...QUIET, ...config } }), message);

  it('refuses a proficiency that names no predefined attribute or none of its values, naming the agent and field', async () => {
    await refused(
      {
        predefinedAttributes: PREDEFINED_ATTRIBUTES,
        agents: [{ ...agent, proficiencies: [{ name: 'Shoe size', value: '42', level: 1 }] }],
      },
      new RegExp(`agent ${agent.id} proficiencies\\[0\\]\\.name: no predefined attribute Shoe size`),
    );
    await refused(
      {
        predefinedAttributes: PREDEFINED_ATTRIBUTES,
        agents: [
          {
            ...agent,
            proficiencies: [
              { name: 'Language', value: 'French', level: 1 },
              { name: 'Language', value: 'Welsh', level: 1 },
            ],
          },
        ],
      },
      new RegExp(
        `agent ${agent.id} proficiencies\\[1\\]\\.value: Welsh is not a value of predefined attribute Language \\(values: English, French, Spanish\\)`,
      ),
    );
  });

  it('refuses levels other than 1, 2, 3, 4 and 5, the same value twice, and a value listed twice', async () => {
    const withProficiencies = (...proficiencies: { name: string; value: string; level: number }[]) => ({
      predefinedAttributes: PREDEFINED_ATTRIBUTES,
      agents: [{ ...agent, proficiencies }],
    });
    const atLevel = /at agents\[0\]\.proficiencies\[0\]\.level/;
    await refused(withProficiencies({ name: 'Language', value: 'French', level: 6 }), atLevel);
    await refused(withProficiencies({ name: 'Language', value: 'French', level: 0 }), atLevel);
    await refused(withProficiencies({ name: 'Language', value: 'French', level: 1.5 }), atLevel);
    await refused(
      withProficiencies(
        { name: 'Language', value: 'French', level: 1 },
        { name: 'Language', value: 'French', level: 2 },
      ),
      /proficiencies\[1\]: Language French is given twice/,
    );
    await refused(
      { predefinedAttributes: { Language: ['English', 'English'] } },
      /predefined attribute Language lists value English twice/,
    );
  });
});
