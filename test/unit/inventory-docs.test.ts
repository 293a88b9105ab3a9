// docs/inventory.md stays in step with the code: its full example is the fixture the tests apply,
// and every key the parser takes is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { INSTANCE_DEFAULTS } from '../../src/inventory/instance-defaults.js';
import { INSTANCE_KEYS } from '../../src/inventory/parse-instance.js';
import { INVENTORY_KEYS } from '../../src/inventory/parse-inventory.js';
import { NETWORK_KEYS } from '../../src/inventory/parse-network.js';
import { PORT_KEYS } from '../../src/inventory/parse-port.js';
import { ROUTER_KEYS } from '../../src/inventory/parse-router.js';
import { SUBNET_KEYS } from '../../src/inventory/parse-subnet.js';

const root = new URL('../../../', import.meta.url);
const doc = readFileSync(new URL('docs/inventory.md', root), 'utf8');

test('docs/inventory.md shows the full example byte for byte as test/fixtures/inventory/full-example.yaml', () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/inventory.md has a yaml block');
  assert.equal(block[1], readFileSync(new URL('test/fixtures/inventory/full-example.yaml', root), 'utf8'));
});

test('docs/inventory.md documents every key the parser accepts', () => {
  const keys = [
    ...INVENTORY_KEYS,
    ...ROUTER_KEYS,
    ...NETWORK_KEYS,
    ...SUBNET_KEYS,
    ...INSTANCE_KEYS,
    ...PORT_KEYS,
  ];
  const missing = keys.filter((key) => !doc.includes(`| \`${key}\``) && !doc.includes(`\`${key}\`,`));
  assert.deepEqual(missing, []);
});

test('docs/inventory.md states the instance defaults the parser uses', () => {
  const { projectId, availabilityZone, flavor, rootDeviceName, vifType, keyType } = INSTANCE_DEFAULTS;
  for (const value of [projectId, availabilityZone, flavor, rootDeviceName, vifType, keyType]) {
    assert.ok(doc.includes(`\`${value}\``), `default "${value}" is documented`);
  }
  assert.ok(doc.includes(`\`[${INSTANCE_DEFAULTS.securityGroups.join(', ')}]\``));
});
