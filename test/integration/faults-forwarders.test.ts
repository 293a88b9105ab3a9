// Faults: the forwarders with the service gone. The real `openimds proxy` (→ the tagged socket of
// `openimds serve`) and `openimds proxy` → `openimds agent` (→ the signed listener of the same
// serve, as its Nova), all separate processes. `serve` is killed with SIGKILL: both paths answer
// 502/503 quickly (generous bound: 3 s, not a benchmark), never hang; `serve` is restarted on the
// same socket and port: both paths answer 200 again with no restart of proxy or agent. A bounded
// load runs through both paths meanwhile: its failures are 502/503 and only while serve is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendRaw, type RawResponse } from '../helpers/raw-http.js';
import { runCli, startDaemon, startServe, type Daemon } from '../helpers/serve-child.js';

/**
 * The load runs every guest at full speed, past the per-instance admission rate; what is tested here
 * is the outage, not admission (guest-policy.test.ts covers that), so it is off.
 */
const NO_ADMISSION = { OPENIMDS_ADMISSION_RATE: '0' };
import { makeTmpDir } from '../helpers/tmp-dir.js';

const NET_ID = '5a1e0000-0000-4000-8000-000000000001';
const VM_UUID = '5a1e0000-0000-4000-8000-0000000000aa';
const SECRET = 'faults-forwarders-secret';
const META = '/openstack/latest/meta_data.json';
const DOWN_ANSWER_MAX_MS = 3_000;
const RECOVERY_MAX_MS = 10_000;

const INVENTORY = `networks:
  - {name: lo, id: ${NET_ID}, cidr: 127.0.0.0/8, gateway: null}
instances:
  - {name: vm, uuid: ${VM_UUID}, ports: [{network: lo, ip: 127.0.0.1}]}
`;

const portOf = (proxy: Daemon): number => (proxy.started['address'] as { port: number }).port;

async function timedGet(port: number): Promise<{ res: RawResponse | string; ms: number }> {
  const start = Date.now();
  try {
    const res = await sendRaw({ host: '127.0.0.1', port }, { path: META, timeoutMs: 10_000 });
    return { res, ms: Date.now() - start };
  } catch (err) {
    return { res: (err as NodeJS.ErrnoException).code ?? String(err), ms: Date.now() - start };
  }
}

interface Outcome {
  path: string;
  start: number;
  ms: number;
  status: number | string;
  uuid: string | undefined;
}

