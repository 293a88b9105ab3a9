// JSON-lines logs (one object per line, for journald and log shippers) or a readable line per event
// for a terminal. Events are named `component.event` in the past tense (STYLE.md "Naming").

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, msg: string, fields?: LogFields): void;
  info(event: string, msg: string, fields?: LogFields): void;
  warn(event: string, msg: string, fields?: LogFields): void;
  error(event: string, msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'text';
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const min = RANK[options.level];
  const emit = (level: LogLevel, event: string, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < min) return;
    const all = { ...base, ...fields };
    write(
      options.format === 'json'
        ? jsonLine(now(), level, event, msg, all)
        : textLine(now(), level, event, msg, all),
    );
  };
  return {
    debug: (e, m, f) => emit('debug', e, m, f),
    info: (e, m, f) => emit('info', e, m, f),
    warn: (e, m, f) => emit('warn', e, m, f),
    error: (e, m, f) => emit('error', e, m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests, --quiet). */
export const SILENT_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => SILENT_LOGGER,
};

function jsonLine(time: Date, level: LogLevel, event: string, msg: string, fields: LogFields): string {
  return JSON.stringify({ time: time.toISOString(), level, event, msg, ...serialisable(fields) });
}

function textLine(time: Date, level: LogLevel, event: string, msg: string, fields: LogFields): string {
  const extra = Object.entries(serialisable(fields))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  const hh = time.toISOString().slice(11, 23);
  return `${hh} ${level.toUpperCase().padEnd(5)} ${event}: ${msg}${extra ? '  ' + extra : ''}`;
}

/** Errors become {code, message}; everything else passes through. */
function serialisable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] =
      v instanceof Error ? { message: v.message, code: (v as { code?: unknown }).code, stack: v.stack } : v;
  }
  return out;
}
