// Faults: the real `openimds serve` killed with SIGKILL under load and restarted over the same data
// directory. Guests (loopback addresses 127.0.0.1–4 on a direct listener) and an admin client that
// keeps changing one instance see errors only while no process is serving, never a wrong answer or a
// 5xx; every change acknowledged before the kill is there after the restart; SQLite's
// integrity_check is ok. Load is bounded in time and count; everything stays on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { sendRaw } from '../helpers/raw-http.js';
import { runCli, startServe } from '../helpers/serve-child.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const TOKEN = 'faults-admin-token-0123456789';
const META = '/openstack/latest/meta_data.json';
const GUESTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** Bounds of the load: whichever comes first. */
const LOAD_MAX_REQUESTS = 20_000;

function inventory(): string {
  const instances = GUESTS.map(
    (ip, i) =>
      `  - name: g${i + 1}\n    metadata: {seq: "0", role: guest-${i + 1}}\n` +
      `    user_data: "#cloud-config\\nhostname: g${i + 1}\\n"\n    ports: [{network: lo, ip: ${ip}}]\n`,
  );
  return `networks:\n  - name: lo\n    cidr: 127.0.0.0/8\n    gateway: null\ninstances:\n${instances.join('')}`;
}

interface Outcome {
  start: number;
  end: number;
  /** HTTP status, or the connection error's code. */
  result: number | string;
}

interface Load {
  outcomes: Outcome[];
  /** Wrong answers: another instance's data, or an unparseable document. Must stay empty. */
  wrong: string[];
  stop(): Promise<void>;
}

