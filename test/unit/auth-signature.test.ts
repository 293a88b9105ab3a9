import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secretEquals, signatureMatches, signInstanceId } from '../../src/auth/signature.js';

// Test vectors from reference/openstack-metadata.md §2.14.1 (checklist 35).
const ID = '6b4f3c0e-6f5d-4e8a-9a1b-0c2d3e4f5a6b';

test('signInstanceId() is lower-case hex HMAC-SHA256 of the id with the shared secret (checklist 35)', () => {
  assert.equal(
    signInstanceId('secret', ID),
    'bf51b9b491fc6996072f17a87313f2a0a0c74445f0c003ed117f89a8922573df',
  );
});

test('signInstanceId() signs with an empty secret too, as Nova always checks', () => {
  assert.equal(signInstanceId('', ID), '0c8fdbd6b466ac22b1839ca98ac6d38b80ec18b2b898067e016e1227c6e8edf0');
});

test('signatureMatches() refuses upper-case, empty, truncated and joined signatures', () => {
  const good = signInstanceId('secret', ID);
  assert.equal(signatureMatches('secret', ID, good), true);
  assert.equal(signatureMatches('secret', ID, good.toUpperCase()), false);
  assert.equal(signatureMatches('secret', ID, ''), false);
  assert.equal(signatureMatches('secret', ID, good.slice(0, 63)), false);
  assert.equal(signatureMatches('secret', ID, `${good}, ${good}`), false);
  assert.equal(signatureMatches('other', ID, good), false);
});

test('secretEquals() compares secrets of different lengths without throwing', () => {
  assert.equal(secretEquals('abc', 'abc'), true);
  assert.equal(secretEquals('abc', 'abcd'), false);
  assert.equal(secretEquals('', 'x'), false);
});
