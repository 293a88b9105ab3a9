// Which SQLite failures mean "the store cannot be used right now" (locked, read-only, full disk,
// broken file) rather than a bug: those become STORE_UNAVAILABLE, naming the file.
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

export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

/** Leaves ImdsErrors and bugs alone; wraps availability failures with the path and a hint. */
export function translateStoreError(path: string, doing: string, err: unknown): unknown {
  if (err instanceof ImdsError || !isUnavailable(err)) return err;
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
