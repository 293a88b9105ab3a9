import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  cidrContains,
  isIpv4,
  macFromLinkLocal,
  netmaskOf,
  normalizeAddress,
  normalizeMac,
  parseCidr,
} from '../../src/ip/address.js';

test('normalizeAddress() turns an IPv4-mapped IPv6 peer into its IPv4', () => {
  assert.equal(normalizeAddress('::ffff:10.0.0.5'), '10.0.0.5');
  assert.equal(normalizeAddress('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(normalizeAddress('10.0.0.300'), undefined);
  assert.equal(normalizeAddress('010.0.0.1'), undefined);
});

test('parseCidr() refuses host bits and out-of-range prefixes', () => {
  assert.deepEqual(parseCidr('10.0.0.0/24'), { address: '10.0.0.0', prefix: 24, version: 4 });
  assert.equal(parseCidr('10.0.0.1/24'), undefined);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0'), undefined);
});

test('cidrContains() checks membership and address family', () => {
  assert.equal(cidrContains('10.0.0.0/24', '10.0.0.15'), true);
  assert.equal(cidrContains('10.0.0.0/24', '10.0.1.15'), false);
  assert.equal(cidrContains('2001:db8::/64', '10.0.0.1'), false);
});

test('netmaskOf() prints Nova-style masks', () => {
  assert.equal(netmaskOf(4, 24), '255.255.255.0');
  assert.equal(netmaskOf(6, 64), 'ffff:ffff:ffff:ffff::');
});

test('normalizeMac() and macFromLinkLocal() agree on the EUI-64 mapping', () => {
  assert.equal(normalizeMac('FA-16-3E-4C-2A-91'), 'fa:16:3e:4c:2a:91');
  assert.equal(normalizeMac('fa:16:3e:4c:2a'), undefined);
  assert.equal(macFromLinkLocal('fe80::f816:3eff:fe4c:2a91'), 'fa:16:3e:4c:2a:91');
});

test('isIpv4() accepts exactly what ipaddr.IPv4.isValidFourPartDecimal accepts', () => {
  const fixed = [
    '0.0.0.0',
    '255.255.255.255',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4\n',
    ' 1.2.3.4',
  ];
  const octet = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.constantFrom('00', '007', '0x1f', '', '-1', '1e2', '١'),
  );
  const samples = fc.sample(
    fc.array(octet, { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.')),
    5000,
  );
  for (const text of [...fixed, ...samples]) {
    assert.equal(isIpv4(text), ipaddr.IPv4.isValidFourPartDecimal(text), JSON.stringify(text));
  }
});
