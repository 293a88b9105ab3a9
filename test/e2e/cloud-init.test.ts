// The real cloud-init (Debian 12, 22.4.2) crawls openimds through its own datasource code —
// DataSourceOpenStack, and DataSourceEc2 on the "aws" (IMDSv2) and "unknown" (IMDSv1) platforms —
// from a guest network namespace, and gets the instance's identity, keys, zone, user data, vendor
// data and network config right. See docs/reference/cloud-init-client.md (shared docs) for what
// 22.4.2 requests and why; test/helpers/cloud-init/crawl.py for how the datasources are set up.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { execFile } from 'node:child_process';
import { after, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createTopology, METADATA_ADDRESS, randomMac, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import {
  CLOUD_INIT_PACKAGE,
  crawlWithCloudInit,
  SYSTEM_PYTHON,
  tail,
  type CrawlArgs,
  type CrawlResult,
} from '../helpers/cloud-init/crawl.js';
import { startOpenimds, type RunningOpenimds } from './openimds-in-netns.js';

const PREREQ = { root: true, commands: ['ip'], files: [CLOUD_INIT_PACKAGE, SYSTEM_PYTHON] };
const BASE_URL = `http://${METADATA_ADDRESS}`;
const UUID = '5b6d9f0e-2c1a-4e3b-9d8c-7a6f5e4d3c2b';
const EC2_ID = 'i-0000c10d';
const HOSTNAME = 'ci-guest';
const ZONE = 'zone-a';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY ops@example.com';
const USER_DATA = Buffer.from('#cloud-config\nruncmd:\n  - [echo, "from openimds"]\n');
const VENDOR_CLOUD_INIT = '#cloud-config\nwrite_files:\n  - path: /etc/vendor\n    content: openimds\n';
const VENDOR_DATA = { 'cloud-init': VENDOR_CLOUD_INIT, site: { owner: 'ci' } };
/** The guest's second NIC, whose MAC is the port on a DHCP network. */
const SECOND_INTERFACE = 'eth1';
// The OpenStack files cloud-init 22.4.2 reads, in order, after negotiating 2018-08-27.
const OPENSTACK_FILES = [
  'meta_data.json',
  'user_data',
  'vendor_data.json',
  'vendor_data2.json',
  'network_data.json',
];

/** Every namespace this file created; none may be left once the tests are over. */
const created: string[] = [];

after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = created.filter((ns) => stdout.split('\n').some((line) => line.split(' ')[0] === ns));
  assert.deepEqual(left, [], 'namespaces left behind');
});

/** Ec2's version negotiation: Nova's EC2 tree knows none of these, so 2009-04-04 is used. */
const VERSION_PROBES = ['2021-03-23', '2018-09-24', '2016-09-02'].map((v) => `/${v}/meta-data/instance-id`);

interface Guest {
  net: Topology;
  service: RunningOpenimds;
  secondMac: string;
  crawl(args: Omit<CrawlArgs, 'url'>): Promise<CrawlResult>;
}

/** Namespaces, a second NIC in the guest, the inventory applied and openimds serving in the service side. */
async function setUpGuest(
  t: TestContext,
  opts: { zeroconfRoute?: boolean; userData?: Buffer; httpTokens?: string } = {},
): Promise<Guest> {
  const net = await createTopology(t, { zeroconfRoute: opts.zeroconfRoute === true });
  created.push(net.guestNs, net.serviceNs);
  let secondMac = net.guestMac;
  while (secondMac === net.guestMac) {
    secondMac = randomMac();
  }
  // A second veth (this kernel may lack the dummy driver); its service end stays down and unused.
  const peer = ['peer', 'name', SECOND_INTERFACE, 'netns', net.guestNs];
  await net.run(net.serviceNs, ['ip', 'link', 'add', 'svc1', 'type', 'veth', ...peer]);
  await net.run(net.guestNs, ['ip', 'link', 'set', SECOND_INTERFACE, 'address', secondMac]);
  const service = await startOpenimds(t, net, {
    inventory: inventory(net, secondMac, opts.userData ?? USER_DATA, opts.httpTokens),
    network: 'guestnet',
    vendorData: VENDOR_DATA,
  });
  return {
    net,
    service,
    secondMac,
    crawl: async (args) => {
      const result = await crawlWithCloudInit(net, { ...args, url: BASE_URL });
      t.diagnostic(`cloud-init ${args.datasource}/${args.platform ?? '-'}: ${result.seconds.toFixed(1)} s`);
      if (!result.summary.ok) {
        assert.fail(
          `cloud-init's ${args.datasource} datasource failed: ${result.summary.error ?? 'get_data() returned False'}\n` +
            `warnings: ${JSON.stringify(result.summary.warnings)}\n--- cloud-init log (tail)\n${tail(result.log)}\n` +
            `--- openimds log (tail)\n${tail(service.logs())}`,
        );
      }
      return result;
    },
  };
}

