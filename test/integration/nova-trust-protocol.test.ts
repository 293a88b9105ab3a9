// Reference checklist §5.5 (Nova's proxy trust protocol, items 34–39) and §5.6 (caching, item 40),
// one test each, over HTTP against the signed listener (item 38: the direct listener, which is
// openimds' "proxy mode off").
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { errorPageBody } from '../../src/http/error-page.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { instanceInput } from '../helpers/load-record.js';
import { sendRaw, tcpTarget, type RawResponse, type Target } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';

// The test vector of reference §2.14.1.
const SECRET = 'secret';
const VECTOR_ID = '6b4f3c0e-6f5d-4e8a-9a1b-0c2d3e4f5a6b';
const VECTOR_SIGNATURE = 'bf51b9b491fc6996072f17a87313f2a0a0c74445f0c003ed117f89a8922573df';

const A = sampleInstance(1, { uuid: VECTOR_ID, projectId: 'project-a' });
const B = sampleInstance(2, { projectId: 'project-b' });
const META = '/openstack/latest/meta_data.json';

interface Setup {
  store: Store;
  signed: Target;
  direct: Target;
}

async function setup(t: TestContext): Promise<Setup> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  const net = sampleNetwork(1, {
    subnets: [{ ...sampleNetwork(1).subnets[0]!, cidr: '127.0.0.0/8', gateway: null }],
  });
  store.transaction(() => {
    store.putNetwork(net);
    store.putInstance(A);
    store.putInstance(B);
    store.putPort(samplePort(1, A.uuid, net.id, ['127.0.0.1']));
    store.putPort(samplePort(2, B.uuid, net.id, ['127.0.0.2']));
  });
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: SECRET },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
      config.directListeners = [{ listen: '127.0.0.1:0', network: net.name }];
    },
  });
  return {
    store,
    signed: tcpTarget(service.address('signed')),
    direct: tcpTarget(service.address('direct')),
  };
}

const sign = (id: string) => createHmac('sha256', SECRET).update(id, 'utf8').digest('hex');

/** The agent's four headers for an instance; `change` replaces (value) or drops (null) some. */
function agentHeaders(
  instance: { uuid: string; projectId: string },
  change: Record<string, string | null> = {},
): Array<[string, string]> {
  const base: Record<string, string> = {
    'X-Forwarded-For': '10.0.0.15',
    'X-Instance-ID': instance.uuid,
    'X-Tenant-ID': instance.projectId,
    'X-Instance-ID-Signature': sign(instance.uuid),
  };
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries({ ...base, ...change })) {
    if (value !== null) out.push([name, value]);
  }
  return out;
}

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

function assertErrorPage(res: RawResponse, status: number, explanation?: string): void {
  assert.equal(res.status, status);
  assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
  assert.deepEqual(res.body, errorPageBody(status, explanation));
}

test('34 signed listener: missing X-Instance-ID, X-Instance-ID-Signature or X-Tenant-ID → 400 naming the header', async (t) => {
  const { signed } = await setup(t);
  for (const header of ['X-Instance-ID', 'X-Instance-ID-Signature', 'X-Tenant-ID']) {
    const res = await sendRaw(signed, { path: META, headers: agentHeaders(A, { [header]: null }) });
    assertErrorPage(res, 400, `${header} header is missing from request.`);
  }
});

test('35 signed listener: the signature is lower-case hex HMAC-SHA256(secret, instance id) (reference vector); any other value → 403', async (t) => {
  const { signed } = await setup(t);
  assert.equal(sign(VECTOR_ID), VECTOR_SIGNATURE);
  const ok = await sendRaw(signed, {
    path: META,
    headers: agentHeaders(A, { 'X-Instance-ID-Signature': VECTOR_SIGNATURE }),
  });
  assert.equal(uuidOf(ok), VECTOR_ID);
  const flipped = VECTOR_SIGNATURE.slice(0, -1) + (VECTOR_SIGNATURE.endsWith('f') ? 'e' : 'f');
  const wrong = [
    flipped,
    VECTOR_SIGNATURE.toUpperCase(),
    VECTOR_SIGNATURE.slice(0, 63),
    VECTOR_SIGNATURE + '0',
    '',
    sign(B.uuid), // valid for another instance
    createHmac('sha256', '').update(VECTOR_ID).digest('hex'), // empty secret
  ];
  for (const signature of wrong) {
    const res = await sendRaw(signed, {
      path: META,
      headers: agentHeaders(A, { 'X-Instance-ID-Signature': signature }),
    });
    assertErrorPage(res, 403, 'Invalid proxy request signature.');
  }
});

