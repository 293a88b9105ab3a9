import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signInstanceId } from '../../src/auth/signature.js';
import { createPeerIdentifier } from '../../src/service/identify-by-peer.js';
import { createSignedIdentifier } from '../../src/service/identify-signed.js';
import { createTaggedIdentifier } from '../../src/service/identify-tagged.js';
import type { PortMatch } from '../../src/store/store.js';

// A three-line store double: ports by (network, address) and by MAC.
const PORTS = [
  { net: 'net-a', ip: '10.0.0.5', mac: 'fa:16:3e:00:00:05', uuid: 'inst-a' },
  { net: 'net-b', ip: '10.0.0.5', mac: 'fa:16:3e:00:00:06', uuid: 'inst-b' }, // same IP, other network
  { net: 'net-c', ip: '10.0.0.9', mac: 'fa:16:3e:00:00:09', uuid: 'inst-c1' },
  { net: 'net-c', ip: '10.0.0.9', mac: 'fa:16:3e:00:00:10', uuid: 'inst-c2' }, // ambiguous
];
const match = (p: (typeof PORTS)[number]): PortMatch =>
  ({ port: { id: `port-${p.uuid}` }, instanceUuid: p.uuid, projectId: 'proj', revision: 1 }) as PortMatch;
const store = {
  findPortsByAddress: (nets: readonly string[], ip: string) =>
    PORTS.filter((p) => nets.includes(p.net) && p.ip === ip).map(match),
  findPortsByMac: (nets: readonly string[], mac: string) =>
    PORTS.filter((p) => nets.includes(p.net) && p.mac === mac).map(match),
  networkIdsOfRouter: (r: string) => (r === 'router-1' ? ['net-a', 'net-c'] : []),
  findRevision: (uuid: string) => (uuid === 'inst-a' ? 3 : undefined),
};
const req = (headers: Record<string, string>, peerAddress = '') => ({ headers, peerAddress });

test('createPeerIdentifier() resolves the peer address within its own network only', () => {
  const idA = createPeerIdentifier({ store, networkIds: () => ['net-a'], scope: 'network net-a' });
  const idB = createPeerIdentifier({ store, networkIds: () => ['net-b'], scope: 'network net-b' });
  const a = idA(req({}, '10.0.0.5'));
  const b = idB(req({}, '10.0.0.5'));
  assert.ok(a.ok && a.identity.instanceUuid === 'inst-a');
  assert.ok(b.ok && b.identity.instanceUuid === 'inst-b');
});

test('createPeerIdentifier() ignores every identity header the guest sends', () => {
  const id = createPeerIdentifier({ store, networkIds: () => ['net-a'], scope: 'network net-a' });
  const r = id(
    req(
      { 'x-forwarded-for': '10.0.0.9', 'x-neutron-network-id': 'net-c', 'x-instance-id': 'inst-c1' },
      '10.0.0.5',
    ),
  );
  assert.ok(r.ok && r.identity.instanceUuid === 'inst-a');
});

test('createPeerIdentifier() answers 404 for unknown and ambiguous addresses, naming the lookup', () => {
  const id = createPeerIdentifier({ store, networkIds: () => ['net-c'], scope: 'network net-c' });
  const unknown = id(req({}, '10.0.0.77'));
  const ambiguous = id(req({}, '10.0.0.9'));
  assert.ok(!unknown.ok && unknown.status === 404 && /no port has this address/.test(unknown.log.msg));
  assert.ok(!ambiguous.ok && ambiguous.status === 404 && /2 ports have this address/.test(ambiguous.log.msg));
});

test('createPeerIdentifier() reads IPv4-mapped IPv6 peers as IPv4', () => {
  const id = createPeerIdentifier({ store, networkIds: () => ['net-a'], scope: 'network net-a' });
  const r = id(req({}, '::ffff:10.0.0.5'));
  assert.ok(r.ok && r.identity.instanceUuid === 'inst-a');
});

test('createTaggedIdentifier() resolves by network id, router id and OVN network id', () => {
  const id = createTaggedIdentifier({ store });
  const net = id(req({ 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': 'net-b' }));
  const router = id(req({ 'x-forwarded-for': '10.0.0.5', 'x-neutron-router-id': 'router-1' }));
  const ovn = id(req({ 'x-forwarded-for': '10.0.0.5', 'x-ovn-network-id': 'net-a' }));
  assert.ok(net.ok && net.identity.instanceUuid === 'inst-b');
  assert.ok(router.ok && router.identity.instanceUuid === 'inst-a');
  assert.ok(ovn.ok && ovn.identity.instanceUuid === 'inst-a');
});

test('createTaggedIdentifier() refuses both ids (400) and a joined X-Forwarded-For (404)', () => {
  const id = createTaggedIdentifier({ store });
  const both = id(
    req({
      'x-forwarded-for': '10.0.0.5',
      'x-neutron-network-id': 'net-a',
      'x-neutron-router-id': 'router-1',
    }),
  );
  const joined = id(req({ 'x-forwarded-for': '10.0.0.5, 10.0.0.9', 'x-neutron-network-id': 'net-a' }));
  assert.ok(!both.ok && both.status === 400);
  assert.ok(!joined.ok && joined.status === 404);
});

test('createTaggedIdentifier() finds an IPv6 link-local guest by the MAC inside its address', () => {
  const id = createTaggedIdentifier({ store });
  const r = id(req({ 'x-forwarded-for': 'fe80::f816:3eff:fe00:5', 'x-neutron-network-id': 'net-a' }));
  assert.ok(r.ok && r.identity.instanceUuid === 'inst-a');
});

test('createSignedIdentifier() checks headers in Nova order, then the signature (checklist 34–36)', () => {
  const id = createSignedIdentifier({ secret: () => 's3cr3t', store });
  const sig = signInstanceId('s3cr3t', 'inst-a');
  const none = id(req({}));
  const noSig = id(req({ 'x-instance-id': 'inst-a', 'x-tenant-id': 'proj' }));
  const noTenant = id(req({ 'x-instance-id': 'inst-a', 'x-instance-id-signature': sig }));
  const bad = id(
    req({ 'x-instance-id': 'inst-a', 'x-instance-id-signature': 'f'.repeat(64), 'x-tenant-id': 'proj' }),
  );
  const unknown = id(
    req({
      'x-instance-id': 'nope',
      'x-instance-id-signature': signInstanceId('s3cr3t', 'nope'),
      'x-tenant-id': 'proj',
    }),
  );
  const good = id(req({ 'x-instance-id': 'inst-a', 'x-instance-id-signature': sig, 'x-tenant-id': 'proj' }));
  assert.ok(
    !none.ok && none.status === 400 && none.explanation === 'X-Instance-ID header is missing from request.',
  );
  assert.ok(
    !noSig.ok &&
      noSig.status === 400 &&
      noSig.explanation === 'X-Instance-ID-Signature header is missing from request.',
  );
  assert.ok(
    !noTenant.ok &&
      noTenant.status === 400 &&
      noTenant.explanation === 'X-Tenant-ID header is missing from request.',
  );
  assert.ok(!bad.ok && bad.status === 403 && !bad.log.msg.includes(sig), 'never logs the expected signature');
  assert.ok(!unknown.ok && unknown.status === 404);
  assert.ok(good.ok && good.identity.expectedProjectId === 'proj' && good.identity.revision === 3);
});