// guestnet: static addressing (no DHCP), a host route and a DNS server; the guest's eth0 is its port.
// storage: DHCP, the port of the guest's eth1. user_data_base64 carries the bytes untouched.
function inventory(net: Topology, secondMac: string, userData: Buffer, httpTokens = 'null'): string {
  const prefix = prefix24(net.serviceAddress);
  const storage = `10.214.${randomInt(1, 255)}`;
  return `
networks:
  - name: guestnet
    mtu: 1450
    cidr: ${net.cidr}
    gateway: ${net.serviceAddress}
    dhcp: false
    dns: [${prefix}.53]
    host_routes:
      - destination: 192.168.100.0/24
        nexthop: ${prefix}.254
  - name: storage
    cidr: ${storage}.0/24
    dhcp: true
instances:
  - name: ${HOSTNAME}
    uuid: ${UUID}
    ec2_id: ${EC2_ID}
    availability_zone: ${ZONE}
    keys:
      - name: ops
        public_key: ${SSH_KEY}
    user_data_base64: ${userData.toString('base64')}
    http_tokens: ${httpTokens}
    ports:
      - network: guestnet
        mac: ${net.guestMac}
        ip: ${net.guestAddress}
      - network: storage
        mac: ${secondMac}
        ip: ${storage}.10
`;
}

const pathOf = (url: string): string => new URL(url).pathname;
const prefix24 = (address: string): string => address.split('.').slice(0, 3).join('.');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const userDataOf = (r: CrawlResult): Buffer => Buffer.from(r.summary.userdata_raw_b64 ?? '', 'base64');

/** Every request went to 169.254.169.254 and was answered 200 (no retry, no missing entry). */
function assertAllAnswered(r: CrawlResult): void {
  for (const req of r.summary.requests) {
    assert.equal(new URL(req.url).host, METADATA_ADDRESS, `${req.method} ${req.url}`);
    assert.equal(req.status, 200, `${req.method} ${req.url} → ${req.status ?? req.error}`);
  }
}

function assertOpenstackCrawl(r: CrawlResult, guest: Guest): void {
  const { summary } = r;
  assert.equal(summary.datasource, 'DataSourceOpenStack');
  assert.equal(summary.metadata_address, BASE_URL);
  assert.equal(summary.picked_version, '2018-08-27');
  const paths = summary.requests.map((req) => `${req.method} ${pathOf(req.url)}`);
  assert.deepEqual(paths.slice(0, 2 + OPENSTACK_FILES.length), [
    'GET /openstack', // wait_for_url probe
    'GET /openstack', // version listing
    ...OPENSTACK_FILES.map((f) => `GET /openstack/2018-08-27/${f}`),
  ]);
  // The rest is the EC2 sub-crawl, always of http://169.254.169.254/latest/meta-data/.
  assert.ok(paths.slice(2 + OPENSTACK_FILES.length).every((p) => p.startsWith('GET /latest/meta-data/')));
  assertAllAnswered(r);
  assert.deepEqual(summary.warnings, []);

  assert.equal(summary.v1.instance_id, UUID);
  assert.equal(summary.v1.local_hostname, HOSTNAME);
  assert.equal(summary.fqdn, `${HOSTNAME}.novalocal`);
  assert.deepEqual(summary.v1.public_ssh_keys, [SSH_KEY]);
  assert.equal(summary.v1.availability_zone, ZONE);
  assert.equal(summary.v1.cloud_name, 'openstack');
  assert.ok(userDataOf(r).equals(USER_DATA));
  assert.equal(summary.vendordata_raw, VENDOR_CLOUD_INIT);
  // vendor_data2.json nests StaticJSON under "static" (Nova), so it has no top-level "cloud-init" key.
  assert.equal(summary.vendordata2_raw, null);

  const ec2 = summary.ec2_metadata ?? {};
  assert.equal(ec2['instance-id'], EC2_ID);
  assert.equal(ec2['local-ipv4'], guest.net.guestAddress);
  assert.deepEqual(ec2['placement'], { 'availability-zone': ZONE });
  assert.deepEqual(ec2['public-keys'], { ops: SSH_KEY });
}

