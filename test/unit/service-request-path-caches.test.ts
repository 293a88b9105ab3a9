// The request path's small caches: each must give exactly what the uncached call gives, and a store
// change made through another connection (a CLI process) must show on the very next lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { createPortLookupCache } from '../../src/service/port-lookup-cache.js';
import { createRandomPool } from '../../src/service/random-pool.js';
import { createRenderCache, RECORD_OVERHEAD_BYTES } from '../../src/service/render-cache.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import { resolvePort } from '../../src/service/resolve-port.js';
import { createUtcDay } from '../../src/service/utc-day.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { instanceInput, portFixture, seed } from './store-contract.js';

function twoConnections(t: Parameters<typeof makeTmpDir>[0]) {
  const path = join(makeTmpDir(t), 'store.sqlite');
  const service = openSqliteStore({ path });
  seed(service);
  service.putPort(portFixture());
  const cli = openSqliteStore({ path });
  t!.after(() => {
    service.close();
    cli.close();
  });
  return { service, cli };
}

test('createPortLookupCache() answers as the store does, and sees another connection’s write at once', (t) => {
  const { service, cli } = twoConnections(t);
  const ports = createPortLookupCache({ store: service });
  const who = () => resolvePort(ports, ['n-a'], '10.0.0.5', 'network n-a');

  const first = who();
  assert.ok(first.ok && first.identity.instanceUuid === 'u-1');
  assert.deepEqual(
    ports.findPortsByAddress(['n-a'], '10.0.0.5'),
    service.findPortsByAddress(['n-a'], '10.0.0.5'),
  );
  assert.deepEqual(ports.networkIdsOfRouter('r-1'), service.networkIdsOfRouter('r-1'));

  // Another process moves the address to another instance: the next lookup names it.
  cli.transaction(() => {
    cli.deletePort('port-1');
    cli.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2', mac: 'fa:16:3e:00:00:02' }));
  });
  const moved = who();
  assert.ok(moved.ok && moved.identity.instanceUuid === 'u-2');

  // A change to the instance alone bumps its revision; the cached identity must carry the new one.
  const before = moved.identity.revision;
  cli.putInstance(instanceInput({ uuid: 'u-2', name: 'vm-2', hostname: 'renamed' }));
  const renamed = who();
  assert.ok(renamed.ok && renamed.identity.revision !== before);
  assert.equal(renamed.ok && renamed.identity.revision, service.findRevision('u-2'));

  // Removed: nobody is identified on the next request.
  cli.deletePort('port-2');
  assert.equal(who().ok, false);
});

test('createPortLookupCache() keeps at most maxEntries answers and still answers past them', (t) => {
  const { service } = twoConnections(t);
  const ports = createPortLookupCache({ store: service, maxEntries: 2 });
  for (let i = 0; i < 10; i++)
    assert.deepEqual(ports.findPortsByAddress(['n-a'], `10.0.0.${i}`).length, i === 5 ? 1 : 0);
  assert.equal(ports.findPortsByAddress(['n-a'], '10.0.0.5')[0]!.instanceUuid, 'u-1');
});

test('createRandomPool() hands out every byte once, and never the same seed twice', () => {
  let fills = 0;
  let counter = 0;
  const pool = createRandomPool((b) => {
    fills += 1;
    for (let i = 0; i < b.length; i += 2) b.writeUInt16BE(counter++, i); // every 2 bytes differ
  }, 1024);
  const a = pool(512);
  const b = pool(512);
  const c = pool(512);
  assert.equal(fills, 2);
  assert.equal(a.readUInt16BE(0), 0);
  assert.equal(b.readUInt16BE(0), 256);
  assert.equal(c.readUInt16BE(0), 512);
  assert.equal(c.length, 512);
  assert.notDeepEqual(a, b);
  // Copies: a later refill does not change what an earlier caller holds.
  const kept = Buffer.from(a);
  pool(1024);
  assert.deepEqual(a, kept);
  assert.equal(pool(4096).length, 4096); // larger than the pool: drawn on its own
});

