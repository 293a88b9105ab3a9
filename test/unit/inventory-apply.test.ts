// apply and export against the real SQLite store: a fresh file per test, removed afterwards.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImdsError } from '../../src/errors.js';
import { applyInventory, applyInventoryFile } from '../../src/inventory/apply-inventory.js';
import { diffInventory, formatPlan } from '../../src/inventory/diff-inventory.js';
import { exportInventory } from '../../src/inventory/export-inventory.js';
import { parseInventory } from '../../src/inventory/parse-inventory.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { testGenerators } from '../fixtures/inventory/inventory-kit.js';

const FIXTURE = new URL('../../../test/fixtures/inventory/full-example.yaml', import.meta.url).pathname;
const FULL = readFileSync(FIXTURE, 'utf8');
const readFile = (path: string) => readFileSync(path);

function freshStore(t: TestContext): Store {
  const dir = mkdtempSync(join(tmpdir(), 'openimds-inventory-'));
  const store = openSqliteStore({
    path: join(dir, 'store.db'),
    now: () => new Date('2025-01-02T03:04:05.000Z'),
  });
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

function apply(store: Store, text: string, file = FIXTURE, dryRun = false) {
  return applyInventoryFile({ store, text, file, readFile, dryRun, ...testGenerators() });
}

test('applyInventoryFile() applies the full example, and its export re-applies with an empty plan', (t) => {
  const store = freshStore(t);
  const first = apply(store, FULL);
  assert.equal(first.applied, true);
  assert.equal(apply(store, FULL).plan.empty, true);
  const exported = exportInventory(store.snapshot());
  const again = apply(store, exported, join(tmpdir(), 'export.yaml'));
  assert.equal(again.plan.empty, true, formatPlan(again.plan));
  assert.equal(again.applied, false);
  // Into another store: the same ids, MACs, EC2 ids and user data, so the same export.
  const other = freshStore(t);
  apply(other, exported, join(tmpdir(), 'export.yaml'));
  assert.equal(exportInventory(other.snapshot()), exported);
});

test('applyInventoryFile() stores what the full example says', (t) => {
  const store = freshStore(t);
  apply(store, FULL);
  const web = store.findInstance('web-1')!;
  assert.equal(web.ec2Id, 0x2a);
  assert.deepEqual([web.ec2ImageId, web.ec2KernelId, web.ec2RamdiskId], [10, 11, 12]);
  assert.equal(web.createdAt, '2024-05-01T12:00:00Z');
  assert.deepEqual(web.userData, readFileSync(new URL('full-example-user-data.txt', `file://${FIXTURE}`)));
  const db = store.findInstance('db-1')!;
  assert.equal(db.createdAt, '2025-01-02T03:04:05.000Z');
  assert.match(db.reservationId, /^r-[0-9a-z]{8}$/);
  const ports = store.listPorts(web.uuid);
  assert.deepEqual(
    ports.map((p) => [store.findNetwork(p.networkId)!.name, p.fixedIps]),
    [
      ['private', ['10.0.0.10', '2001:db8:0:1::10']],
      ['storage', ['192.168.50.10']],
    ],
  );
});

test('applyInventoryFile() with dryRun returns the plan and writes nothing', (t) => {
  const store = freshStore(t);
  const mark = store.changeMark();
  const { plan, applied } = apply(store, FULL, FIXTURE, true);
  assert.equal(applied, false);
  assert.equal(plan.empty, false);
  assert.deepEqual(store.snapshot(), { routers: [], networks: [], instances: [] });
  assert.equal(store.changeMark(), mark);
});

const BAD_INVENTORIES: Array<[string, (full: string) => string]> = [
  ['a YAML syntax error', (full) => full.replace('routers:', 'routers: [')],
  ['an unknown key', (full) => full.replace('    mtu: 1450\n', '    mtu: 1450\n    colour: red\n')],
  ['an IP outside its network', (full) => full.replace('ip: 10.0.0.20', 'ip: 10.1.0.20')],
  ['a duplicate IP', (full) => full.replace('ip: 10.0.0.20', 'ip: 10.0.0.10')],
  [
    'a bad MAC',
    (full) => full.replace('mac: fa:16:3e:4c:2a:91\n        ips', 'mac: fa:16:3e:4c:2a\n        ips'),
  ],
  ['an unknown network', (full) => full.replace('network: storage', 'network: storge')],
  ['an unreadable user_data_file', (full) => full.replace('full-example-user-data.txt', 'missing.txt')],
  [
    'two user-data forms',
    (full) => full.replace('    user_data_file:', '    user_data: hi\n    user_data_file:'),
  ],
];

for (const [what, spoil] of BAD_INVENTORIES) {
  test(`applyInventoryFile() leaves the store unchanged on ${what}`, (t) => {
    const store = freshStore(t);
    apply(store, FULL);
    const before = store.snapshot();
    const mark = store.changeMark();
    const bad = spoil(FULL);
    assert.notEqual(bad, FULL);
    assert.throws(() => apply(store, bad.replace(/web-1/g, 'web-9')), { code: 'INVENTORY_INVALID' });
    assert.deepEqual(store.snapshot(), before);
    assert.equal(store.changeMark(), mark);
  });
}

test('applyInventoryFile() rolls the whole plan back when the store refuses a step', (t) => {
  const store = freshStore(t);
  apply(store, FULL);
  const before = store.snapshot();
  // Steps that the store accepts (delete db-1, add a network and an instance)… then an EC2 id
  // change on a live instance, which only the store refuses.
  const text = FULL.replace(
    /  - name: db-1[\s\S]*?ip: 10\.0\.0\.20\n/,
    '  - name: app-1\n    ports: [{ network: extra, ip: 10.7.0.5 }]\n',
  )
    .replace('networks:\n', 'networks:\n  - name: extra\n    cidr: 10.7.0.0/24\n')
    .replace('ec2_id: i-0000002a', 'ec2_id: i-0000002b');
  const plan = diffInventory(before, parseInventory(text, FIXTURE, readFile).desired, testGenerators());
  assert.deepEqual(
    formatPlan(plan)
      .split('\n')
      .map((line) => line.split(' ').slice(0, 3).join(' ')),
    [
      '- port of',
      '- instance db-1',
      '+ network extra',
      '~ instance web-1:',
      '+ instance app-1',
      '+ port of',
      '',
    ],
  );
  assert.throws(
    () => apply(store, text),
    (err: unknown) => err instanceof ImdsError && err.code === 'EC2_ID_IN_USE',
  );
  assert.deepEqual(store.snapshot(), before);
});

test('applyInventory() runs a plan in one transaction: a conflict only the store sees undoes the earlier steps', (t) => {
  const store = freshStore(t);
  const DB_1 = /  - name: db-1\n[\s\S]*?ip: 10\.0\.0\.20\n/;
  // db-1 boots img-y, which the store numbers itself (1: the first free number).
  apply(store, FULL.replace('  - name: db-1\n', '  - name: db-1\n    image_id: img-y\n'));
  assert.equal(store.findInstance('db-1')!.ec2ImageId, 1);
  const before = store.snapshot();
  // Delete db-1, then pin img-x to number 1: the file cannot know img-y has it, the store can.
  const text = FULL.replace(DB_1, '  - name: app-1\n    image_id: img-x\n').replace(
    'ec2_images:\n',
    'ec2_images:\n  - image_id: img-x\n    ec2_id: ami-00000001\n',
  );
  const plan = diffInventory(before, parseInventory(text, FIXTURE, readFile).desired, testGenerators());
  assert.deepEqual(
    plan.steps.map((s) => `${s.action} ${s.kind}`),
    ['delete port', 'delete instance', 'create ec2-image', 'create instance'],
  );
  assert.throws(() => applyInventory(store, plan), { code: 'EC2_ID_IN_USE' });
  assert.deepEqual(store.snapshot(), before);
});

test('applyInventoryFile() takes the snapshot inside the transaction that writes', (t) => {
  const store = freshStore(t);
  const calls: string[] = [];
  let depth = 0;
  const spy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${String(key)}@${depth}`);
        if (key !== 'transaction') return (value as (...a: unknown[]) => unknown).apply(target, args);
        depth++;
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          depth--;
        }
      };
    },
  });
  apply(spy, FULL);
  assert.equal(calls[0], 'transaction@0');
  assert.equal(calls[1], 'snapshot@1');
  assert.ok(calls.slice(2).every((c) => c.endsWith('@1')));
});

test('exportInventory() keeps user data byte-exact: text as user_data, anything else as base64', (t) => {
  const store = freshStore(t);
  const samples = {
    text: Buffer.from('#cloud-config\nruncmd:\n  - echo "héllo"   \n\n\n'),
    crlf: Buffer.from('line one\r\nline two\r\n'),
    bom: Buffer.from('\ufeff#!/bin/sh\n'),
    noNewline: Buffer.from('#!/bin/sh\necho hi'),
    gzip: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]),
    control: Buffer.from('a\u0001b\n'),
    latin1: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
  };
  const instances = Object.entries(samples)
    .map(([name, bytes]) => `  - name: ${name}\n    user_data_base64: ${bytes.toString('base64')}\n`)
    .join('');
  apply(store, `instances:\n${instances}`, join(tmpdir(), 'inventory.yaml'));
  const exported = exportInventory(store.snapshot());
  assert.match(exported, /name: text\n(.*\n)*? {4}user_data: \|/);
  assert.match(exported, /name: gzip\n(.*\n)*? {4}user_data_base64: /);
  assert.match(exported, /name: control\n(.*\n)*? {4}user_data_base64: /);
  assert.match(exported, /name: latin1\n(.*\n)*? {4}user_data_base64: /);
  const other = freshStore(t);
  apply(other, exported, join(tmpdir(), 'export.yaml'));
  for (const [name, bytes] of Object.entries(samples)) {
    assert.deepEqual(other.findInstance(name)!.userData, bytes, name);
  }
  assert.equal(apply(store, exported, join(tmpdir(), 'export.yaml')).plan.empty, true);
});

test('applyInventoryFile() puts reordered ports in the new order, keeping ids and MACs', (t) => {
  const store = freshStore(t);
  apply(store, FULL);
  const web = store.findInstance('web-1')!;
  const [a, b] = store.listPorts(web.uuid);
  const first = FULL.slice(
    FULL.indexOf('      - network: private\n        id:'),
    FULL.indexOf('      - network: storage\n'),
  );
  const second = '      - network: storage\n        ip: 192.168.50.10\n';
  const swapped = FULL.replace(first + second, second + first);
  assert.notEqual(swapped, FULL);
  const { plan } = apply(store, swapped);
  assert.equal(
    formatPlan(plan),
    `-/+ port of web-1 on private (10.0.0.10, 2001:db8:0:1::10, ${a!.mac}): to keep the port order\n`,
  );
  assert.deepEqual(
    store.listPorts(web.uuid).map((p) => [p.id, p.mac]),
    [
      [b!.id, b!.mac],
      [a!.id, a!.mac],
    ],
  );
  assert.equal(apply(store, swapped).plan.empty, true);
});

test('applyInventoryFile() orders structural changes so the store accepts each step', (t) => {
  const store = freshStore(t);
  apply(store, FULL);
  const [webPort] = store.listPorts(store.findInstance('web-1')!.uuid);
  const dbPort = store.listPorts(store.findInstance('db-1')!.uuid)[0]!;
  const text = FULL
    // A new router id (replace), so "private" is detached, the router deleted and created, and "private" attached again.
    .replace('id: 5b1f0c2e-8d4a-4c59-9a57-0f3f4f6e2a10', 'id: 6c2f1d3e-9e5b-4d6a-8b68-1f4f5f7e3b21')
    // web-1 and db-1 trade their private addresses (ports named by id, so they are the same ports).
    .replace("ips: [10.0.0.10, '2001:db8:0:1::10']", "ips: [10.0.0.20, '2001:db8:0:1::10']")
    .replace('        ip: 10.0.0.20\n', `        ip: 10.0.0.10\n        id: ${dbPort.id}\n`)
    // The storage network is renumbered, and web-1's port on it moves with it.
    .replace('cidr: 192.168.50.0/24', 'cidr: 192.168.60.0/24')
    .replace('ip: 192.168.50.10', 'ip: 192.168.60.10')
    .replace('address: 192.168.50.2/24', 'address: 192.168.60.2/24');
  const { plan, applied } = apply(store, text);
  assert.equal(applied, true);
  assert.equal(apply(store, text).plan.empty, true, formatPlan(apply(store, text, FIXTURE, true).plan));
  assert.deepEqual(store.findPort(webPort!.id)!.fixedIps, ['10.0.0.20', '2001:db8:0:1::10']);
  assert.deepEqual(store.findPort(dbPort.id)!.fixedIps, ['10.0.0.10']);
  assert.equal(store.findRouter('edge')!.id, '6c2f1d3e-9e5b-4d6a-8b68-1f4f5f7e3b21');
  assert.equal(store.findNetwork('private')!.routerId, '6c2f1d3e-9e5b-4d6a-8b68-1f4f5f7e3b21');
  assert.match(formatPlan(plan), /^-\/\+ router edge: new id/m);
});
