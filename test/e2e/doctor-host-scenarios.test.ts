// `openimds doctor host` on real namespaces (root): each scenario builds a broken state for real,
// runs the built CLI (spawned asynchronously: the in-process service must keep answering), checks
// the finding id and that its fix names the fix, applies that fix, and checks a clean run (exit 0).
// Traffic stays inside the test's namespaces and loopback.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService, type RunningService } from '../../src/cli/service-app.js';
import { defaultConfig } from '../../src/config.js';
import type { DoctorReport } from '../../src/doctor/finding.js';
import { SILENT_LOGGER } from '../../src/log.js';
import type { Attachment, Network } from '../../src/model/network.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTopology, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sampleInstance } from '../helpers/sample-instance.js';

const PREREQ = { root: true, commands: ['ip', 'nft', 'ss', 'tcpdump', 'ping', 'timeout'] };
const CLI = 'dist/src/cli/main.js';
const DIAGNOSIS_LIMIT_MS = 10_000;
const NET_ID = '5d0c7a2e-0000-4000-8000-0000000000d1';
const ROUTER_ID = '5d0c7a2e-0000-4000-8000-0000000000f1';
const UUID = '5d0c7a2e-1111-4000-8000-000000000001';
const PORT_ID = '5d0c7a2e-2222-4000-8000-000000000001';

interface Rig {
  topology: Topology;
  dir: string;
  database: string;
  store: Store;
  network: Network;
  service: RunningService | undefined;
  start(env?: NodeJS.ProcessEnv, signedListen?: string): Promise<RunningService>;
  stop(): Promise<void>;
}

