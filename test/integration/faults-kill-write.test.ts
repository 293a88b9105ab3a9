// Faults: SIGKILL in the middle of a write. The real `openimds apply` (a child process changing every
// instance at once, ~9 MB of user data, so SQLite's commit writes many WAL frames) and the real
// `openimds serve` answering many guests' password POSTs are killed at random points; after each
// kill the store is opened afresh and must be exactly the state before or exactly the state after
// (compared by a fingerprint of every instance), never a mix, and pass PRAGMA integrity_check.
// Bounded: a fixed number of rounds, delays within a calibrated window; loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { applyInventoryFile } from '../../src/inventory/apply-inventory.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, type RawResponse } from '../helpers/raw-http.js';
import { runCli, startCli, startServe } from '../helpers/serve-child.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const APPLY_ROUNDS = 10;
const PASSWORD_ROUNDS = 8;
const INSTANCES = 150;
const USER_DATA_BYTES = 60_000;

const NEW_UUID = '0f0f0f0f-0000-4000-8000-000000000001';
const NEW_PORT = '0f0f0f0f-0000-4000-8000-000000000002';

const guestIp = (i: number) => `127.0.${1 + Math.floor(i / 200)}.${(i % 200) + 1}`;

/** State `tag` of the inventory: every instance's metadata and user data differ between a and b. */
function writeInventory(dir: string, tag: 'a' | 'b', count: number): string {
  const userData = Buffer.alloc(USER_DATA_BYTES, tag === 'a' ? 'A' : 'B');
  writeFileSync(join(dir, `user-data-${tag}.txt`), userData);
  const instances = Array.from(
    { length: count },
    (_, i) =>
      `  - name: vm-${i}\n    metadata: {state: "${tag}"}\n    user_data_file: user-data-${tag}.txt\n` +
      `    ports: [{network: lo, ip: ${guestIp(i)}}]\n`,
  );
  // b also drops the last instance and adds another (every generated value pinned, so that each
  // apply of b gives the same store), so the plan deletes and creates as well.
  if (tag === 'b') {
    instances[count - 1] =
      `  - {name: vm-new, uuid: ${NEW_UUID}, ec2_id: i-0000abcd, reservation_id: r-faults01,\n` +
      `     created_at: "2024-05-01T12:00:00Z",\n` +
      `     ports: [{network: lo, ip: ${guestIp(count)}, id: ${NEW_PORT}, mac: "fa:16:3e:00:00:01"}]}\n`;
  }
  const file = join(dir, `${tag}.yaml`);
  writeFileSync(
    file,
    `networks:\n  - name: lo\n    cidr: 127.0.0.0/8\n    gateway: null\ninstances:\n${instances.join('')}`,
  );
  return file;
}

/** Every instance with its ports, user data as a digest: equal fingerprints, equal stores. */
function fingerprint(store: Store): string {
  const snap = store.snapshot();
  const instances = snap.instances.map(({ instance, ports }) => ({
    ...instance,
    userData:
      instance.userData === null ? null : createHash('sha256').update(instance.userData).digest('hex'),
    ports,
  }));
  return createHash('sha256')
    .update(JSON.stringify({ ...snap, instances }))
    .digest('hex');
}

