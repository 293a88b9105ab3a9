// A small tmpfs of our own (needs root), unmounted when the test ends even on failure, and a way to
// fill it. The filler refuses to write anywhere but a tmpfs no larger than asked for, so a failed
// mount can never make a test fill the machine's real disk.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function mountTmpfs(t: TestContext, sizeBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'openimds-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  t.after(() => {
    // Lazy when a process still holds a file there: detached now, freed when it exits.
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
    rmdirSync(dir);
  });
  return dir;
}

function isSmallTmpfs(dir: string, maxBytes: number): boolean {
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => {
      const [, point, type] = line.split(' ');
      return point === dir && type === 'tmpfs';
    });
  const s = statfsSync(dir);
  return mounted && s.blocks * s.bsize <= maxBytes;
}

/** Writes a file in `dir` until the filesystem is full; returns a function that frees the space. */
export function fillTmpfs(dir: string, maxBytes: number): () => void {
  if (!isSmallTmpfs(dir, maxBytes))
    throw new Error(`Refusing to fill "${dir}": not a tmpfs of at most ${maxBytes} bytes`);
  const file = join(dir, 'filler');
  const fd = openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let written = 0; written <= maxBytes; written += chunk.length) {
      try {
        writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        // The last partial block: fill byte by byte down to nothing.
        for (let small = 4096; small >= 1; small >>= 1) {
          try {
            while (true) writeSync(fd, chunk, 0, small);
          } catch {
            // ENOSPC at this size: try smaller
          }
        }
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return () => rmSync(file, { force: true });
}
