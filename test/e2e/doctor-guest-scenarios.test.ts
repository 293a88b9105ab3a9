// `openimds doctor guest --namespace` on real namespaces (root): each test builds a broken path for
// real, runs the built CLI (spawned asynchronously: the service answers from this very process),
// checks the finding and that its fix names the fix, applies that fix and expects a clean run.
// openimds serve runs in this process (startService); traffic stays between the test's namespaces,
// and every namespace, process and file is removed after each test, pass or fail.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startService } from '../../src/cli/service-app.js';
import { defaultConfig } from '../../src/config.js';
import type { DoctorReport, Finding } from '../../src/doctor/finding.js';
import { rootFindings } from '../../src/doctor/report.js';
import { createLogger, SILENT_LOGGER } from '../../src/log.js';
import type { AttachMode, Network } from '../../src/model/network.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTopology, METADATA_ADDRESS, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sampleInstance } from '../helpers/sample-instance.js';

const PREREQ = { root: true, commands: ['ip', 'curl', 'nft'] };
const TIMEOUT = { timeout: 90_000 };
const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
/** Each diagnosis must name the cause within this (the probe alone takes up to 3 s). */
const DIAGNOSIS_BUDGET_MS = 10_000;
const ROUTER_ID = '00000000-0000-4000-8000-0000000000d1';
const UUID = '0b5c9d3e-1f2a-4b6c-8d7e-9f0a1b2c3d4e';

const created: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = created.filter((ns) => stdout.split('\n').some((line) => line.split(' ')[0] === ns));
  assert.deepEqual(left, [], 'namespaces left behind');
});

interface Doctor {
  code: number | null;
  report: DoctorReport;
  ms: number;
  stdout: string;
}

/** `openimds doctor <argv> --json`, spawned (never a synchronous exec while serve runs here). */
function cli(argv: string[]): Promise<Doctor> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'doctor', ...argv, '--json'], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, report: JSON.parse(stdout) as DoctorReport, ms: Date.now() - started, stdout });
      } catch {
        reject(new Error(`doctor ${argv.join(' ')} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

interface Lab {
  net: Topology;
  /** The guest's files root (leases etc.): empty unless a test writes there. */
  files: string;
  dir: string;
  store: Store;
  network: Network;
  serve(): Promise<void>;
  doctor(extra?: string[]): Promise<Doctor>;
}

async function lab(
  t: TestContext,
  opts: { mode: AttachMode; zeroconfRoute?: boolean; serve?: boolean },
): Promise<Lab> {
  const router = opts.mode === 'router';
  // Router mode: serve plumbs the nft redirect itself and the router does not own 169.254.169.254.
  const net = await createTopology(t, {
    zeroconfRoute: opts.zeroconfRoute ?? false,
    metadataOnLink: !router,
  });
  created.push(net.guestNs, net.serviceNs);
  const dir = mkdtempSync(join(tmpdir(), 'oimds-dg-'));
  const files = join(dir, 'guest-root');
  mkdirSync(files);
  const store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  if (router) store.putRouter({ id: ROUTER_ID, name: 'edge' });
  const network: Network = {
    id: '7c1d2e3f-0000-4000-8000-00000000000a',
    name: 'segment',
    subnets: [
      {
        id: '7c1d2e3f-0000-4000-8000-0000000000a1',
        cidr: net.cidr,
        ipVersion: 4,
        gateway: net.serviceAddress,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: router ? ROUTER_ID : null,
    attach: { namespace: net.serviceNs, interface: net.serviceInterface, mode: opts.mode, address: null },
  };
  store.putNetwork(network);
  store.putInstance(sampleInstance(1, { uuid: UUID, name: 'guest-1', hostname: 'guest-1' }));
  store.putPort({
    id: '1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5',
    instanceUuid: UUID,
    networkId: network.id,
    mac: net.guestMac,
    fixedIps: [net.guestAddress],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  });
  let close: (() => Promise<void>) | undefined;
  t.after(async () => {
    await close?.();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const serve = async () => {
    const config = {
      ...defaultConfig({ uid: 0, home: dir }),
      dataDir: dir,
      signedListen: '',
      adminListen: '',
      applyPlumbing: router,
      runDir: join(dir, 'run'),
      attachPollMs: 100,
    };
    const service = await startService({
      config,
      store,
      log: process.env['E2E_LOG'] ? createLogger({ level: 'debug', format: 'text' }) : SILENT_LOGGER,
      env: {},
      demo: false,
    });
    close = () => service.close();
    // Serving means a guest gets an answer (the listener is opened inside the namespace).
    await waitUntil('the service to answer the guest', async () => {
      const r = await net.run(net.guestNs, ['curl', '-s', '-m', '2', `http://${METADATA_ADDRESS}/`], {
        check: false,
      });
      return r.code === 0;
    });
  };
  if (opts.serve !== false) await serve();
  const doctor = (extra: string[] = []) =>
    cli(['guest', '--namespace', net.guestNs, '--files-root', files, ...extra]);
  return { net, files, dir, store, network, serve, doctor };
}

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The diagnosis names `id` as a root, quickly, and exits 1. */
function assertDiagnosis(t: TestContext, d: Doctor, id: Finding['id']): Finding {
  t.diagnostic(`diagnosis ${id}: ${d.ms} ms`);
  assert.ok(d.ms < DIAGNOSIS_BUDGET_MS, `diagnosis took ${d.ms} ms`);
  assert.equal(d.code, 1, d.stdout);
  const roots = rootFindings(d.report).filter((f) => f.severity === 'error');
  assert.deepEqual(
    roots.map((f) => f.id),
    [id],
    `one root, ${id}:\n${d.stdout}`,
  );
  return roots[0]!;
}

