// Secrets come from a file or an environment variable, never from a flag value (which `ps` shows).
// They are never logged. A file others can read gets a warning.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ImdsError } from '../errors.js';
import type { Logger } from '../log.js';

export interface SecretSource {
  file: string;
  envVar: string;
  what: string;
}

/** The secret's value, or undefined when neither the file nor the variable is set. */
export function readSecret(source: SecretSource, env: NodeJS.ProcessEnv, log: Logger): string | undefined {
  const fromEnv = env[source.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (source.file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (err) {
    throw new ImdsError(
      'SECRET_UNAVAILABLE',
      `Cannot read the ${source.what} from "${source.file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: `Create the file (mode 0600) or set ${source.envVar}`,
      },
    );
  }
  warnIfLoose(source.file, source.what, log);
  // A trailing newline from `echo secret > file` is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** Reads the admin token, generating it (0600) on first start; `created` says whether it was made now. */
export function ensureAdminToken(
  file: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
): { token: string; created: boolean } {
  const fromEnv = env['OPENIMDS_ADMIN_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, created: false };
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token !== '') {
      warnIfLoose(file, 'admin token', log);
      return { token, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ImdsError(
        'SECRET_UNAVAILABLE',
        `Cannot read the admin token from "${file}": ${(err as NodeJS.ErrnoException).code}`,
        {
          hint: 'Fix the file permissions, or set OPENIMDS_ADMIN_TOKEN',
        },
      );
    }
  }
  const token = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, created: true };
}

/** A random key kept in a file (0600), e.g. the session-token key, so tokens survive a restart. */
export function ensureKeyFile(file: string): Buffer {
  try {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch {
    // absent: create it below
  }
  const key = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

function warnIfLoose(file: string, what: string, log: Logger): void {
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o004) !== 0) {
      log.warn(
        'secret.world_readable',
        `The ${what} file "${file}" is readable by every user (mode ${mode.toString(8)})`,
        {
          hint: `chmod 600 ${file}`,
        },
      );
    }
  } catch {
    // unreadable stat: the read above already failed or succeeded; nothing to add
  }
}
