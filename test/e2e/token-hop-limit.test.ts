// Issue 7 item 3 on real namespaces: token replies leave with IP TTL 1 (attach.token_hop_limit), so
// a "container" behind the guest's NAT — one more hop — gets no token, while the guest does, and the
// container can still read IMDSv1 paths (only token replies are limited). With the limit off or high
// enough, the container gets its token. openimds serve runs in this process and applies the nft
// table itself; every namespace, link and process is the test's own (attach-kit.ts).
//
//   container ns            guest ns (forwards, masquerades)        service / router ns
//   eth0 172.31.Z.2 ──veth── ctr0 172.31.Z.1    eth0 10.X.Y.10 ──veth── tap / qr- 10.X.Y.1
//   default via .1                              default via 10.X.Y.1     openimds listener
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Attachment, Network } from '../../src/model/network.js';
import { requirePrereq } from '../helpers/prereq.js';
import {
  createLab,
  fetchFrom,
  METADATA_ADDRESS,
  randomMac,
  serve,
  tailOf,
  waitUntil,
  type Fetched,
  type Lab,
  type Served,
} from './attach-kit.js';
import { fillStore, labNetwork, labVm, ROUTER, TOKEN_PATH, TOKEN_TTL_HEADER } from './lab-store.js';

const PREREQ = { root: true, commands: ['ip', 'curl', 'nft'] };
const TIMEOUT = { timeout: 90_000 };
const labs: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = stdout.split('\n').filter((line) => labs.some((id) => line.startsWith(`oimds-${id}-`)));
  assert.deepEqual(left, [], 'namespaces left behind');
});

interface HopLab {
  lab: Lab;
  served: Served;
  net: Network;
  service: string;
  guest: string;
  container: string;
  guestUuid: string;
}

/** The service side (per mode), a guest on it, and a container behind the guest's NAT. */
async function hopLab(t: Parameters<typeof createLab>[0], mode: 'onlink' | 'router'): Promise<HopLab> {
  const lab = createLab(t);
  labs.push(lab.id);
  const service = await lab.namespace(mode === 'router' ? 'qrouter' : 'svc');
  const guest = await lab.namespace('guest');
  const container = await lab.namespace('ctr');
  const gateway = `${lab.prefix}.1`;
  const address = `${lab.prefix}.10`;
  const mac = randomMac();
  const dev = mode === 'router' ? 'qr-lab' : 'tap-lab';
  await lab.veth({ ns: service, dev }, { ns: guest, dev: 'eth0', mac });
  await lab.ip(service, 'addr', 'add', `${gateway}/24`, 'dev', dev);
  await lab.guest(guest, 'eth0', { address: `${address}/24`, gateway, zeroconf: false });

  // The container: its own veth to the guest, which forwards and masquerades (as Docker's bridge does).
  const ctrNet = `172.31.${randomInt(1, 255)}`;
  await lab.veth({ ns: guest, dev: 'ctr0' }, { ns: container, dev: 'eth0' });
  await lab.ip(guest, 'addr', 'add', `${ctrNet}.1/24`, 'dev', 'ctr0');
  await lab.ip(container, 'addr', 'add', `${ctrNet}.2/24`, 'dev', 'eth0');
  await lab.ip(container, 'route', 'add', 'default', 'via', `${ctrNet}.1`);
  await lab.run(guest, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await loadNat(lab, guest);

  const attach: Attachment =
    mode === 'router'
      ? { namespace: service, interface: dev, mode: 'router', address: null }
      : { namespace: service, interface: dev, mode: 'onlink', address: `${gateway}/24` };
  const net = labNetwork(lab, 1, attach, mode === 'router' ? { routerId: ROUTER.id } : {});
  const vm = labVm(1, net.id, mac, address);
  const served = await serve(lab, (store) =>
    fillStore(store, [net], [vm], mode === 'router' ? [ROUTER] : []),
  );
  return { lab, served, net, service, guest, container, guestUuid: vm.input.uuid };
}

async function loadNat(lab: Lab, guest: string): Promise<void> {
  const ruleset = [
    'table ip guestnat {',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\toifname "eth0" masquerade',
    '\t}',
    '}',
    '',
  ].join('\n');
  const file = join(lab.dir, 'guest-nat.nft');
  writeFileSync(file, ruleset);
  await lab.run(guest, ['nft', '-f', file]);
}

const putToken = (lab: Lab, ns: string): Promise<Fetched> =>
  fetchFrom(lab, ns, `http://${METADATA_ADDRESS}${TOKEN_PATH}`, {
    method: 'PUT',
    headers: [TOKEN_TTL_HEADER],
    connectTimeout: 2,
    maxTime: 3,
  });

const instanceId = (lab: Lab, ns: string, token?: string): Promise<Fetched> =>
  fetchFrom(lab, ns, `http://${METADATA_ADDRESS}/latest/meta-data/instance-id`, {
    headers: token === undefined ? [] : [['X-aws-ec2-metadata-token', token]],
  });

const tokenTable = async (lab: Lab, ns: string): Promise<string> =>
  (await lab.run(ns, ['nft', 'list', 'table', 'ip', 'openimds_token'], { check: false })).stdout;

/** The guest gets a token and uses it; the container gets no token but reads IMDSv1. */
async function assertLimited(h: HopLab): Promise<void> {
  const { lab } = h;
  const token = await putToken(lab, h.guest);
  assert.equal(token.status, 200, `the guest gets a token: ${JSON.stringify(token)}`);
  assert.ok(token.body.length > 20);
  const withToken = await instanceId(lab, h.guest, token.body);
  assert.equal(withToken.status, 200, withToken.body);

  const fromContainer = await putToken(lab, h.container);
  assert.equal(fromContainer.status, 0, `the container gets no token: ${JSON.stringify(fromContainer)}`);
  assert.equal(fromContainer.exit, 28, 'curl timed out waiting for the reply (TTL ran out in the guest)');
  const v1 = await instanceId(lab, h.container);
  assert.equal(v1.status, 200, `IMDSv1 from the container still works: ${JSON.stringify(v1)}`);
  assert.match(v1.body, /^i-[0-9a-f]{8}$/);
}

async function setAttach(h: HopLab, change: Partial<Attachment>, check: (table: string) => boolean) {
  h.served.store.putNetwork({ ...h.net, attach: { ...h.net.attach!, ...change } });
  await waitUntil(
    'serve to rewrite the token table',
    async () => check(await tokenTable(h.lab, h.service)),
    10_000,
    () => tailOf(h.served.logs()),
  );
}

test(
  'onlink: token replies leave with TTL 1; a container behind the guest NAT gets no token (even when the PUT is split) but IMDSv1; token_hop_limit off lets it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const h = await hopLab(t, 'onlink');
    assert.match(await tokenTable(h.lab, h.service), /oifname "tap-lab" .* ip ttl set 1 /);
    await assertLimited(h);

    // "P", then "UT …" a moment later: two TCP segments; the first byte alone marks the connection.
    assert.equal(await sneakyPut(h.lab, h.container, 'split'), 'no reply', 'split PUT from the container');
    // A leading CRLF (skipped by the parser) marks it too.
    assert.equal(
      await sneakyPut(h.lab, h.container, 'crlf'),
      'no reply',
      'CRLF-prefixed PUT from the container',
    );
    // Pipelined behind a GET, the segment starts with "G": the GET is answered, the PUT refused (400).
    assert.equal(
      await sneakyPut(h.lab, h.container, 'pipelined'),
      'HTTP/1.1 200 OK|HTTP/1.1 400 Bad Request',
      'pipelined PUT from the container',
    );

    await setAttach(h, { tokenHopLimit: null }, (table) => table === '');
    const token = await putToken(h.lab, h.container);
    assert.equal(
      token.status,
      200,
      `with the limit off the container gets a token: ${JSON.stringify(token)}`,
    );
    // The clients themselves work when nothing limits them.
    assert.equal(await sneakyPut(h.lab, h.container, 'split'), 'HTTP/1.1 200 OK');
    assert.equal(await sneakyPut(h.lab, h.container, 'crlf'), 'HTTP/1.1 200 OK');
    assert.deepEqual(h.served.events('attach.plumbing_failed'), [], tailOf(h.served.logs()));
  },
);

