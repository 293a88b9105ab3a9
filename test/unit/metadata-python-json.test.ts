// Expected strings are what CPython's json.dumps printed for the same values (pasted, so the tests
// need no Python at run time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonJson, pythonJsonString } from '../../src/metadata/python-json.js';

test('pythonJson() uses Python separators and spellings for containers and literals', () => {
  const value = { uuid: 'x', n: 0, t: true, f: false, z: null, l: [1, [2, {}], []] };
  assert.equal(
    pythonJson(value),
    '{"uuid": "x", "n": 0, "t": true, "f": false, "z": null, "l": [1, [2, {}], []]}',
  );
});

test('pythonJson() escapes quotes, backslashes and controls as json.dumps does, leaving "/" alone', () => {
  assert.equal(
    pythonJson('q"b\\s/\b\f\n\r\t\u0000\u0001\u001f\u007f'),
    '"q\\"b\\\\s/\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\\u007f"',
  );
});

test('pythonJson() applies ensure_ascii with lower-case hex and surrogate pairs for astral characters', () => {
  assert.equal(
    pythonJson('café \u2028 \uffff 😀 \u0080'),
    '"caf\\u00e9 \\u2028 \\uffff \\ud83d\\ude00 \\u0080"',
  );
  assert.equal(pythonJsonString('\ud800x'), '"\\ud800x"');
});

test('pythonJson() prints floats as float.__repr__ and safe integers as ints', () => {
  const floats = [
    1.5,
    0.1,
    1e16,
    1e15 + 0.5,
    1e-5,
    0.0001,
    2.5e-7,
    123456.789,
    -3.25,
    1.7976931348623157e308,
    5e-324,
  ];
  assert.equal(
    pythonJson(floats),
    '[1.5, 0.1, 1e+16, 1000000000000000.5, 1e-05, 0.0001, 2.5e-07, 123456.789, -3.25, 1.7976931348623157e+308, 5e-324]',
  );
  assert.equal(pythonJson([0, -7, 2 ** 53 - 1]), '[0, -7, 9007199254740991]');
  assert.equal(pythonJson(9007199254740993n), '9007199254740993');
  assert.equal(pythonJson([NaN, Infinity, -Infinity]), '[NaN, Infinity, -Infinity]');
});

test('pythonJson() keeps a Map in insertion order, integer-like keys included', () => {
  const doc = new Map<string, number>([
    ['10', 1],
    ['a', 2],
    ['2', 3],
  ]);
  assert.equal(pythonJson(doc), '{"10": 1, "a": 2, "2": 3}');
});

test('pythonJson() refuses values Python could not serialise', () => {
  assert.throws(() => pythonJson(() => 1), TypeError);
  assert.throws(() => pythonJson(new Date(0)), TypeError);
});