function expectedNetworkConfig(guest: Guest): unknown {
  const { net } = guest;
  const prefix = prefix24(net.serviceAddress);
  return {
    version: 1,
    config: [
      {
        type: 'physical',
        name: net.guestInterface,
        mac_address: net.guestMac,
        mtu: 1450,
        subnets: [
          {
            type: 'static',
            ipv4: true,
            address: net.guestAddress,
            netmask: '255.255.255.0',
            routes: [
              { network: '0.0.0.0', netmask: '0.0.0.0', gateway: net.serviceAddress },
              { network: '192.168.100.0', netmask: '255.255.255.0', gateway: `${prefix}.254` },
            ],
          },
        ],
      },
      // A DHCP-served network: Nova gives no MTU (the guest takes DHCP's).
      {
        type: 'physical',
        name: SECOND_INTERFACE,
        mac_address: guest.secondMac,
        mtu: null,
        subnets: [{ type: 'dhcp4' }],
      },
      { type: 'nameserver', address: `${prefix}.53` },
    ],
  };
}

test('cloud-init DataSourceOpenStack crawls openimds: identity, keys, zone, user/vendor data, network config', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const guest = await setUpGuest(t);
  // Without the zeroconf route the guest goes through its default gateway, the service side.
  const route = await guest.net.run(guest.net.guestNs, ['ip', 'route', 'get', METADATA_ADDRESS]);
  assert.match(
    route.stdout,
    new RegExp(`^${escape(METADATA_ADDRESS)} via ${escape(guest.net.serviceAddress)} `),
  );
  const r = await guest.crawl({ datasource: 'openstack' });
  assertOpenstackCrawl(r, guest);
  assert.deepEqual(r.summary.network_config, expectedNetworkConfig(guest));
});

test('cloud-init DataSourceOpenStack still reaches 169.254.169.254 on-link over the zeroconf route', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const guest = await setUpGuest(t, { zeroconfRoute: true });
  // The guest now sends to 169.254.169.254 directly on eth0 (ARP), not via its default gateway.
  const route = await guest.net.run(guest.net.guestNs, ['ip', 'route', 'get', METADATA_ADDRESS]);
  assert.match(route.stdout, new RegExp(`^${escape(METADATA_ADDRESS)} dev ${guest.net.guestInterface} `));
  const r = await guest.crawl({ datasource: 'openstack' });
  assertOpenstackCrawl(r, guest);
  assert.deepEqual(r.summary.network_config, expectedNetworkConfig(guest));
  // …and the service side's veth answered the guest's ARP for it.
  const neigh = await guest.net.run(guest.net.guestNs, ['ip', '-j', 'neigh', 'show', METADATA_ADDRESS]);
  const entries = JSON.parse(neigh.stdout) as Array<{ lladdr?: string }>;
  assert.deepEqual(
    entries.map((e) => e.lladdr),
    [guest.net.serviceMac],
  );
});

test('cloud-init DataSourceEc2 on platform "aws" takes an IMDSv2 token and sends it on every GET', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  await crawlAwsWithToken(await setUpGuest(t));
});

test('cloud-init DataSourceEc2 on platform "aws" boots the same under http_tokens: required', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const guest = await setUpGuest(t, { httpTokens: 'required' });
  await crawlAwsWithToken(guest);
  // The same guest without a token is refused: the policy is on, and cloud-init met it.
  const tokenless = await guest.net.run(guest.net.guestNs, [
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    '5',
    `${BASE_URL}/latest/meta-data/instance-id`,
  ]);
  assert.equal(tokenless.stdout, '401');
});

