// Refusals are logged once per situation, not once per request. A guest (or anyone) sending from an
// address no port has, or with a bad signature, in a loop would otherwise write one line per request:
// a flood of identical lines that fills disks and buries everything else. Here a line whose event and
// message were already logged within the window is counted instead, and the next line for it after
// the window says how many were left out (`repeated`). A budget over all messages bounds a flood from
// many addresses at once; what it leaves out is counted in the next line that is written
// (`droppedOverBudget`).
import type { LogFields, Logger } from '../log.js';

export interface RepeatLogOptions {
  /** How long an identical line stays suppressed after it was written. */
  windowMs: number;
  /** Lines written per window over all messages. */
  budget: number;
  /** Messages remembered at once (the oldest is forgotten first). */
  maxKeys: number;
  now?: () => number;
}

export const REPEAT_LOG_DEFAULTS: RepeatLogOptions = { windowMs: 10_000, budget: 50, maxKeys: 4096 };

export type RepeatLog = (event: string, msg: string, fields: LogFields) => void;

/** A warn() that writes each (event, message) at most once per window, within a budget of lines. */
export function createRepeatLog(log: Logger, opts: RepeatLogOptions = REPEAT_LOG_DEFAULTS): RepeatLog {
  const now = opts.now ?? Date.now;
  const seen = new Map<string, { writtenAt: number; repeated: number }>();
  let windowStart = -Infinity;
  let written = 0;
  let dropped = 0;

  return (event, msg, fields) => {
    const t = now();
    const key = `${event}\n${msg}`;
    const last = seen.get(key);
    if (last !== undefined && t - last.writtenAt < opts.windowMs) {
      last.repeated++;
      return;
    }
    if (t - windowStart >= opts.windowMs) {
      windowStart = t;
      written = 0;
    }
    if (written >= opts.budget) {
      dropped++;
      return;
    }
    written++;
    const extra: LogFields = {};
    if (last !== undefined && last.repeated > 0) extra['repeated'] = last.repeated;
    if (dropped > 0) extra['droppedOverBudget'] = dropped;
    dropped = 0;
    log.warn(event, msg, { ...fields, ...extra });
    seen.delete(key);
    if (seen.size >= opts.maxKeys) seen.delete(seen.keys().next().value!);
    seen.set(key, { writtenAt: t, repeated: 0 });
  };
}
