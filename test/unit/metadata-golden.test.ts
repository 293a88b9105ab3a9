// Every web-1 response the real Nova (Zed) gave, rendered again by normalizePath + lookupMetadata:
// status class, content type and bytes must match (golden/README.md lists the only expected
// differences: random_seed's value, and 404 where Nova crashed with a 500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lookupMetadata, rootListing, ROOT_PATH } from '../../src/metadata/lookup.js';
import type { MetadataOptions } from '../../src/metadata/metadata-options.js';
import { APPLICATION_JSON, type MetadataResult } from '../../src/metadata/metadata-result.js';
import { normalizePath } from '../../src/metadata/normalize-path.js';
import { withSeed } from '../../src/metadata/seeded-document.js';
import { vendorData2Json } from '../../src/metadata/vendor-data-json.js';
import { conformanceDir, loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const dir = path.join(conformanceDir(), 'golden');
const { record, vendorData } = loadNovaWeb1();

// The golden answers came from Zed, whose version table ends at 2020-10-14. Its release day is a
// date on which our later row (2025-04-04) is still in the future and therefore hidden from
// GET /openstack — exactly what Zed would have listed had it known that version.
const ZED_RELEASE_DAY = '2022-10-05';
const opts: MetadataOptions = {
  dhcpDomain: 'novalocal',
  today: ZED_RELEASE_DAY,
  // The conformance requests carried X-Forwarded-For: <first fixed IPv4>.
  requestAddress: '10.0.0.15',
  staticVendorData: vendorData,
};

// The password file is the service's (GET/POST/PUT against the store); rendering only routes it.
const PASSWORD_ROWS = new Set(['064', '092', '093']);

interface GoldenRow {
  file: string;
  method: string;
  path: string;
  status: number;
}

interface GoldenResponse {
  status: number;
  contentType: string;
  contentLength: number;
  body: Buffer;
}

function goldenRows(): GoldenRow[] {
  const lines = readFileSync(path.join(dir, 'index.tsv'), 'utf8').trimEnd().split('\n').slice(1);
  return lines
    .map((line) => line.split('\t'))
    .map(([file = '', method = '', p = '', , status = '']) => ({
      file,
      method,
      path: p,
      status: Number(status),
    }))
    .filter((row) => row.file.startsWith('web-1/'));
}

function readGolden(file: string): GoldenResponse {
  const bytes = readFileSync(path.join(dir, file));
  const split = bytes.indexOf('\n\n');
  const headers = new Map(
    bytes
      .subarray(0, split)
      .toString('utf8')
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)] as const),
  );
  return {
    status: Number(headers.get('status')),
    contentType: headers.get('content-type') ?? '',
    contentLength: Number(headers.get('content-length')),
    body: bytes.subarray(split + 2),
  };
}

function render(rawPath: string): MetadataResult {
  const normalized = normalizePath(rawPath);
  if (normalized === undefined) return { kind: 'not-found' };
  // GET / is answered before the instance is identified (handler.py __call__).
  return normalized === ROOT_PATH ? rootListing() : lookupMetadata(record, normalized, opts);
}

const SEED = /"random_seed": "[A-Za-z0-9+/=]*"/;

// What the service sends for a result: a fresh seed spliced in, and vendor_data2.json completed with
// the dynamic targets' answers — none here, as the golden Nova ran StaticJSON only.
function served(result: MetadataResult): { contentType: string; body: Buffer } {
  if (result.kind === 'document') return result;
  if (result.kind === 'seeded')
    return { contentType: result.contentType, body: withSeed(result, randomBytes(512)) };
  if (result.kind === 'vendor-data2')
    return { contentType: APPLICATION_JSON, body: vendorData2Json(result.staticData, []) };
  assert.fail(`expected a body, got ${result.kind}`);
}

function assertSameBody(ours: Buffer, golden: GoldenResponse, method: string): void {
  assert.equal(ours.length, golden.contentLength, 'content-length');
  if (method === 'HEAD') return assert.equal(golden.body.length, 0);
  const seed = SEED.exec(ours.toString('utf8'));
  if (seed !== null) {
    const value = seed[0].slice('"random_seed": "'.length, -1);
    assert.equal(Buffer.from(value, 'base64').length, 512, 'random_seed decodes to 512 bytes');
    assert.equal(ours.toString().replace(SEED, 'SEED'), golden.body.toString().replace(SEED, 'SEED'));
    return;
  }
  assert.deepEqual(ours, golden.body);
}

for (const row of goldenRows()) {
  const number = path.basename(row.file).slice(0, 3);
  test(`golden ${number} ${row.method} ${row.path} answers as Nova did (${row.status})`, () => {
    const golden = readGolden(row.file);
    assert.equal(golden.status, row.status);
    const result = render(row.path);
    if (PASSWORD_ROWS.has(number)) return assert.equal(result.kind, 'password');
    if (golden.status !== 200) return assert.equal(result.kind, 'not-found', 'Nova 404 and 500 are 404 here');
    const { contentType, body } = served(result);
    assert.equal(contentType, golden.contentType);
    assertSameBody(body, golden, row.method);
  });
}
