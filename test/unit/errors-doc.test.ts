import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, EXIT_CODES } from '../../src/errors.js';

const doc = readFileSync('docs/errors.md', 'utf8');

test('docs/errors.md lists every error code with its status, exit code and meaning', () => {
  const rows = new Map<string, string[]>();
  for (const m of doc.matchAll(/^\| `([A-Z_0-9]+)` \| (\d+) \| (\d+) \| (.*) \|$/gm))
    rows.set(m[1]!, [m[2]!, m[3]!, m[4]!]);
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = rows.get(code);
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    assert.deepEqual(
      row,
      [String(spec.status), String(spec.exit), spec.doc],
      `row for ${code} differs from src/errors.ts`,
    );
  }
  assert.deepEqual(
    [...rows.keys()].sort(),
    Object.keys(ERRORS).sort(),
    'docs/errors.md lists codes that src/errors.ts does not have',
  );
});

test('docs/errors.md lists every exit code', () => {
  for (const code of new Set(Object.values(EXIT_CODES))) {
    assert.match(doc, new RegExp(`^\\| ${code} \\| `, 'm'), `exit code ${code} is not documented`);
  }
});