function assertClean(t: TestContext, d: Doctor): void {
  t.diagnostic(`clean run: ${d.ms} ms`);
  assert.ok(d.ms < DIAGNOSIS_BUDGET_MS, `diagnosis took ${d.ms} ms`);
  assert.equal(d.code, 0, d.stdout);
  assert.deepEqual(
    d.report.findings.filter((f) => f.severity !== 'info'),
    [],
  );
}

test(
  'seed: router mode and the zeroconf route → guest-zeroconf-route (NOZEROCONF=yes, on-link mode); deleting the route or onlink: true fixes it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const l = await lab(t, { mode: 'router' });
    assertClean(t, await l.doctor()); // served through the redirect while the guest uses its gateway
    await l.net.run(l.net.guestNs, [
      'ip',
      'route',
      'add',
      '169.254.0.0/16',
      'dev',
      'eth0',
      'scope',
      'link',
      'metric',
      '1002',
    ]);

    const bundle = join(l.dir, 'bundle.txt');
    const d = await l.doctor(['--save', bundle]);
    const root = assertDiagnosis(t, d, 'guest-zeroconf-route');
    assert.match(root.fix, /NOZEROCONF=yes/);
    assert.match(root.fix, /onlink/);
    assert.match(root.fix, /ip route del 169\.254\.0\.0\/16 dev eth0/);
    const folded = d.report.findings
      .filter((f) => f.consequenceOf === 'guest-zeroconf-route')
      .map((f) => f.id);
    assert.ok(folded.includes('guest-arp-unanswered'), `ARP folded under the root: ${d.stdout}`);
    assert.ok(folded.includes('guest-connect-timeout'), `timeout folded under the root: ${d.stdout}`);

    // The same bundle, analyzed offline, names the same root.
    const offline = await cli(['analyze', bundle]);
    assert.equal(offline.code, 1);
    assert.deepEqual(
      rootFindings(offline.report).map((f) => f.id),
      rootFindings(d.report).map((f) => f.id),
    );

    // Fix 1: delete the route.
    await l.net.run(l.net.guestNs, ['ip', 'route', 'del', '169.254.0.0/16', 'dev', 'eth0']);
    assertClean(t, await l.doctor());

    // Fix 2: the route is back (next network restart), and the router owns the address on-link.
    await l.net.run(l.net.guestNs, [
      'ip',
      'route',
      'add',
      '169.254.0.0/16',
      'dev',
      'eth0',
      'scope',
      'link',
      'metric',
      '1002',
    ]);
    l.store.putNetwork({ ...l.network, attach: { ...l.network.attach!, onlink: true } });
    await waitUntil('169.254.169.254/32 on the router interface', async () => {
      const r = await l.net.run(l.net.serviceNs, [
        'ip',
        '-4',
        '-o',
        'addr',
        'show',
        'dev',
        l.net.serviceInterface,
      ]);
      return r.stdout.includes(`${METADATA_ADDRESS}/32`);
    });
    // The guest's failed neighbour entry would otherwise be reused for a while.
    await l.net.run(l.net.guestNs, ['ip', 'neigh', 'flush', 'dev', 'eth0']);
    const fixed = await l.doctor();
    assertClean(t, fixed);
    assert.equal(fixed.report.findings.find((f) => f.id === 'guest-zeroconf-route')?.severity, 'info');
  },
);

