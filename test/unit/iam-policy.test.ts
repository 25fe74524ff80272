import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECT_CALL_LANES } from '../../src/shared/task-queues';

/** The README's IAM policy: the JSON block under "IAM policy for a production worker". */
function readmePolicy(): { Statement: { Action: string[] }[] } {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### IAM policy for a production worker'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'the README has the IAM policy as a JSON block');
  return JSON.parse(block[1]!) as { Statement: { Action: string[] }[] };
}

describe("the README's IAM policy", () => {
  it('allows exactly the Connect operations the activities call', () => {
    const allowed = readmePolicy()
      .Statement.flatMap((statement) => statement.Action)
      .filter((action) => action.startsWith('connect:'))
      .sort();
    const called = Object.values(CONNECT_CALL_LANES)
      .flatMap((lane) => lane.operations.map((operation) => `connect:${operation}`))
      .sort();
    assert.deepEqual(allowed, called);
  });
});
