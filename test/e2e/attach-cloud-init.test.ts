// The real cloud-init (Debian 12, 22.4.2) against a router-mode attached network with attach.onlink,
// from a guest that has the seed report's zeroconf route: `openimds serve` (in this process) plumbs
// the router namespace itself (nft redirect :80 → :9697, 169.254.169.254/32 on the qr- interface),
// the guest ARPs for 169.254.169.254, the router answers, and cloud-init's own datasource code
// completes the OpenStack crawl (with its EC2 sub-crawl) and the Ec2 datasource's IMDSv2 crawl.
// test/e2e/cloud-init.test.ts covers the rest of cloud-init's behaviour, over a direct listener.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { applyInventoryFile } from '../../src/inventory/apply-inventory.js';
import {
  CLOUD_INIT_PACKAGE,
  crawlWithCloudInit,
  SYSTEM_PYTHON,
  tail,
  type CrawlArgs,
  type CrawlResult,
} from '../helpers/cloud-init/crawl.js';
import type { Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import {
  addressesOf,
  createLab,
  macOf,
  METADATA_ADDRESS,
  neighbours,
  randomMac,
  routeTo,
  serve,
  tailOf,
  type Lab,
} from './attach-kit.js';

const PREREQ = { root: true, commands: ['ip', 'nft'], files: [CLOUD_INIT_PACKAGE, SYSTEM_PYTHON] };
const BASE_URL = `http://${METADATA_ADDRESS}`;
const UUID = '3c1e9a7b-5d2f-4e6a-8b0c-1d2e3f4a5b6c';
const EC2_ID = 'i-0000b0a7';
const HOSTNAME = 'zeroconf-guest';
const ZONE = 'zone-r';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY ops@example.com';
const USER_DATA = Buffer.from('#cloud-config\nruncmd:\n  - [echo, "through the router"]\n');
const OPENSTACK_FILES = [
  'meta_data.json',
  'user_data',
  'vendor_data.json',
  'vendor_data2.json',
  'network_data.json',
];
/** Ec2's version probes: Nova's EC2 tree knows none of them, so 2009-04-04 is used. */
const VERSION_PROBES = ['2021-03-23', '2018-09-24', '2016-09-02'].map((v) => `/${v}/meta-data/instance-id`);

const labs: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = stdout.split('\n').filter((line) => labs.some((id) => line.startsWith(`oimds-${id}-`)));
  assert.deepEqual(left, [], 'namespaces left behind');
});

function inventory(lab: Lab, routerNs: string, mac: string): string {
  return `
routers:
  - name: edge
networks:
  - name: guestnet
    router: edge
    cidr: ${lab.prefix}.0/24
    gateway: ${lab.prefix}.1
    dhcp: false
    attach:
      namespace: ${routerNs}
      interface: qr-lab
      mode: router
      onlink: true
instances:
  - name: ${HOSTNAME}
    uuid: ${UUID}
    ec2_id: ${EC2_ID}
    availability_zone: ${ZONE}
    keys:
      - name: ops
        public_key: ${SSH_KEY}
    user_data_base64: ${USER_DATA.toString('base64')}
    ports:
      - network: guestnet
        mac: ${mac}
        ip: ${lab.prefix}.10
`;
}

const pathOf = (url: string): string => new URL(url).pathname;
const userDataOf = (r: CrawlResult): Buffer => Buffer.from(r.summary.userdata_raw_b64 ?? '', 'base64');

