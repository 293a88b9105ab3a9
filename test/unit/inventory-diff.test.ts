import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan } from '../../src/inventory/diff-inventory.js';
import type { PlanStep } from '../../src/inventory/inventory-plan.js';
import { EMPTY, planFor, stateAfter, testGenerators } from '../fixtures/inventory/inventory-kit.js';

const BASE = `routers:
  - name: edge
networks:
  - name: private
    router: edge
    cidr: 10.0.0.0/24
instances:
  - name: web-1
    ports:
      - network: private
        ip: 10.0.0.5
`;

const summary = (steps: PlanStep[]) =>
  steps.map((s) => `${s.action}${s.replace ? '(replace)' : ''} ${s.kind}`);

test('diffInventory() creates everything from an empty store, parents first', () => {
  const plan = planFor(EMPTY, BASE);
  assert.equal(plan.empty, false);
  assert.deepEqual(summary(plan.steps), [
    'create router',
    'create network',
    'create instance',
    'create port',
  ]);
  const [router, network, instance, port] = plan.steps;
  assert.ok(
    router?.kind === 'router' &&
      network?.kind === 'network' &&
      instance?.kind === 'instance' &&
      port?.kind === 'port',
  );
  assert.equal(network.network.routerId, router.router.id);
  assert.equal(port.port.instanceUuid, instance.instance.uuid);
  assert.equal(port.port.networkId, network.network.id);
});

