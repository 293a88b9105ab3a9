import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { openDatabase } from '../../src/store/sqlite-open.js';
import { HOT_SQL } from '../../src/store/sqlite-statements.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite-migrations.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { assertImdsError, instanceInput, portFixture, seed, storeContract } from './store-contract.js';

const contractDir = makeTmpDir();
let opened = 0;
storeContract('SQLite file', () => openSqliteStore({ path: join(contractDir, `contract-${++opened}.db`) }));
storeContract('SQLite :memory:', () => openSqliteStore({ path: ':memory:' }));

const FIXED_NOW = () => new Date('2025-01-02T03:04:05.000Z');

describe('SQLite store', () => {
  test('openDatabase() turns on WAL, synchronous=FULL, foreign keys and a busy timeout', (t) => {
    const db = openDatabase({ path: join(makeTmpDir(t), 's.db'), readonly: false, now: FIXED_NOW });
    t.after(() => db.close());
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  });

  test('openSqliteStore() records each migration once in schema_migrations', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    openSqliteStore({ path, now: FIXED_NOW }).close();
    openSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    t.after(() => db.close());
    const rows = db
      .prepare('SELECT version, description, applied_at FROM schema_migrations ORDER BY version')
      .all();
    assert.deepEqual(
      rows,
      MIGRATIONS.map((m) => ({
        version: m.version,
        description: m.description,
        applied_at: FIXED_NOW().toISOString(),
      })),
    );
    assert.equal(MIGRATIONS.at(-1)!.version, SCHEMA_VERSION);
    assert.deepEqual(
      MIGRATIONS.map((m) => m.version),
      MIGRATIONS.map((_, i) => i + 1),
      'versions run 1, 2, 3 … with no gap',
    );
  });

  test('openSqliteStore() keeps data, EC2 ids, revisions and the sequences across a reopen', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    const first = openSqliteStore({ path });
    seed(first);
    first.putPort(portFixture());
    first.setPassword('u-1', 'pw');
    const snap = first.snapshot();
    const mark = first.changeMark();
    first.close();
    const again = openSqliteStore({ path });
    t.after(() => again.close());
    assert.deepEqual(again.snapshot(), snap);
    assert.equal(again.changeMark(), mark);
    const next = again.putInstance(instanceInput({ uuid: 'u-3', name: 'vm-3', imageId: 'img-new' }));
    assert.equal(next.ec2Id, 3);
    assert.equal(next.ec2ImageId, 2);
    assert.ok(next.revision > mark);
  });

  test('openSqliteStore() refuses a database whose schema is newer than this code', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    openSqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'from the future', 'x')").run(SCHEMA_VERSION + 1);
    db.close();
    assertImdsError(
      () => openSqliteStore({ path }),
      'STORE_SCHEMA_TOO_NEW',
      new RegExp(`version ${SCHEMA_VERSION + 1}`),
    );
    assertImdsError(() => openSqliteStore({ path, readonly: true }), 'STORE_SCHEMA_TOO_NEW');
  });

  test('openSqliteStore() answers STORE_UNAVAILABLE, naming the path, for a file it cannot open', (t) => {
    const dir = makeTmpDir(t);
    const missing = join(dir, 'no-such-dir', 's.db');
    assertImdsError(
      () => openSqliteStore({ path: missing }),
      'STORE_UNAVAILABLE',
      new RegExp(`"${missing}"`),
    );
    mkdirSync(join(dir, 'a-dir'));
    assertImdsError(() => openSqliteStore({ path: join(dir, 'a-dir') }), 'STORE_UNAVAILABLE');
    writeFileSync(join(dir, 'junk.db'), Buffer.alloc(4096, 'not a database '));
    assertImdsError(() => openSqliteStore({ path: join(dir, 'junk.db') }), 'STORE_UNAVAILABLE', /junk\.db/);
    assertImdsError(
      () => openSqliteStore({ path: join(dir, 'absent.db'), readonly: true }),
      'STORE_UNAVAILABLE',
    );
  });

  test('openSqliteStore({ readonly }) reads the data and refuses every write with STORE_UNAVAILABLE', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    const writer = openSqliteStore({ path });
    t.after(() => writer.close());
    seed(writer);
    const reader = openSqliteStore({ path, readonly: true });
    t.after(() => reader.close());
    assert.deepEqual(reader.snapshot(), writer.snapshot());
    assertImdsError(
      () => reader.putRouter({ id: 'r-9', name: 'r9' }),
      'STORE_UNAVAILABLE',
      /SQLITE_READONLY/,
    );
    assertImdsError(() => reader.setPassword('u-1', 'pw'), 'STORE_UNAVAILABLE');
    assert.equal(writer.findInstance('u-1')!.password, null);
  });

  test('changeMark(), findRevision() and setPassword() see the writes of another connection', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    const a = openSqliteStore({ path });
    const b = openSqliteStore({ path });
    t.after(() => (a.close(), b.close()));
    seed(a);
    const mark = b.changeMark();
    const rev = b.findRevision('u-1')!;
    a.putInstance(instanceInput({ flavor: 'm1.large' }));
    assert.notEqual(b.changeMark(), mark);
    assert.ok(b.findRevision('u-1')! > rev);
    assert.equal(a.setPassword('u-1', 'pw'), 'stored');
    assert.equal(b.setPassword('u-1', 'other'), 'already-set');
  });

  test('port_addresses refuses a second port with the same (network, address) by itself', (t) => {
    const path = join(makeTmpDir(t), 's.db');
    const store = openSqliteStore({ path });
    seed(store);
    store.putPort(portFixture());
    store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2', fixedIps: ['10.0.0.6'] }));
    store.close();
    const db = new Database(path);
    t.after(() => db.close());
    db.pragma('foreign_keys = ON');
    assert.throws(
      () => db.prepare("INSERT INTO port_addresses VALUES ('n-a', '10.0.0.5', 'port-2', 1)").run(),
      /UNIQUE constraint failed: port_addresses.network_id, port_addresses.address/,
    );
    assert.throws(
      () => db.prepare("INSERT INTO port_addresses VALUES ('n-b', '10.1.0.9', 'port-2', 1)").run(),
      /FOREIGN KEY/,
    );
  });

  test('transaction() refuses an async function and lands none of its writes', (t) => {
    const store = openSqliteStore({ path: join(makeTmpDir(t), 's.db') });
    t.after(() => store.close());
    seed(store);
    const mark = store.changeMark();
    assert.throws(
      () =>
        store.transaction(async () => {
          store.putPort(portFixture());
          await Promise.resolve();
        }),
      /synchronous function/,
    );
    assert.equal(store.findPort('port-1'), undefined);
    assert.equal(store.changeMark(), mark);
  });

  test('request-path statements are index-backed (no full table scan)', (t) => {
    const db = openDatabase({ path: join(makeTmpDir(t), 's.db'), readonly: false, now: FIXED_NOW });
    t.after(() => db.close());
    for (const [name, sql] of Object.entries(HOT_SQL)) {
      const params = (sql.match(/\?/g) ?? []).map(() => '["x"]');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
      // Scanning the json_each list of network ids, or the one-row store_state, costs nothing.
      const scans = plan.filter((p) => /^SCAN /.test(p.detail) && !/json_each|store_state/.test(p.detail));
      assert.deepEqual(scans, [], `${name}: ${plan.map((p) => p.detail).join(' | ')}`);
    }
  });
});
