import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, EXIT_CODES } from '../../src/errors.js';

const doc = readFileSync('docs/errors.md', 'utf8');

/** Markdown table rows as trimmed cells (padding from the formatter does not matter). */
function rows(): string[][] {
  return doc
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

test('docs/errors.md lists every error code with its status, exit code and meaning', () => {
  const byCode = new Map<string, string[]>();
  for (const cells of rows()) {
    const m = /^`([A-Z_0-9]+)`$/.exec(cells[0] ?? '');
    if (m) byCode.set(m[1]!, cells.slice(1));
  }
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = byCode.get(code);
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    assert.deepEqual(
      row,
      [String(spec.status), String(spec.exit), spec.doc],
      `row for ${code} differs from src/errors.ts`,
    );
  }
  assert.deepEqual(
    [...byCode.keys()].sort(),
    Object.keys(ERRORS).sort(),
    'docs/errors.md lists codes that src/errors.ts does not have',
  );
});

test('docs/errors.md lists every exit code', () => {
  const documented = new Set(
    rows()
      .filter((c) => c.length === 2)
      .map((c) => c[0]),
  );
  for (const code of new Set(Object.values(EXIT_CODES))) {
    assert.ok(documented.has(String(code)), `exit code ${code} is not documented`);
  }
});