test('diffInventory() generates ids, MACs, device names and reservation ids from the generators', () => {
  const plan = planFor(EMPTY, BASE, testGenerators());
  const ids = (id: number) => `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
  const byKind = Object.fromEntries(plan.steps.map((s) => [s.kind, s]));
  assert.equal(byKind['router']!.kind === 'router' && byKind['router']!.router.id, ids(1));
  const instance = byKind['instance']!;
  assert.ok(instance.kind === 'instance' && instance.action === 'create');
  assert.equal(instance.instance.uuid, ids(4));
  // bytes 1..8 → "r-" + "12345678" in base 36 digits
  assert.equal(instance.instance.reservationId, 'r-12345678');
  const port = byKind['port']!;
  assert.ok(port.kind === 'port');
  assert.equal(port.port.id, ids(5));
  assert.equal(port.port.mac, 'fa:16:3e:09:0a:0b');
  assert.equal(port.port.devname, 'tap00000000-00');
});

test('diffInventory() plans nothing when the store matches the file', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const plan = planFor(state, BASE, gen);
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.empty, true);
  assert.equal(formatPlan(plan), 'No changes: the store matches the inventory\n');
});

test('diffInventory() keeps stored ids, uuids, MACs, EC2 ids, reservation ids and creation times the file omits', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const next = stateAfter(state, BASE.replace('name: web-1\n', 'name: web-1\n    flavor: m1.large\n'), gen);
  assert.deepEqual(next.routers, state.routers);
  assert.deepEqual(next.networks, state.networks);
  const [before, after] = [state.instances[0]!, next.instances[0]!];
  assert.equal(after.instance.flavor, 'm1.large');
  for (const key of ['uuid', 'ec2Id', 'reservationId', 'createdAt'] as const) {
    assert.equal(after.instance[key], before.instance[key], key);
  }
  assert.deepEqual(after.ports, before.ports);
});

test('diffInventory() updates only the fields that differ, and says which', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const text = BASE.replace(
    '    cidr: 10.0.0.0/24\n',
    '    mtu: 1450\n    cidr: 10.0.0.0/24\n    dns: [10.0.0.2]\n',
  ).replace('name: web-1\n', 'name: web-1\n    hostname: web-one\n    metadata: { role: web }\n');
  const plan = planFor(state, text, gen);
  assert.deepEqual(summary(plan.steps), ['update network', 'update instance']);
  assert.equal(
    formatPlan(plan),
    '~ network private: mtu none → 1450, subnet 10.0.0.0/24 dns [] → ["10.0.0.2"]\n' +
      '~ instance web-1: hostname "web-1" → "web-one", metadata {} → {"role":"web"}\n',
  );
});

test('diffInventory() deletes what the file no longer lists, children first', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const plan = planFor(state, '', gen);
  assert.deepEqual(summary(plan.steps), [
    'delete port',
    'delete instance',
    'delete network',
    'delete router',
  ]);
  assert.equal(
    formatPlan(plan),
    '- port of web-1 on private (10.0.0.5, fa:16:3e:09:0a:0b)\n' +
      '- instance web-1 (00000000-0000-4000-8000-000000000004)\n' +
      '- network private (10.0.0.0/24; router edge)\n' +
      '- router edge\n',
  );
});

test('diffInventory() detaches a kept network from a router that goes, before deleting the router', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const plan = planFor(
    state,
    BASE.replace('routers:\n  - name: edge\n', '').replace('    router: edge\n', ''),
    gen,
  );
  assert.deepEqual(summary(plan.steps), ['update network', 'delete router', 'update network']);
  const detach = plan.steps[0]!;
  assert.ok(detach.kind === 'network');
  assert.equal(detach.network.routerId, null);
});

test('diffInventory() replaces an object whose file id differs from the stored one of the same name', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const newId = '5b1f0c2e-8d4a-4c59-9a57-0f3f4f6e2a10';
  const plan = planFor(state, BASE.replace('  - name: edge\n', `  - name: edge\n    id: ${newId}\n`), gen);
  assert.deepEqual(summary(plan.steps), [
    'update network',
    'delete(replace) router',
    'create(replace) router',
    'update network',
  ]);
  assert.equal(
    formatPlan(plan),
    '~ network private: router "edge" → none\n' +
      `-/+ router edge: new id, id "00000000-0000-4000-8000-000000000001" → "${newId}"\n` +
      `~ network private: router "edge (00000000-0000-4000-8000-000000000001)" → "edge (${newId})"\n`,
  );
});

test('diffInventory() replaces an instance given a new uuid, and recreates its ports with new ids', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const uuid = '9d3b2c1a-6e5f-4a7b-8c9d-0e1f2a3b4c5d';
  const plan = planFor(state, BASE.replace('name: web-1\n', `name: web-1\n    uuid: ${uuid}\n`), gen);
  assert.deepEqual(summary(plan.steps), [
    'delete port',
    'delete(replace) instance',
    'create(replace) instance',
    'create port',
  ]);
  const port = plan.steps[3]!;
  assert.ok(port.kind === 'port');
  assert.equal(port.port.instanceUuid, uuid);
});

test('diffInventory() renames by id when the file gives the stored id with a new name', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const id = state.networks[0]!.id;
  const plan = planFor(
    state,
    BASE.replace('  - name: private\n', `  - name: lan\n    id: ${id}\n`).replace(
      'network: private',
      'network: lan',
    ),
    gen,
  );
  assert.equal(formatPlan(plan), '~ network lan: name "private" → "lan"\n');
});

test('diffInventory() matches ports by (instance, network, first IP) without ids', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const stored = state.instances[0]!.ports[0]!;
  // Same first IP: the same port, updated.
  const more = planFor(state, BASE.replace('ip: 10.0.0.5', 'ips: [10.0.0.5, 10.0.0.9]'), gen);
  assert.deepEqual(summary(more.steps), ['update port']);
  const step = more.steps[0]!;
  assert.ok(step.kind === 'port');
  assert.equal(step.port.id, stored.id);
  assert.equal(step.port.mac, stored.mac);
  // Another first IP and no id: another port.
  const moved = planFor(state, BASE.replace('ip: 10.0.0.5', 'ip: 10.0.0.6'), gen);
  assert.deepEqual(summary(moved.steps), ['delete port', 'create port']);
});

test('diffInventory() matches ports by id, keeping the MAC across an address change', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const stored = state.instances[0]!.ports[0]!;
  const plan = planFor(state, BASE.replace('ip: 10.0.0.5', `ip: 10.0.0.6\n        id: ${stored.id}`), gen);
  assert.equal(
    formatPlan(plan),
    `~ port of web-1 on private (${stored.id}): ips ["10.0.0.5"] → ["10.0.0.6"]\n`,
  );
});

test('diffInventory() recreates ports put in another order, keeping their ids and MACs', () => {
  const gen = testGenerators();
  const two = BASE.replace(
    '        ip: 10.0.0.5\n',
    '        ip: 10.0.0.5\n      - network: private\n        ip: 10.0.0.6\n',
  );
  const state = stateAfter(EMPTY, two, gen);
  const [a, b] = state.instances[0]!.ports;
  const swapped = two
    .replace('ip: 10.0.0.5', 'ip: X')
    .replace('ip: 10.0.0.6', 'ip: 10.0.0.5')
    .replace('ip: X', 'ip: 10.0.0.6');
  const plan = planFor(state, swapped, gen);
  // 10.0.0.6 (b) stays first; 10.0.0.5 (a) is recreated after it.
  assert.deepEqual(summary(plan.steps), ['delete(replace) port', 'create(replace) port']);
  const create = plan.steps[1]!;
  assert.ok(create.kind === 'port');
  assert.deepEqual([create.port.id, create.port.mac], [a!.id, a!.mac]);
  assert.equal(
    formatPlan(plan),
    `-/+ port of web-1 on private (10.0.0.5, ${a!.mac}): to keep the port order\n`,
  );
  assert.deepEqual(
    stateAfter(state, swapped, gen).instances[0]!.ports.map((p) => p.id),
    [b!.id, a!.id],
  );
});

test('diffInventory() recreates ports that swap addresses, so no address is held twice', () => {
  const gen = testGenerators();
  const two = BASE.replace(
    '        ip: 10.0.0.5\n',
    '        ip: 10.0.0.5\n  - name: web-2\n    ports:\n      - network: private\n        ip: 10.0.0.6\n',
  );
  const state = stateAfter(EMPTY, two, gen);
  const [p1, p2] = state.instances.map((x) => x.ports[0]!);
  const swapped = two
    .replace('ip: 10.0.0.5', `ip: 10.0.0.6\n        id: ${p1!.id}`)
    .replace(/ip: 10\.0\.0\.6\n$/, `ip: 10.0.0.5\n        id: ${p2!.id}\n`);
  const plan = planFor(state, swapped, gen);
  assert.deepEqual(summary(plan.steps), [
    'delete(replace) port',
    'delete(replace) port',
    'create(replace) port',
    'create(replace) port',
  ]);
  assert.match(formatPlan(plan), /"10\.0\.0\.5" goes to another port/);
});

test("diffInventory() recreates a port whose address leaves the network's new subnet", () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const id = state.instances[0]!.ports[0]!.id;
  const text = BASE.replace('cidr: 10.0.0.0/24', 'cidr: 10.9.0.0/24').replace(
    'ip: 10.0.0.5',
    `ip: 10.9.0.5\n        id: ${id}`,
  );
  const plan = planFor(state, text, gen);
  assert.deepEqual(summary(plan.steps), ['delete(replace) port', 'update network', 'create(replace) port']);
});

test('diffInventory() keeps subnet ids by CIDR and pins EC2 images only when they change', () => {
  const gen = testGenerators();
  const text = `${BASE}    image_id: img-1\nec2_images:\n  - image_id: img-1\n    ec2_id: ami-0000000a\n`;
  const first = planFor(EMPTY, text, gen);
  assert.equal(formatPlan(first).split('\n')[0], '+ ec2 image img-1: ec2_id none → "ami-0000000a"');
  const state = stateAfter(EMPTY, text, gen);
  assert.equal(planFor(state, text, gen).empty, true);
  const moved = planFor(state, text.replace('ami-0000000a', 'ami-0000000b'), gen);
  assert.equal(formatPlan(moved), '~ ec2 image img-1: ec2_id "ami-0000000a" → "ami-0000000b"\n');
  const subnetId = state.networks[0]!.subnets[0]!.id;
  const wider = stateAfter(
    state,
    text.replace('cidr: 10.0.0.0/24', 'subnets: [{ cidr: 10.0.0.0/24 }, { cidr: "2001:db8::/64" }]'),
    gen,
  );
  assert.equal(wider.networks[0]!.subnets[0]!.id, subnetId);
});

test('diffInventory() compares created_at as an instant and user data as bytes', () => {
  const gen = testGenerators();
  const text = BASE.replace(
    'name: web-1\n',
    'name: web-1\n    created_at: "2024-05-01T12:00:00Z"\n    user_data: "#!/bin/sh\\n"\n',
  );
  const state = stateAfter(EMPTY, text, gen);
  assert.equal(planFor(state, text.replace('12:00:00Z', '12:00:00.000Z'), gen).empty, true);
  const plan = planFor(state, text.replace('#!/bin/sh', '#!/bin/bash'), gen);
  assert.match(
    formatPlan(plan),
    /^~ instance web-1: user_data <10 bytes sha256:[0-9a-f]{8}> → <12 bytes sha256:[0-9a-f]{8}>\n$/,
  );
});

test('diffInventory() orders all deletes before all writes', () => {
  const gen = testGenerators();
  const state = stateAfter(EMPTY, BASE, gen);
  const plan = planFor(state, BASE.replace(/web-1/g, 'web-2').replace('10.0.0.5', '10.0.0.7'), gen);
  assert.deepEqual(summary(plan.steps), ['delete port', 'delete instance', 'create instance', 'create port']);
});
