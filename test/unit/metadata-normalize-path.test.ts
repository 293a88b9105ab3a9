// Expected normalisations are what Nova computed behind Paste's urlmap (urllib unquote, `//+` → `/`,
// then posixpath.normpath), checked with CPython.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupMetadata } from '../../src/metadata/lookup.js';
import type { MetadataResult } from '../../src/metadata/metadata-result.js';
import { normalizePath, PATH_MAX_CHARS } from '../../src/metadata/normalize-path.js';
import { loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const { record, vendorData } = loadNovaWeb1();
const opts = { dhcpDomain: 'novalocal', today: '2026-01-01', staticVendorData: vendorData };

function render(raw: string): MetadataResult {
  const normalized = normalizePath(raw);
  return normalized === undefined ? { kind: 'not-found' } : lookupMetadata(record, normalized, opts);
}

function bodyText(result: MetadataResult): string {
  assert.equal(result.kind, 'document');
  return result.kind === 'document' ? result.body.toString('utf8') : '';
}

test('normalizePath() resolves dot segments and slashes as posixpath.normpath does', () => {
  const cases: Array<[string, string]> = [
    ['', '/'],
    ['/', '/'],
    ['/..', '/'],
    ['/../..', '/'],
    ['/a/..', '/'],
    ['/latest/', '/latest'],
    ['/a/./b/.', '/a/b'],
    ['/latest/meta-data/../user-data', '/latest/user-data'],
    ['/../../../etc/passwd', '/etc/passwd'],
    ['/.../x', '/.../x'],
    ['latest', '/latest'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});

test('normalizePath() collapses every run of slashes, as Paste urlmap did before Nova saw the path', () => {
  assert.equal(normalizePath('//'), '/');
  assert.equal(normalizePath('/latest//meta-data/'), '/latest/meta-data');
  assert.equal(normalizePath('//latest//meta-data//instance-id'), '/latest/meta-data/instance-id');
});

test('normalizePath() percent-decodes before resolving, so %2e%2e and %2F act as .. and /', () => {
  assert.equal(normalizePath('/%2e%2e/latest'), '/latest');
  assert.equal(normalizePath('/latest/%2E%2E/openstack'), '/openstack');
  assert.equal(normalizePath('/latest/meta-data%2Fhostname'), '/latest/meta-data/hostname');
  assert.equal(normalizePath('/latest/meta-data/%C3%BC'), '/latest/meta-data/ü');
});

test('normalizePath() ignores the query string', () => {
  assert.equal(
    normalizePath('/openstack/latest/meta_data.json?x=1&y=/../..'),
    '/openstack/latest/meta_data.json',
  );
});

test('normalizePath() refuses bad escapes, invalid UTF-8, NUL and other control characters', () => {
  for (const raw of [
    '/%zz',
    '/latest/%',
    '/latest/%e2%82',
    '/%ff',
    '/%00',
    '/latest\u0000',
    '/a%0ab',
    '/a\tb',
    '/%7f',
    '/%c2%85',
  ]) {
    assert.equal(normalizePath(raw), undefined, JSON.stringify(raw));
  }
});

test('normalizePath() refuses a path longer than PATH_MAX_CHARS without decoding it', () => {
  assert.equal(normalizePath('/' + 'a'.repeat(PATH_MAX_CHARS)), undefined);
});

test('hostile paths never throw and answer a document or not found', () => {
  const hostile = [
    '/..',
    '/../../../../latest/meta-data/instance-id',
    '/%2e%2e/%2e%2e/openstack',
    '/latest/meta-data/%00',
    '/%zz%zz',
    '/latest/' + 'a'.repeat(8192),
    '/./'.repeat(2731) + 'latest/meta-data/instance-id',
    '/..'.repeat(2731) + '/openstack',
    '/'.repeat(8192),
    '/latest/meta-data/ünïcødé/😀',
    '/latest/meta-data/\ud800',
    '/openstack/latest/%F0%9F%98%80',
    '/latest/meta-data/constructor',
    '/latest/meta-data/__proto__',
    '/openstack/latest/constructor',
    '/openstack/__proto__',
    '/latest/meta-data/public-keys/0/openssh-key/x/y',
    '/latest/meta-data/security-groups/default',
    '/latest/user-data/x',
    '?',
    '#',
  ];
  for (const raw of hostile) {
    const result = render(raw);
    assert.ok(
      result.kind === 'document' || result.kind === 'not-found',
      `${raw.slice(0, 40)} → ${result.kind}`,
    );
  }
});

test('hostile paths that resolve to real names answer those names', () => {
  assert.equal(bodyText(render('/../../../../latest/meta-data/instance-id')), 'i-00000001');
  assert.equal(bodyText(render('/./'.repeat(2731) + 'latest/meta-data/instance-id')), 'i-00000001');
  assert.match(bodyText(render('/..'.repeat(2731) + '/openstack')), /^2012-08-10\n/);
  assert.equal(render('/latest/meta-data/constructor').kind, 'not-found');
  assert.equal(render('/openstack/latest/constructor').kind, 'not-found');
});
