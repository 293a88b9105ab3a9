// Which SQLite failures mean "the store cannot be used right now" (locked, read-only, full disk,
// broken file) rather than a bug: those become STORE_UNAVAILABLE, or STORE_FULL when the
// filesystem has no room left, naming the file and saying what to do.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ImdsError } from '../errors.js';

/** Result-code families (extended codes start with these) that the operator, not the code, must fix. */
const UNAVAILABLE_CODES = [
  'SQLITE_BUSY', // another process held the write lock past busy_timeout
  'SQLITE_LOCKED',
  'SQLITE_READONLY', // a read-only open, or file permissions
  'SQLITE_FULL', // disk full
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB', // the path is some other kind of file
  'SQLITE_PERM',
  'SQLITE_PROTOCOL',
];

/**
 * Below this much free space a failed write or open is put down to a full filesystem: SQLite says
 * SQLITE_FULL when a write to the database or WAL hits ENOSPC, but only SQLITE_IOERR_SHMSIZE or
 * SQLITE_CANTOPEN when it cannot create the 32 KiB -shm file, which every opening needs in WAL mode.
 */
export const STORE_FULL_BELOW_BYTES = 64 * 1024;

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const inFamily = (code: string, family: string): boolean => code === family || code.startsWith(`${family}_`);

export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && UNAVAILABLE_CODES.some((c) => inFamily(code, c));
}

/** Free space (for this user) and free inodes of the filesystem holding `dir`; undefined if unknown. */
export type FreeSpace = (dir: string) => { bytes: number; inodes: number | undefined } | undefined;

export const statfsFreeSpace: FreeSpace = (dir) => {
  try {
    const s = statfsSync(dir);
    // Root may use the reserved blocks (bfree); others only bavail.
    const blocks = process.getuid?.() === 0 ? s.bfree : s.bavail;
    return { bytes: blocks * s.bsize, inodes: s.files > 0 ? s.ffree : undefined };
  } catch {
    return undefined;
  }
};

/** SQLITE_FULL, or an I/O or open failure on a filesystem with (almost) no room or no inodes left. */
export function isStoreFull(path: string, err: unknown, freeSpace: FreeSpace = statfsFreeSpace): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  if (inFamily(code, 'SQLITE_FULL')) return true;
  if (!inFamily(code, 'SQLITE_IOERR') && !inFamily(code, 'SQLITE_CANTOPEN')) return false;
  if (path === ':memory:' || path === '') return false;
  const free = freeSpace(dirname(path));
  return free !== undefined && (free.bytes < STORE_FULL_BELOW_BYTES || free.inodes === 0);
}

export function storeFullError(path: string, doing: string, err: unknown): ImdsError {
  const { message, code } = err as { message: string; code: string };
  return new ImdsError(
    'STORE_FULL',
    `Cannot ${doing} store "${path}" as its filesystem is full: ${message} (${code})`,
    {
      hint: `Free space on the filesystem of "${dirname(path)}" (df -h, df -i), then retry; nothing was written, and a running openimds serve keeps answering guests from what is stored`,
      cause: err,
    },
  );
}

/** Leaves ImdsErrors and bugs alone; wraps availability failures with the path and a hint. */
export function translateStoreError(
  path: string,
  doing: string,
  err: unknown,
  freeSpace: FreeSpace = statfsFreeSpace,
): unknown {
  if (err instanceof ImdsError || !isUnavailable(err)) return err;
  if (isStoreFull(path, err, freeSpace)) return storeFullError(path, doing, err);
  const { message, code } = err as { message: string; code: string };
  return new ImdsError(
    'STORE_UNAVAILABLE',
    `Cannot ${doing} store "${path}" as SQLite failed: ${message} (${code})`,
    {
      hint: 'Check disk space and permissions, that the store is not opened read-only, and that no process holds a long write transaction',
      cause: err,
    },
  );
}
