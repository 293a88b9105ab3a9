// Fresh temporary directories for tests, removed when the test (or the file's tests) end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';

/**
 * A new mkdtemp directory. With a test context it is removed when that test ends; without one,
 * when the enclosing suite (or the file) ends.
 */
export function makeTmpDir(t?: TestContext, prefix = 'openimds-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (t === undefined) after(remove);
  else t.after(remove);
  return dir;
}
