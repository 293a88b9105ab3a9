import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from '../../src/cli/service-app.js';
import { defaultConfig } from '../../src/config.js';
import { SILENT_LOGGER } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

const TOKEN = 'test-admin-token-0123456789';

interface Harness {
  admin: string;
  guest: string;
  store: Store;
  service: RunningService;
}

async function start(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'oimds-admin-'));
  const store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  store.putNetwork({
    id: '0a0a0a0a-0000-4000-8000-000000000001',
    name: 'lo',
    subnets: [
      {
        id: '0a0a0a0a-0000-4000-8000-0000000000a1',
        cidr: '127.0.0.0/8',
        ipVersion: 4,
        gateway: null,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: null,
    attach: null,
  });
  const config = {
    ...defaultConfig({ uid: 1000, home: dir }),
    dataDir: dir,
    signedListen: '',
    adminListen: '127.0.0.1:0',
    directListeners: [{ listen: '127.0.0.1:0', network: 'lo' }],
  };
  const service = await startService({
    config,
    store,
    log: SILENT_LOGGER,
    env: { OPENIMDS_ADMIN_TOKEN: TOKEN },
    demo: false,
  });
  t.after(async () => {
    await service.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const at = (kind: string) => `http://${service.endpoints.find((e) => e.kind === kind)!.address}`;
  return { admin: at('admin'), guest: at('direct'), store, service };
}

async function call(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(h.admin + path, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text,
    json: () => JSON.parse(text) as Record<string, any>,
  };
}

const WEB = {
  name: 'web-1',
  hostname: 'web-1',
  keys: [{ name: 'k', public_key: 'ssh-ed25519 AAAAC3Nz k@x' }],
  ports: [{ network: 'lo', ip: '127.0.0.1' }],
};

test('admin API refuses requests without the bearer token (401) and compares it exactly', async (t) => {
  const h = await start(t);
  const none = await fetch(h.admin + '/v1/networks');
  const wrong = await call(h, 'GET', '/v1/networks', undefined, { authorization: `Bearer ${TOKEN}x` });
  const good = await call(h, 'GET', '/v1/networks');
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  assert.equal(wrong.status, 401);
  assert.equal(good.status, 200);
});

test('admin API serves its OpenAPI document without a token', async (t) => {
  const h = await start(t);
  const res = await fetch(h.admin + '/v1/openapi.json');
  const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
  assert.equal(res.status, 200);
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/v1/instances/{key}']);
});

test('admin API creates an instance that the guest sees on its very next request', async (t) => {
  const h = await start(t);
  const created = await call(h, 'POST', '/v1/instances', WEB);
  assert.equal(created.status, 201, created.text);
  const before = await (await fetch(h.guest + '/latest/meta-data/hostname')).text();
  assert.equal(before, 'web-1.novalocal');
  const changed = await call(h, 'PUT', '/v1/instances/web-1', { ...WEB, hostname: 'renamed' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(await (await fetch(h.guest + '/latest/meta-data/hostname')).text(), 'renamed.novalocal');
  const shown = (await call(h, 'GET', '/v1/instances/web-1')).json();
  assert.equal(shown['ports'].length, 1);
  assert.equal(shown['passwordSet'], false);
  assert.equal(shown['password'], undefined, 'the admin API never echoes a guest secret');
});

test('admin API answers 400 with every validation error, and changes nothing', async (t) => {
  const h = await start(t);
  const bad = await call(h, 'POST', '/v1/instances', {
    ...WEB,
    ports: [{ network: 'lo', ip: '10.0.0.300' }],
    bogus: 1,
  });
  assert.equal(bad.status, 400);
  const err = bad.json()['error'];
  assert.equal(err.code, 'INVENTORY_INVALID');
  const messages = (err.details as Array<{ path: string; message: string }>)
    .map((d) => `${d.path}: ${d.message}`)
    .join('\n');
  assert.match(messages, /ports\[0\]\.ip: "10\.0\.0\.300" is not an IPv4 address/);
  assert.match(messages, /bogus/);
  assert.equal(h.store.listInstances().length, 0);
});

test('admin API answers 409 for a duplicate name and for removing a network in use', async (t) => {
  const h = await start(t);
  assert.equal((await call(h, 'POST', '/v1/instances', WEB)).status, 201);
  const dup = await call(h, 'POST', '/v1/instances', WEB);
  assert.equal(dup.status, 409);
  assert.equal(dup.json()['error'].code, 'DUPLICATE_NAME');
  const inUse = await call(h, 'DELETE', '/v1/networks/lo');
  assert.equal(inUse.status, 409);
  assert.equal(inUse.json()['error'].code, 'IN_USE');
  assert.match(inUse.json()['error'].message, /web-1/);
});

test('admin API adds, replaces and removes ports, and 404s an unknown one', async (t) => {
  const h = await start(t);
  await call(h, 'POST', '/v1/instances', WEB);
  const added = await call(h, 'POST', '/v1/ports', {
    instance: 'web-1',
    network: 'lo',
    ip: '127.0.0.9',
    mac: 'fa:16:3e:00:00:09',
  });
  assert.equal(added.status, 201, added.text);
  const port = h.store.listPorts().find((p) => p.fixedIps[0] === '127.0.0.9')!;
  assert.equal(
    (await call(h, 'PUT', `/v1/ports/${port.id}`, { network: 'lo', ip: '127.0.0.10', mac: port.mac })).status,
    200,
  );
  assert.deepEqual(h.store.findPort(port.id)?.fixedIps, ['127.0.0.10']);
  assert.equal((await call(h, 'DELETE', `/v1/ports/${port.id}`)).status, 200);
  assert.equal(h.store.findPort(port.id), undefined);
  assert.equal((await call(h, 'GET', `/v1/ports/${port.id}`)).status, 404);
});

test('admin API applies an inventory, with dry_run computing the plan only', async (t) => {
  const h = await start(t);
  const yaml =
    'networks:\n  - name: lo\n    id: 0a0a0a0a-0000-4000-8000-000000000001\n    cidr: 127.0.0.0/8\n    gateway: null\n    dhcp: false\n    mtu: 1500\ninstances:\n  - name: a\n    ports: [{network: lo, ip: 127.0.0.5}]\n';
  const dry = await call(h, 'POST', '/v1/inventory?dry_run=1', yaml, { 'content-type': 'application/yaml' });
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.json()['applied'], false);
  assert.ok(dry.json()['changes'].some((c: string) => c.includes('a')));
  assert.equal(h.store.listInstances().length, 0);
  const real = await call(h, 'POST', '/v1/inventory', yaml, { 'content-type': 'application/yaml' });
  assert.equal(real.json()['applied'], true);
  assert.equal(h.store.listInstances().length, 1);
  const exported = await call(h, 'GET', '/v1/inventory');
  assert.equal(exported.type, 'application/yaml');
  const again = await call(h, 'POST', '/v1/inventory', exported.text, { 'content-type': 'application/yaml' });
  assert.equal(again.json()['empty'], true, 'an export applies unchanged');
});

test('admin API answers 404 for an unknown path, 405 for a wrong method and 415 for a non-JSON body', async (t) => {
  const h = await start(t);
  assert.equal((await call(h, 'GET', '/v1/nope')).status, 404);
  assert.equal((await call(h, 'PATCH', '/v1/networks')).status, 405);
  assert.equal(
    (await call(h, 'POST', '/v1/networks', 'name: x', { 'content-type': 'text/plain' })).status,
    415,
  );
  assert.equal((await call(h, 'GET', '/v1/instances/missing')).status, 404);
});

test('admin API clears a guest-set password so that the guest may post again', async (t) => {
  const h = await start(t);
  await call(h, 'POST', '/v1/instances', WEB);
  const post = () => fetch(h.guest + '/openstack/latest/password', { method: 'POST', body: 'c2VjcmV0' });
  assert.equal((await post()).status, 200);
  assert.equal((await post()).status, 409);
  assert.equal((await call(h, 'DELETE', '/v1/instances/web-1/password')).status, 200);
  assert.equal((await post()).status, 200);
});

test('admin API never reads a file named in a request (user_data_file)', async (t) => {
  const h = await start(t);
  const yaml =
    'networks:\n  - name: lo\n    id: 0a0a0a0a-0000-4000-8000-000000000001\n    cidr: 127.0.0.0/8\n    gateway: null\n    dhcp: false\n    mtu: 1500\ninstances:\n  - name: a\n    user_data_file: /etc/hostname\n    ports: [{network: lo, ip: 127.0.0.5}]\n';
  const r = await call(h, 'POST', '/v1/inventory', yaml, { 'content-type': 'application/yaml' });
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /never reads files/);
  assert.equal(h.store.listInstances().length, 0);
  const viaInstance = await call(h, 'POST', '/v1/instances', { ...WEB, user_data_file: '/etc/hostname' });
  assert.equal(viaInstance.status, 400);
  assert.equal(h.store.listInstances().length, 0);
});
