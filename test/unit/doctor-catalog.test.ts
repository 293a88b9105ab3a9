import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG } from '../../src/doctor/catalog.js';

const doc = readFileSync('docs/doctor.md', 'utf8');

test('docs/doctor.md documents every finding id with its cause and fix', () => {
  for (const [id, entry] of Object.entries(CATALOG)) {
    const at = doc.indexOf(`### \`${id}\``);
    assert.ok(at >= 0, `docs/doctor.md has no section for ${id}`);
    const section = doc.slice(at, doc.indexOf('\n### ', at + 1) >>> 0 || undefined);
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    assert.ok(
      flat(section).includes(flat(entry.cause)),
      `the cause of ${id} differs from src/doctor/catalog.ts`,
    );
    assert.ok(flat(section).includes(flat(entry.fix)), `the fix of ${id} differs from src/doctor/catalog.ts`);
  }
});

test('docs/doctor.md lists no id that the doctor does not have', () => {
  const documented = [...doc.matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]!);
  assert.deepEqual(documented.sort(), Object.keys(CATALOG).sort());
});
