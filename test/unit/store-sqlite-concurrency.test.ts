// Several processes on one SQLite file: what a host with `serve` plus CLI/apply invocations does.
// Each child runs a function from this file, serialised with its source (compiled JS) and given the
// compiled store's URL, so the child uses exactly the code under test through its own connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { MIGRATIONS } from '../../src/store/sqlite-migrations.js';
import type { Instance } from '../../src/model/instance.js';
import type { Store } from '../../src/store/store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { instanceInput, networkFixture } from './store-contract.js';

const STORE_URL = new URL('../../src/store/sqlite-store.js', import.meta.url).href;

type StoreModule = { openSqliteStore: (o: { path: string }) => Store };
type ChildBody<A, R> = (args: A, ready: () => Promise<void>) => Promise<R>;

/**
 * Starts one process per args entry, waits until every child has opened its store and called
 * ready(), then releases them all at once (a start barrier), and returns each child's result.
 */
async function runChildren<A, R>(body: ChildBody<A, R>, argsList: A[]): Promise<R[]> {
  const children = argsList.map((args) => {
    const code = `
      const ready = () => new Promise((resolve) => {
        process.stdin.once('data', () => resolve());
        process.stdout.write('ready\\n');
      });
      const body = (${body.toString()});
      body(${JSON.stringify(args)}, ready).then(
        (result) => process.stdout.write(JSON.stringify(result) + '\\n'),
        (err) => { console.error(err); process.exit(1); },
      );`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready\n')) resolve();
      });
    });
    const done = new Promise<R>((resolve, reject) => {
      child.on('close', (status) => {
        if (status !== 0) return reject(new Error(`child exited ${status}: ${err}`));
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as R);
      });
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

async function passwordRacer(
  args: { storeUrl: string; path: string; password: string },
  ready: () => Promise<void>,
): Promise<string> {
  const { openSqliteStore } = (await import(args.storeUrl)) as StoreModule;
  const store = openSqliteStore({ path: args.path });
  await ready();
  const result = store.setPassword('u-1', args.password);
  store.close();
  return result;
}

test('setPassword() raced by 8 processes stores exactly one password', async (t) => {
  const path = join(makeTmpDir(t), 's.db');
  const store = openSqliteStore({ path });
  t.after(() => store.close());
  store.putInstance(instanceInput());
  const args = Array.from({ length: 8 }, (_, i) => ({ storeUrl: STORE_URL, path, password: `pw-${i}` }));
  const results = await runChildren(passwordRacer, args);
  assert.equal(results.filter((r) => r === 'stored').length, 1, results.join(' '));
  assert.equal(results.filter((r) => r === 'already-set').length, 7);
  const winner = results.indexOf('stored');
  assert.equal(store.findInstance('u-1')!.password, `pw-${winner}`);
});

async function firstOpener(
  args: { storeUrl: string; path: string },
  ready: () => Promise<void>,
): Promise<number> {
  const { openSqliteStore } = (await import(args.storeUrl)) as StoreModule;
  await ready();
  const store = openSqliteStore({ path: args.path });
  const mark = store.changeMark();
  store.close();
  return mark;
}

test('openSqliteStore() run by 6 processes on a new file at once migrates it exactly once', async (t) => {
  const path = join(makeTmpDir(t), 's.db');
  const marks = await runChildren(
    firstOpener,
    Array.from({ length: 6 }, () => ({ storeUrl: STORE_URL, path })),
  );
  assert.deepEqual(marks, Array(6).fill(0));
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
  assert.deepEqual(
    versions,
    MIGRATIONS.map((m) => m.version),
  );
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
});

interface WriterArgs {
  storeUrl: string;
  path: string;
  writer: number;
  rounds: number;
  batches: string[][];
}

/**
 * Each round replaces one batch in one transaction: every instance's metadata tag, and its whole set
 * of ports (1..3 of them, tagged in devname). Every fifth round throws halfway through instead.
 */
async function batchWriter(args: WriterArgs, ready: () => Promise<void>): Promise<{ committed: number }> {
  const { openSqliteStore } = (await import(args.storeUrl)) as StoreModule;
  const store = openSqliteStore({ path: args.path });
  await ready();
  let committed = 0;
  for (let round = 0; round < args.rounds; round++) {
    const b = round % args.batches.length;
    const tag = `w${args.writer}r${round}`;
    const portCount = 1 + ((args.writer + round) % 3);
    try {
      store.transaction(() => {
        args.batches[b]!.forEach((uuid, i) => {
          for (const port of store.listPorts(uuid)) store.deletePort(port.id);
          const { ec2Id, ec2ImageId, ec2KernelId, ec2RamdiskId, revision, password, ...rest } =
            store.findInstance(uuid)!;
          store.putInstance({ ...rest, metadata: { tag } });
          for (let j = 0; j < portCount; j++) {
            const host = 10 + i * 4 + j;
            store.putPort({
              id: `${uuid}-p${j}`,
              instanceUuid: uuid,
              networkId: 'n-a',
              mac: `fa:16:3e:00:${b.toString(16).padStart(2, '0')}:${host.toString(16).padStart(2, '0')}`,
              fixedIps: [`10.0.${b}.${host}`],
              floatingIp: null,
              vifType: 'ovs',
              devname: tag,
            });
          }
          if (round % 5 === 4 && i === 1) throw new Error('abort on purpose');
        });
      });
      committed++;
    } catch (err) {
      if ((err as Error).message !== 'abort on purpose') throw err;
    }
  }
  store.close();
  return { committed };
}

/** The tag every instance and port of a batch carries, or a description of the mix found. */
function batchTag(store: Store, batch: string[]): string {
  const tags = new Set<string>();
  for (const uuid of batch) {
    const instance: Instance = store.findInstance(uuid)!;
    tags.add(instance.metadata.tag ?? 'untagged');
    for (const port of store.listPorts(uuid)) tags.add(port.devname ?? 'untagged');
  }
  return tags.size === 1 ? [...tags][0]! : `mix of ${[...tags].join(', ')}`;
}

test('transaction() run by 4 processes at once leaves each batch exactly as one transaction wrote it', async (t) => {
  const path = join(makeTmpDir(t), 's.db');
  const store = openSqliteStore({ path });
  t.after(() => store.close());
  const subnet = { ...networkFixture().subnets[0]!, cidr: '10.0.0.0/16' };
  store.putNetwork(networkFixture({ routerId: null, subnets: [subnet] }));
  const batches = [0, 1].map((b) => [0, 1, 2, 3].map((i) => `u-${b}-${i}`));
  for (const uuid of batches.flat()) store.putInstance(instanceInput({ uuid, name: uuid, hostname: uuid }));

  const writers = 4;
  const rounds = 25;
  const args = Array.from({ length: writers }, (_, writer) => ({
    storeUrl: STORE_URL,
    path,
    writer,
    rounds,
    batches,
  }));
  const results = await runChildren(batchWriter, args);
  assert.deepEqual(
    results.map((r) => r.committed),
    Array(writers).fill(rounds - rounds / 5),
  );

  for (const batch of batches) {
    const tag = batchTag(store, batch);
    const m = /^w(\d+)r(\d+)$/.exec(tag);
    assert.ok(m !== null, `batch ${batch[0]}: ${tag}`);
    const [writer, round] = [Number(m[1]), Number(m[2])];
    assert.notEqual(round % 5, 4, 'an aborted transaction left nothing');
    for (const uuid of batch) assert.equal(store.listPorts(uuid).length, 1 + ((writer + round) % 3), uuid);
  }
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
});