/** One worker per guest, one request per connection, until stopped (or the count bound). */
function startLoad(port: number, uuids: Map<string, string>): Load {
  const outcomes: Outcome[] = [];
  const wrong: string[] = [];
  let stopped = false;
  const worker = async (ip: string): Promise<void> => {
    while (!stopped && outcomes.length < LOAD_MAX_REQUESTS) {
      const start = Date.now();
      try {
        const res = await sendRaw(
          { host: '127.0.0.1', port, localAddress: ip },
          { path: META, timeoutMs: 3_000 },
        );
        outcomes.push({ start, end: Date.now(), result: res.status });
        if (res.status === 200) {
          const uuid = (JSON.parse(res.body.toString()) as { uuid?: string }).uuid;
          if (uuid !== uuids.get(ip)) wrong.push(`${ip} got ${uuid}`);
        }
      } catch (err) {
        outcomes.push({ start, end: Date.now(), result: (err as NodeJS.ErrnoException).code ?? String(err) });
        await sleep(5); // nothing listens: do not spin
      }
    }
  };
  const running = Promise.all(GUESTS.map(worker));
  return {
    outcomes,
    wrong,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

interface Writer {
  /** Highest seq the admin API acknowledged with 200, and the highest one sent. */
  acked: number;
  sent: number;
  failures: Outcome[];
  stop(): Promise<void>;
}

/** Sets g4's metadata seq to 1, 2, 3 … through the admin API, one request at a time. */
function startWriter(adminPort: number): Writer {
  let stopped = false;
  const w: Writer = { acked: 0, sent: 0, failures: [], stop: async () => {} };
  const loop = async (): Promise<void> => {
    while (!stopped && w.sent < 2_000) {
      const seq = ++w.sent;
      const start = Date.now();
      const body = JSON.stringify({
        name: 'g4',
        metadata: { seq: String(seq), role: 'guest-4' },
        user_data: '#cloud-config\nhostname: g4\n',
        ports: [{ network: 'lo', ip: '127.0.0.4' }],
      });
      try {
        const res = await sendRaw(
          { host: '127.0.0.1', port: adminPort },
          {
            method: 'PUT',
            path: '/v1/instances/g4',
            headers: [
              ['Authorization', `Bearer ${TOKEN}`],
              ['Content-Type', 'application/json'],
            ],
            body,
            timeoutMs: 5_000,
          },
        );
        if (res.status === 200) w.acked = seq;
        else w.failures.push({ start, end: Date.now(), result: res.status });
      } catch (err) {
        w.failures.push({
          start,
          end: Date.now(),
          result: (err as NodeJS.ErrnoException).code ?? String(err),
        });
        await sleep(5);
      }
      await sleep(10);
    }
  };
  const running = loop();
  w.stop = async () => {
    stopped = true;
    await running;
  };
  return w;
}

type Doc = { instances: Array<{ name: string; metadata: Record<string, string>; [k: string]: unknown }> };

test('openimds serve killed with SIGKILL under load and restarted: errors only while down, acknowledged writes kept, integrity ok', async (t) => {
  const dir = makeTmpDir(t, 'openimds-faults-');
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, inventory());
  const applied = await runCli(['apply', '-f', file, '--data-dir', dir]);
  assert.equal(applied.code, 0, applied.err);
  const before = parseYaml((await runCli(['export', '--data-dir', dir])).out) as Doc;
  const uuids = new Map(GUESTS.map((ip, i) => [ip, before.instances[i]!['uuid'] as string]));

  // A few guests at full speed go past the per-instance admission rate; what is tested here is the
  // restart, not admission (guest-policy.test.ts covers that), so it is off.
  const env = { OPENIMDS_ADMIN_TOKEN: TOKEN, OPENIMDS_ADMISSION_RATE: '0' };
  const common = ['--data-dir', dir, '--signed-listen', ''];
  const first = await startServe(
    t,
    [...common, '--direct', '127.0.0.1:0=lo', '--admin-listen', '127.0.0.1:0'],
    {
      env,
    },
  );
  const port = Number(first.endpoints['direct']!.split(':')[1]);
  const adminPort = Number(first.endpoints['admin']!.split(':')[1]);

  const load = startLoad(port, uuids);
  const writer = startWriter(adminPort);
  try {
    await sleep(1_000);
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    await sleep(500);
    const second = await startServe(
      t,
      [...common, '--direct', `127.0.0.1:${port}=lo`, '--admin-listen', `127.0.0.1:${adminPort}`],
      { env },
    );
    const upAt = Date.now();
    await sleep(1_000);
    await load.stop();
    await writer.stop();
    await second.kill('SIGTERM');

    const failures = load.outcomes.filter((o) => o.result !== 200);
    const served = load.outcomes.length - failures.length;
    t.diagnostic(
      `${load.outcomes.length} guest requests, ${failures.length} failed while down; ` +
        `${writer.acked} admin writes acknowledged of ${writer.sent}`,
    );
    assert.deepEqual(load.wrong, [], 'no guest ever got another instance’s data');
    assert.ok(served > 20, `guests were served before and after (${served} answers)`);
    assert.ok(failures.length > 0, 'the kill was seen by the guests');
    for (const f of [...failures, ...writer.failures]) {
      // A failure is a refused or cut connection, never a status, and only while nothing served.
      assert.equal(
        typeof f.result,
        'string',
        `a request failed with HTTP ${f.result}, not a connection error`,
      );
      assert.ok(
        f.end >= killedAt && f.start <= upAt,
        `a request failed outside the outage: ${JSON.stringify(f)}`,
      );
    }
    assert.ok(
      load.outcomes.some((o) => o.start > upAt && o.result === 200),
      'guests are served after the restart',
    );
  } finally {
    await load.stop();
    await writer.stop();
  }

  const db = new Database(join(dir, 'openimds.sqlite'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
  const after = parseYaml((await runCli(['export', '--data-dir', dir])).out) as Doc;
  const seq = Number(after.instances[3]!.metadata['seq']);
  assert.ok(
    seq >= writer.acked && seq <= writer.sent,
    `g4 seq ${seq} is an acknowledged or in-flight write (acked ${writer.acked}, sent ${writer.sent})`,
  );
  // Everything else is exactly as before the kill.
  assert.deepEqual(after.instances.slice(0, 3), before.instances.slice(0, 3));
  assert.deepEqual({ ...after, instances: [] }, { ...before, instances: [] });
  const { metadata: m1, ...g4After } = after.instances[3]!;
  const { metadata: m0, ...g4Before } = before.instances[3]!;
  assert.deepEqual({ ...m1, seq: '?' }, { ...m0, seq: '?' });
  assert.deepEqual(g4After, g4Before);
});