test(
  'router: token replies leave qr- with TTL 1 through the redirect; the container gets no token but IMDSv1; token_hop_limit 2 lets it',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const h = await hopLab(t, 'router');
    assert.match(
      await tokenTable(h.lab, h.service),
      /iifname "qr-lab" tcp dport 9697 ct status dnat @ih,0,8 \{ 0xa, 0xd, 0x50 \} ct mark set/,
    );
    await assertLimited(h);

    await setAttach(h, { tokenHopLimit: 2 }, (table) => /ip ttl set 2 /.test(table));
    const token = await putToken(h.lab, h.container);
    assert.equal(
      token.status,
      200,
      `with TTL 2 the container, one hop behind, gets a token: ${JSON.stringify(token)}`,
    );
    const guestToken = await putToken(h.lab, h.guest);
    assert.equal(guestToken.status, 200);
    assert.deepEqual(h.served.events('attach.plumbing_failed'), [], tailOf(h.served.logs()));
  },
);

// A hand-written client trying to slip a token PUT past the table, by argv[2]:
//   split      "P", then the rest 200 ms later (two segments, Nagle off)
//   crlf       "\r\nPUT …" in one segment (parsers skip a leading CRLF)
//   pipelined  "GET …" and "PUT …" in one segment
// It prints the status lines it got, joined by "|", or "no reply" after 3 s.
const SPLIT_PUT_CLIENT = `
const net = require('node:net');
const put = 'PUT /latest/api/token HTTP/1.1\\r\\nHost: x\\r\\nX-aws-ec2-metadata-token-ttl-seconds: 60\\r\\nConnection: close\\r\\n\\r\\n';
const get = 'GET /latest/meta-data/instance-id HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n';
const how = process.argv[2] ?? 'split';
const s = net.connect({ host: process.argv[1], port: 80, noDelay: true }, () => {
  if (how === 'crlf') s.write('\\r\\n' + put);
  else if (how === 'pipelined') s.write(get + put);
  else {
    s.write('P');
    setTimeout(() => s.write(put.slice(1)), 200);
  }
});
let out = '';
s.on('data', (d) => (out += d));
s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
setTimeout(() => {
  const lines = out.match(/HTTP\\/1\\.1 \\d{3} [^\\r]*/g) ?? [];
  console.log(lines.length === 0 ? 'no reply' : lines.join('|'));
  process.exit(0);
}, 3000);
`;

/** Runs SPLIT_PUT_CLIENT in a namespace; its one line of output. */
async function sneakyPut(
  lab: HopLab['lab'],
  ns: string,
  how: 'split' | 'crlf' | 'pipelined',
): Promise<string> {
  const r = await lab.run(ns, [process.execPath, '-e', SPLIT_PUT_CLIENT, METADATA_ADDRESS, how], {
    check: false,
    timeoutMs: 10_000,
  });
  return `${r.stdout.trim()}${r.stderr === '' ? '' : ` (${r.stderr.trim()})`}`;
}