/** One request at a time per path until stopped (bounded by count), recording every outcome. */
function startLoad(paths: ReadonlyArray<{ name: string; port: number }>): {
  outcomes: Outcome[];
  stop(): Promise<void>;
} {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const worker = async (p: { name: string; port: number }): Promise<void> => {
    while (!stopped && outcomes.length < 10_000) {
      const start = Date.now();
      const { res, ms } = await timedGet(p.port);
      const status = typeof res === 'string' ? res : res.status;
      outcomes.push({ path: p.name, start, ms, status, uuid: uuidOf(res) });
      if (status !== 200) await sleep(5);
    }
  };
  const running = Promise.all(paths.map(worker));
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

const uuidOf = (res: RawResponse | string): string | undefined =>
  typeof res !== 'string' && res.status === 200
    ? (JSON.parse(res.body.toString()) as { uuid: string }).uuid
    : undefined;

test('openimds proxy and proxy → agent with serve killed: 502/503 within 3 s, then 200 again once serve is back, no restart', async (t) => {
  const dir = makeTmpDir(t, 'openimds-faults-');
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, INVENTORY);
  assert.equal((await runCli(['apply', '-f', file, '--data-dir', dir])).code, 0);
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 });
  const tagged = join(dir, 'tagged.sock');
  const agentSocket = join(dir, 'agent.sock');

  const serveArgs = (signed: string) => [
    '--data-dir',
    dir,
    '--admin-listen',
    '',
    '--tagged-socket',
    tagged,
    '--signed-listen',
    signed,
    '--shared-secret-file',
    secretFile,
  ];
  let serve = await startServe(t, serveArgs('127.0.0.1:0'), { env: NO_ADMISSION });
  const signed = serve.endpoints['signed']!;
  const agent = await startDaemon(
    t,
    ['agent', '--socket', agentSocket, '--data-dir', dir, '--shared-secret-file', secretFile],
    'agent.started',
    { env: { OPENIMDS_NOVA_URL: `http://${signed}` } },
  );
  const direct = await startDaemon(
    t,
    ['proxy', '--listen', '127.0.0.1:0', '--network-id', NET_ID, '--socket', tagged],
    'proxy.started',
  );
  const viaAgent = await startDaemon(
    t,
    ['proxy', '--listen', '127.0.0.1:0', '--network-id', NET_ID, '--socket', agentSocket],
    'proxy.started',
  );
  const paths = [
    { name: 'proxy → serve', port: portOf(direct) },
    { name: 'proxy → agent → serve', port: portOf(viaAgent) },
  ];
  for (const p of paths) assert.equal(uuidOf((await timedGet(p.port)).res), VM_UUID, p.name);

  const load = startLoad(paths);
  t.after(() => load.stop());
  await sleep(500);
  const killedAt = Date.now();
  await serve.kill('SIGKILL');
  for (const p of paths) {
    // Several in a row: the first one may meet a pooled connection the kill cut.
    for (let i = 0; i < 5; i++) {
      const { res, ms } = await timedGet(p.port);
      assert.ok(ms < DOWN_ANSWER_MAX_MS, `${p.name}: answered after ${ms} ms with the service down`);
      assert.ok(typeof res !== 'string', `${p.name}: no HTTP answer but ${String(res)}`);
      assert.ok(res.status === 503 || res.status === 502, `${p.name}: ${res.status} ${res.body.toString()}`);
      if (i > 0)
        assert.equal(res.status, 503, `${p.name}: a down service is 503 once no old connection is left`);
    }
  }
  const down = await timedGet(portOf(viaAgent));
  assert.match(
    (down.res as RawResponse).body.toString(),
    /The remote metadata server is temporarily unavailable/,
  );
  assert.match(
    ((await timedGet(portOf(direct))).res as RawResponse).body.toString(),
    /No server is available/,
  );

  serve = await startServe(t, serveArgs(signed), { env: NO_ADMISSION });
  const upAt = Date.now();
  for (const p of paths) {
    const deadline = Date.now() + RECOVERY_MAX_MS;
    let last = await timedGet(p.port);
    while (uuidOf(last.res) !== VM_UUID && Date.now() < deadline) {
      await sleep(100);
      last = await timedGet(p.port);
    }
    assert.equal(uuidOf(last.res), VM_UUID, `${p.name} recovered by itself`);
    // And stays recovered.
    for (let i = 0; i < 3; i++) assert.equal(uuidOf((await timedGet(p.port)).res), VM_UUID, p.name);
  }
  await sleep(500);
  await load.stop();
  const failed = load.outcomes.filter((o) => o.status !== 200);
  t.diagnostic(`${load.outcomes.length} requests under load, ${failed.length} failed while serve was down`);
  for (const o of load.outcomes) {
    assert.ok(o.ms < DOWN_ANSWER_MAX_MS, `${o.path}: an answer took ${o.ms} ms`);
    if (o.status === 200) assert.equal(o.uuid, VM_UUID, `${o.path}: another instance's data`);
    else {
      assert.ok(o.status === 502 || o.status === 503, `${o.path}: ${o.status}`);
      assert.ok(o.start + o.ms >= killedAt && o.start <= upAt, `${o.path}: failed outside the outage`);
    }
  }
  assert.ok(
    paths.every((p) => load.outcomes.some((o) => o.path === p.name && o.start > upAt && o.status === 200)),
    'both paths served under load after the restart',
  );
  for (const d of [agent, direct, viaAgent])
    assert.equal(d.process.exitCode, null, 'no forwarder restarted or died');
  await serve.kill('SIGTERM');
});
