import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exportInventory } from '../../src/inventory/export-inventory.js';
import { parseInventory } from '../../src/inventory/parse-inventory.js';
import { diffInventory } from '../../src/inventory/diff-inventory.js';
import { userDataText } from '../../src/inventory/user-data-text.js';
import {
  EMPTY,
  materialize,
  planFor,
  stateAfter,
  testGenerators,
} from '../fixtures/inventory/inventory-kit.js';

test('exportInventory() writes ids, generated values and non-empty defaults, and leaves out empty ones', () => {
  const state = stateAfter(
    EMPTY,
    'routers:\n  - name: edge\nnetworks:\n  - name: private\n    router: edge\n    cidr: 10.0.0.0/24\n    attach: { interface: virbr0 }\n' +
      'instances:\n  - name: web-1\n    availability_zone: null\n    user_data: "#!/bin/sh\\n"\n' +
      '    ports:\n      - network: private\n        ips: [10.0.0.5, 10.0.0.6]\n',
  );
  assert.equal(
    exportInventory(state),
    `# openimds inventory, exported from the store. Apply it with: openimds apply -f <file>
routers:
  - name: edge
    id: 00000000-0000-4000-8000-000000000001
networks:
  - name: private
    id: 00000000-0000-4000-8000-000000000002
    router: edge
    subnets:
      - id: 00000000-0000-4000-8000-000000000003
        cidr: 10.0.0.0/24
        gateway: 10.0.0.1
        dhcp: true
    attach:
      interface: virbr0
      mode: onlink
instances:
  - name: web-1
    uuid: 00000000-0000-4000-8000-000000000004
    hostname: web-1
    project_id: default
    availability_zone: null
    launch_index: 0
    flavor: m1.small
    reservation_id: r-12345678
    ec2_id: i-00000001
    created_at: "2024-01-01T00:00:00.000Z"
    security_groups: [default]
    root_device_name: /dev/vda
    user_data: |
      #!/bin/sh
    ports:
      - network: private
        id: 00000000-0000-4000-8000-000000000005
        mac: fa:16:3e:09:0a:0b
        ips: [10.0.0.5, 10.0.0.6]
        vif_type: ovs
        devname: tap00000000-00
`,
  );
});

test('exportInventory() writes an empty store as empty lists', () => {
  assert.equal(
    exportInventory(EMPTY),
    '# openimds inventory, exported from the store. Apply it with: openimds apply -f <file>\nrouters: []\nnetworks: []\ninstances: []\n',
  );
});

test('exportInventory() output re-applies to the same snapshot with an empty plan (full example)', () => {
  const file = new URL('../../../test/fixtures/inventory/full-example.yaml', import.meta.url).pathname;
  const gen = testGenerators();
  const { desired } = parseInventory(readFileSync(file, 'utf8'), file, (p) => readFileSync(p));
  const state = materialize(EMPTY, diffInventory(EMPTY, desired, gen));
  const exported = exportInventory(state);
  assert.equal(planFor(state, exported, gen).empty, true);
  assert.match(exported, /\n {4}ec2_id: i-0000002a\n/);
  assert.match(
    exported,
    /\nec2_images:\n {2}- image_id: 6a4c1e2f-3b5d-4f7a-9c8e-1d2b3a4c5e6f\n {4}ec2_id: ami-0000000a\n/,
  );
  assert.match(
    exported,
    /\n {2}- image_id: 7b5d2f3a-4c6e-4a8b-8d9f-2e3c4b5d6f7a\n {4}ec2_id: aki-0000000b\n/,
  );
});

test('exportInventory() writes attach.token_hop_limit (off for none) and neighbour_check, and they re-apply', () => {
  const gen = testGenerators();
  const text =
    'networks:\n  - name: a\n    cidr: 10.0.0.0/24\n    attach: { interface: br-a, token_hop_limit: 3, neighbour_check: true }\n' +
    '  - name: b\n    cidr: 10.1.0.0/24\n    attach: { interface: br-b, token_hop_limit: off }\n';
  const state = stateAfter(EMPTY, text);
  const exported = exportInventory(state);
  assert.match(
    exported,
    /interface: br-a\n {6}mode: onlink\n {6}token_hop_limit: 3\n {6}neighbour_check: true\n/,
  );
  assert.match(exported, /interface: br-b\n {6}mode: onlink\n {6}token_hop_limit: off\n/);
  assert.equal(planFor(state, exported, gen).empty, true);
});

test('exportInventory() quotes values YAML would read as something else', () => {
  const tags = ['a, b', '#c', '3', 'null', ' lead', 'e: f', '"q"'];
  const state = stateAfter(
    EMPTY,
    `instances:\n  - name: a\n    tags: ${JSON.stringify(tags)}\n    metadata: { "on": "yes", n: "1.0" }\n`,
  );
  const exported = exportInventory(state);
  assert.equal(planFor(state, exported).empty, true);
  assert.deepEqual(stateAfter(EMPTY, exported).instances[0]!.instance.tags, tags);
});

test('userDataText() keeps text that reads back the same, and refuses the rest', () => {
  assert.equal(userDataText(Buffer.from('#cloud-config\n')), '#cloud-config\n');
  assert.equal(userDataText(Buffer.from('trailing   \n\n\n')), 'trailing   \n\n\n');
  assert.equal(userDataText(Buffer.from('dos\r\n')), 'dos\r\n');
  assert.equal(userDataText(Buffer.from([0x1f, 0x8b, 0x08])), undefined);
  assert.equal(userDataText(Buffer.from('bell\u0007\n')), undefined);
  assert.equal(userDataText(Buffer.from([0xe9])), undefined);
  assert.equal(userDataText(Buffer.alloc(0)), undefined);
});