function attachedNetwork(topology: Topology, attach: Omit<Attachment, 'namespace' | 'interface'>): Network {
  return {
    id: NET_ID,
    name: 'seg',
    subnets: [
      {
        id: '5d0c7a2e-0000-4000-8000-0000000000a1',
        cidr: topology.cidr,
        ipVersion: 4,
        gateway: topology.serviceAddress,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: attach.mode === 'router' ? ROUTER_ID : null,
    attach: { namespace: topology.serviceNs, interface: topology.serviceInterface, ...attach },
  };
}

async function rig(
  t: TestContext,
  attach: Omit<Attachment, 'namespace' | 'interface'>,
  opts: { zeroconfRoute?: boolean; registeredAddress?: (topology: Topology) => string } = {},
): Promise<Rig> {
  const topology = await createTopology(t, {
    metadataOnLink: false,
    zeroconfRoute: opts.zeroconfRoute ?? false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'oimds-doctor-'));
  const database = join(dir, 'db.sqlite');
  const store = openSqliteStore({ path: database });
  const network = attachedNetwork(topology, attach);
  if (network.routerId !== null) store.putRouter({ id: ROUTER_ID, name: 'edge' });
  store.putNetwork(network);
  store.putInstance(sampleInstance(1, { uuid: UUID, name: 'guest-1', hostname: 'guest-1' }));
  store.putPort({
    id: PORT_ID,
    instanceUuid: UUID,
    networkId: NET_ID,
    mac: topology.guestMac,
    fixedIps: [opts.registeredAddress?.(topology) ?? topology.guestAddress],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  });
  const r: Rig = {
    topology,
    dir,
    database,
    store,
    network,
    service: undefined,
    async start(env = {}, signedListen = '') {
      const config = {
        ...defaultConfig({ uid: 0, home: dir }),
        dataDir: dir,
        runDir: join(dir, 'run'),
        signedListen,
        adminListen: '',
        applyPlumbing: true,
        attachPollMs: 100,
      };
      r.service = await startService({ config, store, log: SILENT_LOGGER, env, demo: false });
      await waitFor(
        'the namespace listener',
        () => (r.service?.attachments?.status().serving.length ?? 0) > 0,
      );
      return r.service;
    },
    async stop() {
      await r.service?.close();
      r.service = undefined;
    },
  };
  t.after(async () => {
    await r.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return r;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The built CLI, asynchronously (never execFileSync: the in-process service must keep answering). */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

async function doctor(
  t: TestContext,
  r: Rig,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ report: DoctorReport; code: number | null }> {
  const res = await cli(
    [
      'doctor',
      'host',
      '--json',
      '--data-dir',
      r.dir,
      '--database',
      r.database,
      '--watch-seconds',
      '1',
      ...extra,
    ],
    { OPENIMDS_ADMIN_LISTEN: '', OPENIMDS_SIGNED_LISTEN: '', OPENIMDS_RUN_DIR: join(r.dir, 'run'), ...env },
  );
  t.diagnostic(`doctor host ${extra.join(' ')}: ${res.ms} ms, exit ${res.code}`);
  assert.ok(res.ms < DIAGNOSIS_LIMIT_MS, `the diagnosis took ${res.ms} ms`);
  let report: DoctorReport;
  try {
    report = JSON.parse(res.stdout) as DoctorReport;
  } catch {
    assert.fail(`doctor printed no JSON (exit ${res.code}): ${res.stdout}\n${res.stderr}`);
  }
  return { report, code: res.code };
}

function expectFinding(result: { report: DoctorReport; code: number | null }, id: string, fix: RegExp) {
  const f = result.report.findings.find((x) => x.id === id);
  assert.ok(f, `expected ${id}, got ${JSON.stringify(result.report.findings, null, 2)}`);
  assert.match(f.fix, fix);
  assert.equal(result.code, 1);
  return f;
}

function expectClean(result: { report: DoctorReport; code: number | null }) {
  assert.deepEqual(result.report.findings, [], JSON.stringify(result.report.findings, null, 2));
  assert.equal(result.code, 0);
}

function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** `openimds agent` in the test's own namespace, on loopback only. */
async function startAgent(
  t: TestContext,
  r: Rig,
  socket: string,
  novaUrl: string,
  secret: string,
): Promise<ChildProcess> {
  rmSync(socket, { force: true });
  const child = spawn(
    process.execPath,
    [CLI, 'agent', '--socket', socket, '--nova-url', novaUrl, '--data-dir', r.dir, '--database', r.database],
    {
      env: { ...process.env, OPENIMDS_SHARED_SECRET: secret },
      stdio: 'ignore',
    },
  );
  t.after(() => endChild(child));
  await waitFor('the agent socket', () => existsSync(socket));
  return child;
}

test('doctor host: the agent and the signed listener have different secrets → host-signed-rejected; same secret → clean', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const r = await rig(t, { mode: 'onlink', address: null });
  const service = await r.start({ OPENIMDS_SHARED_SECRET: 'b' }, '127.0.0.1:0');
  const signed = service.endpoints.find((e) => e.kind === 'signed')!.address;
  const socket = join(r.dir, 'agent.sock');
  const env = { OPENIMDS_SIGNED_LISTEN: signed };
  const agent = await startAgent(t, r, socket, `http://${signed}`, 'a');

  const broken = await doctor(t, r, ['--agent-socket', socket], env);
  const f = expectFinding(broken, 'host-signed-rejected', /identical.*OPENIMDS_SHARED_SECRET/);
  assert.match(f.summary, /403/);

  await endChild(agent);
  await startAgent(t, r, socket, `http://${signed}`, 'b');
  expectClean(await doctor(t, r, ['--agent-socket', socket], env));
});

test('doctor host: address in place but the service stopped → host-listener-missing under host-service-down; serving again → clean', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const r = await rig(t, { mode: 'onlink', address: null });
  await r.start();
  await r.stop();
  const addrs = await r.topology.run(r.topology.serviceNs, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'svc0']);
  assert.match(addrs.stdout, /169\.254\.169\.254\/32/, 'the address stays when serve stops');

  const broken = await doctor(t, r);
  const f = expectFinding(broken, 'host-listener-missing', /openimds serve/);
  assert.equal(f.consequenceOf, 'host-service-down');
  expectFinding(broken, 'host-service-down', /openimds serve/);

  await r.start();
  expectClean(await doctor(t, r));
});

test('doctor host: router mode without the nft table → host-nft-redirect-missing; openimds net apply → clean', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const r = await rig(t, { mode: 'router', address: null });
  await r.start();
  await waitFor('the nft table', async () => {
    const res = await r.topology.run(r.topology.serviceNs, ['nft', 'list', 'table', 'ip', 'openimds'], {
      check: false,
    });
    return res.code === 0;
  });
  await r.topology.run(r.topology.serviceNs, ['nft', 'delete', 'table', 'ip', 'openimds']);

  const broken = await doctor(t, r);
  expectFinding(broken, 'host-nft-redirect-missing', /openimds net apply --network seg/);

  const apply = await cli(
    ['net', 'apply', '--network', 'seg', '--data-dir', r.dir, '--database', r.database],
    {
      OPENIMDS_RUN_DIR: join(r.dir, 'run'),
    },
  );
  assert.equal(apply.code, 0, apply.stderr);
  expectClean(await doctor(t, r));
});

test('doctor host: a guest talks from an unregistered address → host-guest-unregistered; registering it → clean', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const r = await rig(
    t,
    { mode: 'onlink', address: null },
    { registeredAddress: (tp) => tp.cidr.replace(/0\/24$/, '99') },
  );
  await r.start();
  // The guest talks, so the service side learns it as a neighbour.
  await r.topology.run(r.topology.guestNs, ['ping', '-c', '1', '-W', '2', r.topology.serviceAddress]);

  const broken = await doctor(t, r);
  const f = expectFinding(broken, 'host-guest-unregistered', /--network seg --ip /);
  assert.match(f.summary, new RegExp(r.topology.guestAddress.replace(/\./g, '\\.')));
  assert.ok(f.fix.includes(r.topology.guestAddress));

  const port = r.store.findPort(PORT_ID)!;
  r.store.putPort({ ...port, fixedIps: [r.topology.guestAddress] });
  expectClean(await doctor(t, r));
});

test('doctor host: a zeroconf guest ARPs for 169.254.169.254 on a router-mode network → host-arp-unanswered; onlink: true → clean', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const r = await rig(t, { mode: 'router', address: null }, { zeroconfRoute: true });
  await r.start();
  await waitFor('the nft table', async () => {
    const res = await r.topology.run(r.topology.serviceNs, ['nft', 'list', 'table', 'ip', 'openimds'], {
      check: false,
    });
    return res.code === 0;
  });
  // The guest keeps asking while the doctor watches (its ARP is never answered: nobody owns the address).
  const pinger = r.topology.spawn(r.topology.guestNs, ['ping', '-i', '0.3', '-W', '1', '169.254.169.254']);
  t.after(() => endChild(pinger));

  const broken = await doctor(t, r, ['--watch-seconds', '3']);
  const f = expectFinding(broken, 'host-arp-unanswered', /onlink: true/);
  assert.match(f.summary, new RegExp(`${r.topology.guestAddress.replace(/\./g, '\\.')} ARPed`));

  r.store.putNetwork({ ...r.network, attach: { ...r.network.attach!, onlink: true } });
  await waitFor('169.254.169.254 on the router interface', async () => {
    const res = await r.topology.run(r.topology.serviceNs, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'svc0']);
    return res.stdout.includes('169.254.169.254/32');
  });
  expectClean(await doctor(t, r, ['--watch-seconds', '3']));
});