test(
  'isolated: the lease offers option 121 but the guest ignored it → guest-option121-ignored; adding the route fixes it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const l = await lab(t, { mode: 'onlink' });
    const [a, b, c] = l.net.serviceAddress.split('.');
    const nowhere = `${a}.${b}.${c}.99`;
    mkdirSync(join(l.files, 'var/lib/dhcp'), { recursive: true });
    writeFileSync(
      join(l.files, 'var/lib/dhcp/dhclient.eth0.leases'),
      [
        'lease {',
        '  interface "eth0";',
        `  fixed-address ${l.net.guestAddress};`,
        '  option subnet-mask 255.255.255.0;',
        `  option routers ${nowhere};`,
        `  option rfc3442-classless-static-routes 32,169,254,169,254,${a},${b},${c},1,0,${a},${b},${c},99;`,
        '  renew 4 2026/11/26 20:00:00;',
        '}',
        '',
      ].join('\n'),
    );
    // The client took option 3 and ignored 121: a default route that leads nowhere.
    await l.net.run(l.net.guestNs, ['ip', 'route', 'replace', 'default', 'via', nowhere, 'dev', 'eth0']);

    const root = assertDiagnosis(t, await l.doctor(), 'guest-option121-ignored');
    assert.match(
      root.fix,
      new RegExp(`ip route add 169\\.254\\.169\\.254/32 via ${l.net.serviceAddress.replace(/\./g, '\\.')}`),
    );

    await l.net.run(l.net.guestNs, [
      'ip',
      'route',
      'add',
      `${METADATA_ADDRESS}/32`,
      'via',
      l.net.serviceAddress,
    ]);
    assertClean(t, await l.doctor());
  },
);

test(
  'nothing listens while 169.254.169.254 is in place → guest-connection-refused; starting the service fixes it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const l = await lab(t, { mode: 'onlink', serve: false });
    const root = assertDiagnosis(t, await l.doctor(), 'guest-connection-refused');
    assert.match(root.fix, /openimds serve/);
    await l.serve();
    assertClean(t, await l.doctor());
  },
);

test(
  'no default route and no 169.254.169.254 route → guest-no-metadata-route; a default route fixes it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const l = await lab(t, { mode: 'onlink' });
    await l.net.run(l.net.guestNs, ['ip', 'route', 'del', 'default']);
    const root = assertDiagnosis(t, await l.doctor(), 'guest-no-metadata-route');
    assert.match(root.fix, /default route/);
    await l.net.run(l.net.guestNs, ['ip', 'route', 'add', 'default', 'via', l.net.serviceAddress]);
    assertClean(t, await l.doctor());
  },
);

test(
  'an nft rule drops TCP/80 to 169.254.169.254 in the service namespace → guest-tcp-blocked; deleting it fixes it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const l = await lab(t, { mode: 'onlink' });
    const ruleset = [
      'table inet oimds_test_block {',
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
      `    ip daddr ${METADATA_ADDRESS} tcp dport 80 drop`,
      '  }',
      '}',
      '',
    ].join('\n');
    const rules = join(l.dir, 'block.nft');
    writeFileSync(rules, ruleset);
    await l.net.run(l.net.serviceNs, ['nft', '-f', rules]);
    const root = assertDiagnosis(t, await l.doctor(), 'guest-tcp-blocked');
    assert.match(root.fix, /nft list ruleset/);
    await l.net.run(l.net.serviceNs, ['nft', 'delete', 'table', 'inet', 'oimds_test_block']);
    assertClean(t, await l.doctor());
  },
);
