// Prerequisites of a test (root, a Debian package's binary). Outside CI a missing one skips the test
// with the reason; under CI=true it fails the test: CI must never pass by skipping silently.
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const IN_CI = process.env.CI === 'true';

/** Returns a reason when something is missing, undefined when all is there. */
export function missingPrereq(opts: {
  root?: boolean;
  commands?: string[];
  files?: string[];
}): string | undefined {
  if (opts.root === true && process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const cmd of opts.commands ?? []) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    } catch {
      return `needs the command "${cmd}" (see .ci/run for the package)`;
    }
  }
  for (const file of opts.files ?? []) {
    try {
      execFileSync('test', ['-e', file]);
    } catch {
      return `needs the file "${file}" (see .ci/run for the package)`;
    }
  }
  return undefined;
}

/**
 * Call at the top of a test: returns false (and skips, or fails under CI) when a prerequisite is
 * missing. `if (!requirePrereq(t, {...})) return;`
 */
export function requirePrereq(t: TestContext, opts: Parameters<typeof missingPrereq>[0]): boolean {
  const reason = missingPrereq(opts);
  if (reason === undefined) return true;
  if (IN_CI) throw new Error(`Missing prerequisite under CI=true: ${reason}`);
  t.skip(reason);
  return false;
}