test('36 signed listener: valid signature with X-Tenant-ID of another project → 404; unknown instance UUID, validly signed → 404', async (t) => {
  const { signed } = await setup(t);
  const wrongTenant = await sendRaw(signed, {
    path: META,
    headers: agentHeaders(A, { 'X-Tenant-ID': B.projectId }),
  });
  assertErrorPage(wrongTenant, 404);
  const unknown = { uuid: '99999999-0000-4000-8000-000000000000', projectId: A.projectId };
  assertErrorPage(await sendRaw(signed, { path: META, headers: agentHeaders(unknown) }), 404);
});

test('37 signed listener: a request without X-Forwarded-For is accepted', async (t) => {
  const { signed } = await setup(t);
  const res = await sendRaw(signed, { path: META, headers: agentHeaders(A, { 'X-Forwarded-For': null }) });
  assert.equal(uuidOf(res), A.uuid);
});

test('38 proxy mode off (direct listener): X-Instance-ID headers are ignored, the TCP peer address picks the instance', async (t) => {
  const { direct } = await setup(t);
  const fromA = await sendRaw(
    { ...direct, localAddress: '127.0.0.1' },
    { path: META, headers: agentHeaders(B) },
  );
  assert.equal(uuidOf(fromA), A.uuid);
  const fromB = await sendRaw(
    { ...direct, localAddress: '127.0.0.2' },
    { path: META, headers: agentHeaders(A) },
  );
  assert.equal(uuidOf(fromB), B.uuid);
});

test('39 signed listener: the NSX X-Metadata-Provider branch is not implemented, so a provider request gets 400 as X-Instance-ID is missing', async (t) => {
  const { signed } = await setup(t);
  const only = await sendRaw(signed, { path: META, headers: [['X-Metadata-Provider', 'edge-1']] });
  assertErrorPage(only, 400, 'X-Instance-ID header is missing from request.');
  // Nova would answer 403 to a wrong provider signature; here the request never reaches that check.
  const wrongSignature = await sendRaw(signed, {
    path: META,
    headers: [
      ['X-Forwarded-For', '10.0.0.15'],
      ['X-Metadata-Provider', 'edge-1'],
      ['X-Metadata-Provider-Signature', 'deadbeef'],
    ],
  });
  assertErrorPage(wrongSignature, 400, 'X-Instance-ID header is missing from request.');
});

test('40 openimds deliberately differs from Nova: a store change shows on the very next request (no 15 s metadata cache)', async (t) => {
  const { store, signed } = await setup(t);
  const get = (p: string) => sendRaw(signed, { path: p, headers: agentHeaders(A) });
  const meta = async () => JSON.parse((await get(META)).body.toString('utf8')).meta as unknown;

  assert.deepEqual(await meta(), { n: '1' });
  assert.deepEqual(await meta(), { n: '1' }); // now cached for this revision
  const before = store.findInstance(A.uuid)!;
  store.putInstance({ ...instanceInput(before), metadata: { n: '1', role: 'db' } });
  assert.deepEqual(await meta(), { n: '1', role: 'db' });

  // The revision-keyed render cache: an EC2 leaf cached for one revision is re-rendered for the next.
  assert.equal((await get('/latest/meta-data/hostname')).body.toString(), 'vm-1.novalocal');
  assert.equal((await get('/latest/meta-data/hostname')).body.toString(), 'vm-1.novalocal');
  store.putInstance({ ...instanceInput(store.findInstance(A.uuid)!), hostname: 'renamed' });
  assert.equal((await get('/latest/meta-data/hostname')).body.toString(), 'renamed.novalocal');
  const doc = JSON.parse((await get(META)).body.toString('utf8')) as { hostname: string };
  assert.equal(doc.hostname, 'renamed.novalocal');

  // A port change (another store table) bumps the revision too.
  assert.equal((await get('/latest/meta-data/local-ipv4')).body.toString(), '127.0.0.1');
  const port = store.listPorts(A.uuid)[0]!;
  store.putPort({ ...port, fixedIps: ['127.0.0.9'] });
  assert.equal((await get('/latest/meta-data/local-ipv4')).body.toString(), '127.0.0.9');
});
