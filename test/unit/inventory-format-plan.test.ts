import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, summarizePlan } from '../../src/inventory/diff-inventory.js';
import { formatValue } from '../../src/inventory/format-plan.js';
import { EMPTY, planFor, stateAfter, testGenerators } from '../fixtures/inventory/inventory-kit.js';

const TEXT = `networks:
  - name: private
    subnets: [{ cidr: 10.0.0.0/24 }, { cidr: "2001:db8::/64" }]
instances:
  - name: web-1
    ports: [{ network: private, ips: [10.0.0.5, "2001:db8::5"] }]
`;

test('formatPlan() writes one line per change, like a terraform plan', () => {
  assert.equal(
    formatPlan(planFor(EMPTY, TEXT)),
    '+ network private (10.0.0.0/24, 2001:db8::/64)\n' +
      '+ instance web-1 (00000000-0000-4000-8000-000000000004)\n' +
      '+ port of web-1 on private (10.0.0.5, 2001:db8::5, fa:16:3e:09:0a:0b)\n',
  );
});

test('formatPlan() shows a replacement once, as -/+ with its reason', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, TEXT, gen);
  const id = '0c2d6a3e-41f7-4d8b-b3f5-6c8e2f1a9d40';
  const plan = planFor(state, TEXT.replace('  - name: private\n', `  - name: private\n    id: ${id}\n`), gen);
  assert.equal(
    formatPlan(plan),
    `-/+ network private (10.0.0.0/24, 2001:db8::/64): new id, id "00000000-0000-4000-8000-000000000001" → "${id}"\n` +
      '-/+ port of web-1 on private (10.0.0.5, 2001:db8::5, fa:16:3e:09:0a:0b): moved to another network, ' +
      `network "00000000-0000-4000-8000-000000000001" → "${id}"\n`,
  );
  assert.equal(summarizePlan(plan), 'Plan: 0 to create, 0 to update, 0 to delete, 2 to replace');
});

test('summarizePlan() counts creates, updates, deletes and replacements', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, TEXT, gen);
  const plan = planFor(
    state,
    TEXT.replace('web-1', 'web-2').replace('name: private\n', 'name: private\n    mtu: 1500\n'),
    gen,
  );
  assert.equal(summarizePlan(plan), 'Plan: 2 to create, 1 to update, 2 to delete, 0 to replace');
});

test('formatValue() shows none, quoted text, JSON, byte counts, and cuts long values', () => {
  assert.equal(formatValue(null), 'none');
  assert.equal(formatValue('a "b"'), '"a \\"b\\""');
  assert.equal(formatValue(1450), '1450');
  assert.equal(formatValue(['10.0.0.2']), '["10.0.0.2"]');
  assert.equal(formatValue(Buffer.from('hi')), '<2 bytes sha256:8f434346>');
  assert.equal(formatValue('x'.repeat(200)), `"${'x'.repeat(78)}…`);
});