async function crawlAwsWithToken(guest: Guest): Promise<void> {
  // network_config is left unread: without a "network" key (Nova has none) it re-crawls everything on aws.
  const r = await guest.crawl({ datasource: 'ec2', platform: 'aws', skipNetworkConfig: true });
  const { summary } = r;
  assert.equal(summary.cloud_name, 'aws');
  const [put, ...gets] = summary.requests;
  assert.ok(put !== undefined && put.method === 'PUT', 'the first request is the token PUT');
  assert.equal(pathOf(put.url), '/latest/api/token');
  assert.equal(put.ttl, '21600');
  assert.equal(put.status, 200);
  assert.ok(put.body !== undefined && put.body.length > 0, 'token body');
  assert.equal(
    summary.requests.filter((req) => req.method === 'PUT').length,
    1,
    'one token, never refreshed',
  );
  for (const get of gets) {
    assert.equal(get.method, 'GET');
    assert.equal(get.token, put.body, `token on ${get.url}`);
    assert.notEqual(get.status, 401, `token accepted on ${get.url}`);
  }
  assert.equal(summary.api_version, '2009-04-04');
  const paths = gets.map((get) => pathOf(get.url));
  assert.ok(paths.includes('/2009-04-04/user-data'));
  assert.ok(paths.includes('/2009-04-04/meta-data/'));
  // Every GET is answered 200 but the version probes. Nova has no /dynamic tree (cloud-init would
  // retry it 6 times, 1 s apart, twice per boot); openimds serves the identity document as an
  // extension, listed nowhere, so cloud-init reads instanceId and the zone from it at once.
  const notServed = new Set(VERSION_PROBES);
  for (const get of gets) assert.equal(get.status, notServed.has(pathOf(get.url)) ? 404 : 200, get.url);
  assert.ok(paths.includes('/2009-04-04/dynamic/instance-identity/document'));
  const identity = summary.identity as { instanceId?: string; availabilityZone?: string };
  assert.match(identity.instanceId ?? '', /^i-[0-9a-f]{8}$/);
  assert.equal(identity.availabilityZone, ZONE);
  assertEc2Data(r);
}

test('cloud-init DataSourceEc2 on platform "unknown" crawls the IMDSv1 way (no token)', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const guest = await setUpGuest(t);
  const r = await guest.crawl({ datasource: 'ec2', platform: 'unknown' });
  const { summary } = r;
  assert.equal(summary.cloud_name, 'unknown');
  assert.ok(summary.requests.every((req) => req.method === 'GET' && req.token === null));
  assert.equal(pathOf(summary.requests[0]!.url), '/2009-04-04/meta-data/instance-id'); // the probe
  assert.equal(summary.api_version, '2009-04-04');
  for (const req of summary.requests) {
    assert.equal(req.status, VERSION_PROBES.includes(pathOf(req.url)) ? 404 : 200, req.url);
  }
  assertEc2Data(r);
  // Nova's EC2 tree has no network/interfaces/macs, so the Ec2 datasource leaves networking to the distro.
  assert.equal(r.summary.network_config, null);
});

function assertEc2Data(r: CrawlResult): void {
  const { summary } = r;
  assert.equal(summary.datasource, 'DataSourceEc2');
  assert.equal(summary.metadata_address, BASE_URL);
  assert.equal(summary.v1.instance_id, EC2_ID);
  assert.equal(summary.metadata['instance-id'], EC2_ID);
  assert.equal(summary.v1.local_hostname, HOSTNAME);
  assert.deepEqual(summary.v1.public_ssh_keys, [SSH_KEY]);
  assert.equal(summary.v1.availability_zone, ZONE);
  assert.ok(userDataOf(r).equals(USER_DATA));
}

test('cloud-init receives gzip user data byte for byte (OpenStack and EC2 paths)', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  // Compressed cloud-config plus arbitrary bytes: none of it may be decoded, re-encoded or trimmed.
  const gzipped = gzipSync(
    Buffer.concat([Buffer.from('#cloud-config\nruncmd: [[true]]\n'), randomBytes(64)]),
  );
  assert.deepEqual([...gzipped.subarray(0, 2)], [0x1f, 0x8b]);
  const guest = await setUpGuest(t, { userData: gzipped });
  const openstack = await guest.crawl({ datasource: 'openstack' });
  assert.ok(userDataOf(openstack).equals(gzipped), 'OpenStack user_data');
  const ec2 = await guest.crawl({ datasource: 'ec2', platform: 'unknown' });
  assert.ok(userDataOf(ec2).equals(gzipped), 'EC2 user-data');
});
