// Opens the SQLite file with the settings the store relies on, and turns every way that can fail
// into one STORE_UNAVAILABLE (or STORE_FULL) error that names the file and says what to check.
import Database from 'better-sqlite3';
import { ImdsError } from '../errors.js';
import { isStoreFull, storeFullError } from './sqlite-errors.js';
import { checkSchema, migrate } from './sqlite-migrate.js';

/** How long a writer waits for another process's transaction before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  path: string;
  readonly: boolean;
  now: () => Date;
  /** busy_timeout after opening (opening and migrating always wait BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path, readonly } = options;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    applyPragmas(db, readonly);
    if (readonly) checkSchema(db, path);
    else migrate(db, path, options.now);
    if (options.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof ImdsError) throw err;
    if (isStoreFull(path, err)) throw storeFullError(path, 'open', err);
    throw new ImdsError('STORE_UNAVAILABLE', `Cannot open store "${path}" as SQLite failed: ${reason(err)}`, {
      hint: 'Check that the directory exists and is writable by this user, and that the file is an openimds SQLite database',
      cause: err,
    });
  }
}

function applyPragmas(db: Database.Database, readonly: boolean): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL: readers (the request path) never wait for a writer, and other processes see commits at once.
  // Persistent in the file, so a read-only open inherits it (and could not set it).
  if (!readonly) db.pragma('journal_mode = WAL');
  // FULL: in WAL mode NORMAL may lose the last commits on power loss, and a guest's password POST
  // must stay stored once acknowledged (reference §2.12: it is write-once).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Reading anything makes SQLite check the header now, so a non-database file fails here, at open.
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
