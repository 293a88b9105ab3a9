// changeMark() skips its query while the WAL-index header is unchanged (src/store/sqlite-change-probe.ts).
// What must hold: a commit by another process shows on the very next call, whatever else happened to
// the WAL in between (checkpoints that restart it, rolled-back transactions), and a commit of this
// connection shows too. The other process is a real one, with its own connection, as a CLI would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { openChangeProbe } from '../../src/store/sqlite-change-probe.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const STORE_URL = new URL('../../src/store/sqlite-store.js', import.meta.url).href;

// Runs one command per line it is sent, through the store (write) or raw SQL on its own connection,
// and answers "ok" when the command has returned (committed, or rolled back).
const WRITER = `
  import Database from 'better-sqlite3';
  import { createInterface } from 'node:readline';
  const { openSqliteStore } = await import(process.argv[1]);
  const path = process.argv[2];
  const store = openSqliteStore({ path });
  const raw = new Database(path);
  let n = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'write') store.putRouter({ id: 'r-1', name: 'router-' + n++ });
    else if (line === 'checkpoint') raw.pragma('wal_checkpoint(TRUNCATE)');
    else if (line === 'rollback') {
      raw.exec('BEGIN IMMEDIATE');
      raw.exec('UPDATE store_state SET change_mark = change_mark + 1000');
      raw.exec('ROLLBACK');
    }
    process.stdout.write('ok\\n');
  }
  store.close();
  raw.close();
`;

function startWriter(path: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, STORE_URL, path], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: new URL('../../', import.meta.url),
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async run(command: string): Promise<void> {
      child.stdin.write(`${command}\n`);
      const next = await lines.next();
      assert.equal(next.value, 'ok', `writer did not answer ${command}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.stdin.end();
      }),
  };
}

test('changeMark() sees every commit of another process on the next call, across checkpoints and rollbacks', async (t) => {
  const path = join(makeTmpDir(t), 's.db');
  const store = openSqliteStore({ path });
  t.after(() => store.close());
  const writer = startWriter(path);
  t.after(() => writer.stop());

  let mark = store.changeMark();
  assert.equal(store.changeMark(), mark, 'nothing committed: the same mark');
  const steps = ['write', 'write', 'checkpoint', 'write', 'rollback', 'write', 'checkpoint', 'checkpoint'];
  for (let round = 0; round < 25; round++) {
    for (const step of steps) {
      await writer.run(step);
      const now = store.changeMark();
      if (step === 'write')
        assert.ok(now > mark, `round ${round}: a commit must show at once (${mark} → ${now})`);
      else assert.equal(now, mark, `round ${round}: ${step} changes no data`);
      mark = now;
    }
  }
});

test('changeMark() sees a commit of its own connection, and inside a transaction its uncommitted bump', (t) => {
  const path = join(makeTmpDir(t), 's.db');
  const store = openSqliteStore({ path });
  t.after(() => store.close());
  const before = store.changeMark();
  store.putRouter({ id: 'r-1', name: 'one' });
  const after = store.changeMark();
  assert.ok(after > before);
  store.transaction(() => {
    store.putRouter({ id: 'r-1', name: 'two' });
    assert.ok(store.changeMark() > after, 'the transaction sees its own write');
  });
  assert.ok(store.changeMark() > after);
});

test('openChangeProbe() is undefined without a -shm file, and says "changed" on its first look', (t) => {
  const dir = makeTmpDir(t);
  assert.equal(openChangeProbe(join(dir, 'none.db')), undefined);
  const store = openSqliteStore({ path: join(dir, 's.db') });
  t.after(() => store.close());
  const probe = openChangeProbe(join(dir, 's.db'))!;
  t.after(() => probe.close());
  assert.equal(probe.unchanged(), false);
  assert.equal(probe.unchanged(), true);
  store.putRouter({ id: 'r-1', name: 'one' });
  assert.equal(probe.unchanged(), false);
  assert.equal(probe.unchanged(), true);
  probe.close();
  assert.equal(probe.unchanged(), false, 'a closed probe never vouches for anything');
});

test('openChangeProbe() follows a symbolic link to the database, as SQLite names its -shm file', (t) => {
  const dir = makeTmpDir(t);
  const store = openSqliteStore({ path: join(dir, 's.db') });
  t.after(() => store.close());
  symlinkSync(join(dir, 's.db'), join(dir, 'link.db'));
  const probe = openChangeProbe(join(dir, 'link.db'));
  assert.ok(probe !== undefined, 'the probe opened s.db-shm through the link');
  t.after(() => probe.close());
  assert.equal(probe.unchanged(), false);
  store.putRouter({ id: 'r-1', name: 'one' });
  assert.equal(probe.unchanged(), false);
});
