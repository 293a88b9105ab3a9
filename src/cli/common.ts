// Options every command takes, and the run wrapper that turns errors into exit codes.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { ImdsError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { EditDeps } from '../service/inventory-edit.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { loadConfig } from './load-config.js';
import { PROCESS_IO, reportError, type Io } from './output.js';

export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'YAML config file (env OPENIMDS_CONFIG; default /etc/openimds/openimds.yaml if present)',
    )
    .option('--data-dir <dir>', 'data directory (env OPENIMDS_DATA_DIR; default /var/lib/openimds as root)')
    .option(
      '--database <file>',
      'SQLite database (env OPENIMDS_DATABASE; default <data-dir>/openimds.sqlite)',
    )
    .option('--log-level <level>', 'debug | info | warn | error (env OPENIMDS_LOG_LEVEL)')
    .option('--log-format <format>', 'auto | json | text (env OPENIMDS_LOG_FORMAT)');
}

export interface Context {
  config: Config;
  log: Logger;
  io: Io;
}

export function makeContext(flags: Record<string, unknown>, io: Io = PROCESS_IO): Context {
  const { config } = loadConfig(flags);
  const format = config.logFormat === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : config.logFormat;
  return { config, log: createLogger({ level: config.logLevel, format }), io };
}

/**
 * What `openimds serve` waits for another process's write lock (a long `openimds apply`) before a write
 * of its own fails with STORE_UNAVAILABLE (503 to a guest or admin client, who retry): the wait blocks
 * the event loop, so every guest would wait with it.
 */
export const SERVICE_BUSY_TIMEOUT_MS = 200;

export function openStore(config: Config, opts: { busyTimeoutMs?: number } = {}): Store {
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ImdsError(
      (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'STORE_FULL' : 'STORE_UNAVAILABLE',
      `Cannot create the data directory "${config.dataDir}": ${(err as NodeJS.ErrnoException).code}`,
      {
        hint: 'Choose a writable directory with --data-dir (or run as root for /var/lib/openimds)',
      },
    );
  }
  return openSqliteStore({ path: config.database, ...opts });
}

export function editDeps(store: Store): EditDeps {
  return { store, newId: randomUUID, randomBytes, readFile: (p) => readFileSync(resolve(p)) };
}

/** Runs a command body, mapping errors to exit codes; `--json` errors are printed as JSON. */
export async function run(
  flags: Record<string, unknown>,
  body: () => Promise<number | void> | number | void,
): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (err) {
    process.exitCode = reportError(err, PROCESS_IO, flags['json'] === true);
  }
}

/** `run` with a context and an open store, closed afterwards whatever happens. */
export function runWithStore(
  flags: Record<string, unknown>,
  body: (ctx: Context, store: Store) => number | void,
): Promise<void> {
  return run(flags, () => {
    const ctx = makeContext(flags);
    const store = openStore(ctx.config);
    try {
      return body(ctx, store);
    } finally {
      store.close();
    }
  });
}

/** Resolves on the first SIGINT or SIGTERM (long-running commands stop cleanly with exit 0). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
