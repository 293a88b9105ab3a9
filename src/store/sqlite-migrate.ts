// Brings a database to the schema this code knows, one migration per transaction, and refuses a
// database written by a newer openimds (downgrading would silently drop what it stored).
import type Database from 'better-sqlite3';
import { ImdsError } from '../errors.js';
import { MIGRATIONS, type Migration } from './sqlite-migrations.js';

const CREATE_LEDGER = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`;

/** Applies the pending migrations; safe when several processes open a new file at once. */
export function migrate(
  db: Database.Database,
  path: string,
  now: () => Date,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  db.exec(CREATE_LEDGER);
  const current = db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck();
  const record = db.prepare<[number, string, string]>(
    'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
  );
  const latest = migrations.at(-1)?.version ?? 0;
  for (const m of migrations) {
    // Re-read inside BEGIN IMMEDIATE: another process may have applied it while we waited.
    db.transaction(() => {
      const version = current.get() ?? 0;
      if (version > latest) throw schemaTooNew(path, version, latest);
      if (version >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, m.description, now().toISOString());
    }).immediate();
  }
  const version = current.get() ?? 0;
  if (version > latest) throw schemaTooNew(path, version, latest);
}

/** Read-only opens cannot migrate: the file must already be at exactly this code's version. */
export function checkSchema(
  db: Database.Database,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  const hasLedger = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const version = hasLedger
    ? (db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() ?? 0)
    : 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (version > latest) throw schemaTooNew(path, version, latest);
  if (version < latest) {
    throw new ImdsError(
      'STORE_UNAVAILABLE',
      `Cannot open store "${path}" read-only as its schema needs migrating: version ${version}, this openimds needs ${latest}`,
      { hint: 'Open it once read-write (e.g. start `openimds serve`) so the migrations run, then retry' },
    );
  }
}

function schemaTooNew(path: string, version: number, latest: number): ImdsError {
  return new ImdsError(
    'STORE_SCHEMA_TOO_NEW',
    `Cannot open store "${path}" as a newer openimds wrote it: schema version ${version}, this one knows up to ${latest}`,
    {
      hint: 'Run the openimds version that wrote it (or newer), or restore a backup taken before the upgrade',
    },
  );
}