function integrity(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

function withStore<T>(path: string, fn: (store: Store) => T): T {
  const store = openSqliteStore({ path });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function applyInProcess(path: string, file: string, dir: string): void {
  withStore(path, (store) =>
    applyInventoryFile({
      store,
      text: readFileSync(file, 'utf8'),
      file,
      readFile: (p) => readFileSync(resolve(dir, p)),
    }),
  );
}

test('openimds apply killed with SIGKILL at random points: the store is exactly before or after, integrity ok', async (t) => {
  const dir = makeTmpDir(t, 'openimds-faults-');
  const database = join(dir, 'openimds.sqlite');
  const a = writeInventory(dir, 'a', INSTANCES);
  const b = writeInventory(dir, 'b', INSTANCES);
  applyInProcess(database, a, dir);
  const before = withStore(database, fingerprint);
  // The state before, as a file (closed: checkpointed, no -wal), put back before every round.
  const saved = join(dir, 'before.sqlite');
  copyFileSync(database, saved);
  const restore = (): void => {
    for (const suffix of ['-wal', '-shm']) rmSync(database + suffix, { force: true });
    copyFileSync(saved, database);
  };

  // Calibrate: how long does a whole apply a → b take as a process on this machine, now?
  const started = Date.now();
  const full = await runCli(['apply', '-f', b, '--data-dir', dir]);
  const duration = Date.now() - started;
  assert.equal(full.code, 0, full.err);
  const after = withStore(database, fingerprint);
  assert.notEqual(after, before);
  // The same apply again from the same state gives the same store: "after" is one state.
  restore();
  assert.equal((await runCli(['apply', '-f', b, '--data-dir', dir])).code, 0);
  assert.equal(withStore(database, fingerprint), after);

  const seen = { before: 0, after: 0 };
  for (let round = 0; round < APPLY_ROUNDS; round++) {
    restore();
    assert.equal(withStore(database, fingerprint), before);
    // Spread from a third of the calibrated run to half again past it (timings vary on a shared
    // machine), so that kills land before, during and after the commit.
    const delay = Math.round(duration * (0.3 + (1.2 * (round + Math.random())) / APPLY_ROUNDS));
    const run = startCli(['apply', '-f', b, '--data-dir', dir]);
    await sleep(delay);
    run.process.kill('SIGKILL');
    const result = await run.done;
    assert.equal(integrity(database), 'ok', `round ${round}: integrity after a kill at ${delay} ms`);
    const now = withStore(database, fingerprint);
    assert.ok(
      now === before || now === after,
      `round ${round}: killed at ${delay} ms (${result.signal ?? result.code}) left a state that is neither before nor after`,
    );
    seen[now === before ? 'before' : 'after']++;
  }
  t.diagnostic(
    `apply took ${duration} ms; after ${APPLY_ROUNDS} kills: ${seen.before} before, ${seen.after} after`,
  );
});

test('openimds serve killed with SIGKILL amid password POSTs: each password is absent or whole, and every 200 was kept', async (t) => {
  const dir = makeTmpDir(t, 'openimds-faults-');
  const database = join(dir, 'openimds.sqlite');
  const guests = 20;
  applyInProcess(database, writeInventory(dir, 'a', guests), dir);
  const uuids = withStore(database, (store) =>
    Array.from({ length: guests }, (_, i) => store.findInstance(`vm-${i}`)!.uuid),
  );

  let listen = '127.0.0.1:0';
  const tally = { stored: 0, absent: 0, acked: 0 };
  for (let round = 0; round < PASSWORD_ROUNDS; round++) {
    const serve = await startServe(t, [
      '--data-dir',
      dir,
      '--signed-listen',
      '',
      '--admin-listen',
      '',
      '--direct',
      `${listen}=lo`,
    ]);
    listen = serve.endpoints['direct']!;
    const port = Number(listen.split(':')[1]);
    const password = (i: number) =>
      `round-${round}-guest-${i}-`.padEnd(1_000, String.fromCharCode(97 + (i % 26)));
    const posts = Array.from({ length: guests }, (_, i) =>
      sendRaw(
        { host: '127.0.0.1', port, localAddress: guestIp(i) },
        { method: 'POST', path: '/openstack/latest/password', body: password(i), timeoutMs: 5_000 },
      ).catch((err: NodeJS.ErrnoException): RawResponse | string => err.code ?? String(err)),
    );
    await sleep(Math.random() * 250);
    await serve.kill('SIGKILL');
    const answers = await Promise.all(posts);

    assert.equal(integrity(database), 'ok', `round ${round}`);
    withStore(database, (store) => {
      for (let i = 0; i < guests; i++) {
        const stored = store.findInstance(uuids[i]!)!.password;
        const answer = answers[i]!;
        const status = typeof answer === 'string' ? answer : answer.status;
        assert.ok(status === 200 || typeof status === 'string', `guest ${i}: ${status}`);
        if (status === 200) {
          tally.acked++;
          assert.equal(stored, password(i), `round ${round}: guest ${i} got 200, so its password is stored`);
        }
        assert.ok(
          stored === null || stored === password(i),
          `round ${round}: guest ${i} has a partial or foreign password`,
        );
        tally[stored === null ? 'absent' : 'stored']++;
        store.clearPassword(uuids[i]!);
      }
    });
  }
  t.diagnostic(`password POSTs: ${tally.acked} acknowledged, ${tally.stored} stored, ${tally.absent} absent`);
});