test(
  'cloud-init crawls a router-mode network with attach.onlink from a zeroconf guest: OpenStack (with its EC2 sub-crawl) and Ec2 (IMDSv2)',
  { timeout: 90_000 },
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const lab = createLab(t);
    labs.push(lab.id);
    const router = await lab.namespace('qrouter');
    const guestNs = await lab.namespace('guest');
    const gateway = `${lab.prefix}.1`;
    const address = `${lab.prefix}.10`;
    const mac = randomMac();
    await lab.veth({ ns: router, dev: 'qr-lab' }, { ns: guestNs, dev: 'eth0', mac });
    await lab.ip(router, 'addr', 'add', `${gateway}/24`, 'dev', 'qr-lab');
    await lab.guest(guestNs, 'eth0', { address: `${address}/24`, gateway }); // with the zeroconf route
    const served = await serve(lab, (store) => {
      applyInventoryFile({
        store,
        text: inventory(lab, router, mac),
        file: 'inventory.yaml',
        readFile: () => Buffer.alloc(0),
        newId: randomUUID,
        randomBytes,
      });
    });
    assert.equal(served.store.findNetwork('guestnet')?.attach?.onlink, true, 'the inventory carries onlink');
    assert.deepEqual((await addressesOf(lab, router, 'qr-lab')).sort(), [
      `${gateway}/24`,
      `${METADATA_ADDRESS}/32`,
    ]);
    assert.match(
      await routeTo(lab, guestNs),
      new RegExp(`^${METADATA_ADDRESS} dev eth0 `),
      'on-link: zeroconf',
    );

    const guestView = {
      guestNs,
      run: async (ns: string, argv: readonly string[], opts?: { check?: boolean; timeoutMs?: number }) => ({
        ...(await lab.run(ns, argv, opts)),
        signal: null,
      }),
    } as Pick<Topology, 'guestNs' | 'run'> as Topology;
    const crawl = async (args: Omit<CrawlArgs, 'url'>): Promise<CrawlResult> => {
      const result = await crawlWithCloudInit(guestView, { ...args, url: BASE_URL });
      t.diagnostic(`cloud-init ${args.datasource}/${args.platform ?? '-'}: ${result.seconds.toFixed(1)} s`);
      if (!result.summary.ok) {
        assert.fail(
          `cloud-init's ${args.datasource} datasource failed: ${result.summary.error ?? 'get_data() returned False'}\n` +
            `--- cloud-init log (tail)\n${tail(result.log)}\n--- openimds log (tail)\n${tailOf(served.logs())}`,
        );
      }
      return result;
    };

    // DataSourceOpenStack: the openstack/ tree, then its EC2 sub-crawl of /latest/meta-data/.
    const os = await crawl({ datasource: 'openstack' });
    const s = os.summary;
    assert.equal(s.datasource, 'DataSourceOpenStack');
    assert.equal(s.metadata_address, BASE_URL);
    assert.equal(s.picked_version, '2018-08-27');
    const paths = s.requests.map((req) => `${req.method} ${pathOf(req.url)}`);
    const head = [
      'GET /openstack',
      'GET /openstack',
      ...OPENSTACK_FILES.map((f) => `GET /openstack/2018-08-27/${f}`),
    ];
    assert.deepEqual(paths.slice(0, head.length), head);
    const ec2Part = paths.slice(head.length);
    assert.ok(
      ec2Part.length > 0 && ec2Part.every((p) => p.startsWith('GET /latest/meta-data/')),
      ec2Part.join(),
    );
    for (const req of s.requests) {
      assert.equal(new URL(req.url).host, METADATA_ADDRESS, req.url);
      assert.equal(req.status, 200, `${req.method} ${req.url} → ${req.status ?? req.error}`);
    }
    assert.deepEqual(s.warnings, []);
    assert.equal(s.v1.instance_id, UUID);
    assert.equal(s.v1.local_hostname, HOSTNAME);
    assert.deepEqual(s.v1.public_ssh_keys, [SSH_KEY]);
    assert.equal(s.v1.availability_zone, ZONE);
    assert.ok(userDataOf(os).equals(USER_DATA));
    const ec2 = s.ec2_metadata ?? {};
    assert.equal(ec2['instance-id'], EC2_ID);
    assert.equal(ec2['local-ipv4'], address);
    assert.deepEqual(ec2['placement'], { 'availability-zone': ZONE });
    const config = s.network_config as {
      config: Array<{ type: string; mac_address?: string; subnets?: unknown }>;
    };
    const eth0 = config.config.find((c) => c.type === 'physical');
    assert.equal(eth0?.mac_address, mac);
    assert.deepEqual(
      (eth0?.subnets as Array<{ address: string; routes: unknown }>).map((sub) => [sub.address, sub.routes]),
      [[address, [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway }]]],
    );

    // DataSourceEc2 on platform "aws": a token PUT through the same redirect, then tokened GETs.
    const aws = await crawl({ datasource: 'ec2', platform: 'aws', skipNetworkConfig: true });
    const a = aws.summary;
    assert.equal(a.datasource, 'DataSourceEc2');
    assert.equal(a.cloud_name, 'aws');
    const [put, ...gets] = a.requests;
    assert.equal(
      `${put?.method} ${pathOf(put?.url ?? 'http://x/')} ${put?.status}`,
      'PUT /latest/api/token 200',
    );
    for (const get of gets) {
      assert.equal(get.method, 'GET');
      assert.equal(get.token, put!.body, `token on ${get.url}`);
      assert.equal(get.status, VERSION_PROBES.includes(pathOf(get.url)) ? 404 : 200, get.url);
    }
    assert.equal(a.api_version, '2009-04-04');
    assert.equal(a.v1.instance_id, EC2_ID);
    assert.equal(a.v1.local_hostname, HOSTNAME);
    assert.deepEqual(a.v1.public_ssh_keys, [SSH_KEY]);
    assert.ok(userDataOf(aws).equals(USER_DATA));

    // All of it went on-link: the guest resolved 169.254.169.254 to the router's interface.
    const entries = await neighbours(lab, guestNs, 'eth0');
    assert.deepEqual(
      entries.map((e) => e.lladdr),
      [await macOf(lab, router, 'qr-lab')],
    );
    assert.deepEqual(served.events('attach.plumbing_failed'), []);
  },
);
