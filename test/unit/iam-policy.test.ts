/**
 * The README's IAM policy against the code: it must allow every AWS action the activities call, and
 * nothing else. The calls are read from the source (each `new <Operation>Command(...)` of the Connect
 * and S3 clients outside the developer tooling), so an activity that starts calling a new operation
 * fails this test until the policy names it; the Connect call lanes must name the same operations.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECT_CALL_LANES } from '../../src/shared/task-queues';

const ROOT = join(__dirname, '..', '..');
/** The AWS clients the product uses, by their IAM service prefix. */
const AWS_CLIENTS = { '@aws-sdk/client-connect': 'connect', '@aws-sdk/client-s3': 's3' };

/** The README's IAM policy: the JSON block under "IAM policy for a production worker". */
function readmePolicy(): { Statement: { Action: string[] | string }[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### IAM policy for a production worker'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'the README has the IAM policy as a JSON block');
  return JSON.parse(block[1]!) as { Statement: { Action: string[] | string }[] };
}

/** The product's source files: activities and src/, without the developer tooling (the emulator, the demo). */
function productFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) return full === join(ROOT, 'src', 'dev') ? [] : productFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `connect:CreateContact`, `s3:GetObject`...: every command the product's code sends, as an IAM action. */
function actionsCalled(): { action: string; file: string }[] {
  const calls: { action: string; file: string }[] = [];
  for (const file of [...productFiles(join(ROOT, 'activities')), ...productFiles(join(ROOT, 'src'))]) {
    const source = readFileSync(file, 'utf8');
    for (const [client, service] of Object.entries(AWS_CLIENTS)) {
      const imports = [...source.matchAll(new RegExp(`import \\{([^}]*)\\} from '${client}'`, 'g'))];
      const names = imports.flatMap((match) => match[1]!.split(',').map((name) => name.trim()));
      for (const name of names.filter((imported) => /^\w+Command$/.test(imported))) {
        if (new RegExp(`new ${name}\\(`).test(source)) {
          calls.push({ action: `${service}:${name.replace(/Command$/, '')}`, file });
        }
      }
    }
  }
  return calls;
}

describe("the README's IAM policy", () => {
  const allowed = readmePolicy().Statement.flatMap((statement) => statement.Action);
  const called = actionsCalled();

  it('finds the calls it checks (the source scan works)', () => {
    const actions = called.map((call) => call.action);
    for (const action of ['connect:CreateContact', 'connect:ListUserProficiencies', 's3:GetObject']) {
      assert.ok(actions.includes(action), `${action} among ${actions.join(', ')}`);
    }
  });

  it('allows exactly the Connect and S3 actions the activities call', () => {
    const actions = [...new Set(called.map((call) => call.action))].sort();
    assert.deepEqual([...new Set(allowed)].sort(), actions);
  });

  it("names the same Connect operations as the Connect call lanes (each one's rate)", () => {
    const laneOperations = Object.values(CONNECT_CALL_LANES)
      .flatMap((lane) => lane.operations.map((operation) => `connect:${operation}`))
      .sort();
    assert.deepEqual(allowed.filter((action) => action.startsWith('connect:')).sort(), laneOperations);
  });
});
