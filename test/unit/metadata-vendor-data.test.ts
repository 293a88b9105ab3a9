import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeVendorData } from '../../src/metadata/merge-vendor-data.js';
import { vendorData2Json, vendorDataJson } from '../../src/metadata/vendor-data-json.js';

test('vendorDataJson() serialises the static document in its key order', () => {
  assert.equal(vendorDataJson({ b: 1, a: { x: 'é' } }).toString(), '{"b": 1, "a": {"x": "\\u00e9"}}');
  assert.equal(vendorDataJson({}).toString(), '{}');
});

test('vendorData2Json() puts static first, then dynamic targets, dropping a name already present', () => {
  const body = vendorData2Json({ k: 1 }, [
    ['first', { a: 1 }],
    ['static', { hijack: true }],
    ['second', {}],
    ['first', { again: true }],
  ]);
  assert.equal(body.toString(), '{"static": {"k": 1}, "first": {"a": 1}, "second": {}}');
});

test('vendorData2Json() has no static key when StaticJSON is disabled', () => {
  assert.equal(vendorData2Json(null, []).toString(), '{}');
  assert.equal(vendorData2Json(null, [['static', 1]]).toString(), '{"static": 1}');
});

test('mergeVendorData() lays instance keys over static ones, one level deep', () => {
  const merged = mergeVendorData({ a: 1, b: { x: 1, y: 2 } }, { b: { x: 9 }, c: 3 });
  assert.deepEqual(merged, { a: 1, b: { x: 9 }, c: 3 });
  assert.deepEqual(Object.keys(merged!), ['a', 'b', 'c']);
});

test('mergeVendorData() shows nothing when StaticJSON is disabled, and static data alone otherwise', () => {
  assert.equal(mergeVendorData(null, { a: 1 }), null);
  assert.deepEqual(mergeVendorData({ a: 1 }, null), { a: 1 });
});
