import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ec2AtLeast, ec2VersionListing, resolveEc2Version } from '../../src/metadata/ec2-versions.js';
import {
  openstackAtLeast,
  openstackVersionListing,
  resolveOpenstackVersion,
} from '../../src/metadata/openstack-versions.js';

test('ec2VersionListing() ends with latest, which means 2009-04-04', () => {
  assert.deepEqual(ec2VersionListing(), [
    '1.0',
    '2007-01-19',
    '2007-03-01',
    '2007-08-29',
    '2007-10-10',
    '2007-12-15',
    '2008-02-01',
    '2008-09-01',
    '2009-04-04',
    'latest',
  ]);
  assert.equal(resolveEc2Version('latest'), '2009-04-04');
  assert.equal(resolveEc2Version('2016-09-02'), undefined);
  assert.equal(ec2AtLeast('1.0', '2007-01-19'), false);
  assert.equal(ec2AtLeast('2009-04-04', '1.0'), true);
});

test('openstackVersionListing() hides versions dated after today', () => {
  assert.deepEqual(openstackVersionListing('2025-04-03').slice(-2), ['2020-10-14', 'latest']);
  assert.deepEqual(openstackVersionListing('2025-04-04').slice(-2), ['2025-04-04', 'latest']);
  assert.deepEqual(openstackVersionListing('2012-08-09'), ['latest']);
});

test('resolveOpenstackVersion() maps latest to 2025-04-04 and refuses unknown names', () => {
  assert.equal(resolveOpenstackVersion('latest'), '2025-04-04');
  assert.equal(resolveOpenstackVersion('2016-06-30'), '2016-06-30');
  assert.equal(resolveOpenstackVersion('2099-01-01'), undefined);
  assert.equal(resolveOpenstackVersion('toString'), undefined);
  assert.equal(openstackAtLeast('2013-04-04', '2012-08-10'), true);
  assert.equal(openstackAtLeast('2013-04-04', '2013-10-17'), false);
});