test('createUtcDay() gives the UTC date and moves at midnight, also when the clock goes back', () => {
  let now = Date.parse('2026-11-26T23:59:59.999Z');
  const today = createUtcDay(() => now);
  assert.equal(today(), '2026-11-26');
  now += 1;
  assert.equal(today(), '2026-11-27');
  now = Date.parse('2026-01-01T00:00:00Z') - 1;
  assert.equal(today(), '2025-12-31');
});

// --- the render cache

function recordOf(uuid: string, revision: number, userDataBytes = 0) {
  return {
    instance: { uuid, revision, userData: userDataBytes === 0 ? null : Buffer.alloc(userDataBytes) },
    ports: [],
  } as unknown as InstanceRecord;
}

test('createRenderCache() renders afresh on the next request after a revision change', () => {
  const revisions = new Map([['a', 1]]);
  let loads = 0;
  const cache = createRenderCache<string>({
    load: (uuid) => {
      loads += 1;
      const r = revisions.get(uuid);
      return r === undefined ? undefined : recordOf(uuid, r);
    },
    maxInstances: 10,
    maxBytes: 0,
    docBytes: (doc) => doc.length,
  });
  const first = cache.entry('a', 1, '2026-11-26')!;
  first.docs.set('/p', 'rev 1');
  assert.equal(cache.entry('a', 1, '2026-11-26')!.docs.get('/p'), 'rev 1');
  assert.equal(loads, 1);
  revisions.set('a', 2);
  const second = cache.entry('a', 2, '2026-11-26')!;
  assert.equal(second.docs.get('/p'), undefined);
  assert.equal(second.revision, 2);
  assert.equal(cache.entry('a', 2, '2026-11-27')!.docs.get('/p'), undefined, 'a new day renders afresh');
  revisions.delete('a');
  assert.equal(cache.entry('a', 3, '2026-11-27'), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
});

test('createRenderCache() keeps its estimated bytes under maxBytes, dropping the least recently used', () => {
  const cache = createRenderCache<string>({
    load: (uuid) => recordOf(uuid, 1, 1000),
    maxInstances: 100,
    maxBytes: 3 * (RECORD_OVERHEAD_BYTES + 1000) + 500,
    docBytes: (doc) => doc.length,
  });
  for (const uuid of ['a', 'b', 'c']) cache.entry(uuid, 1, 'd');
  assert.equal(cache.size, 3);
  assert.equal(cache.bytes, 3 * (RECORD_OVERHEAD_BYTES + 1000));
  cache.entry('a', 1, 'd'); // a is now the most recent; b the oldest
  cache.entry('b', 1, 'd'); // b the most recent; c the oldest
  cache.entry('c', 1, 'd')!.docs.set('/big', 'x'.repeat(600)); // over the bound: a goes (c is in use)
  assert.equal(cache.size, 2);
  assert.ok(cache.bytes <= 3 * (RECORD_OVERHEAD_BYTES + 1000) + 500);
  let loads = 0;
  const counting = createRenderCache<string>({
    load: (uuid) => {
      loads += 1;
      return recordOf(uuid, 1);
    },
    maxInstances: 100,
    maxBytes: 1,
    docBytes: (doc) => doc.length,
  });
  // An entry larger than the bound on its own is still answered (and kept until the next one).
  const only = counting.entry('x', 1, 'd')!;
  only.docs.set('/p', 'doc');
  assert.equal(only.docs.get('/p'), 'doc');
  assert.equal(counting.entry('x', 1, 'd'), only);
  counting.entry('y', 1, 'd');
  assert.equal(counting.size, 1);
  assert.equal(loads, 2);
});

test('createRenderCache() with maxInstances 0 keeps nothing', () => {
  const cache = createRenderCache<string>({
    load: (uuid) => recordOf(uuid, 1),
    maxInstances: 0,
    maxBytes: 0,
    docBytes: (doc) => doc.length,
  });
  cache.entry('a', 1, 'd')!.docs.set('/p', 'x');
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
  assert.equal(cache.entry('a', 1, 'd')!.docs.get('/p'), undefined);
});
