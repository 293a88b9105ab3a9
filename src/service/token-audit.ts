// http_tokens: audit — requests without a session token are served, counted per instance and logged
// (the first at once, then at most one line per instance per interval with the count since), so an
// operator can see which guests would break before switching them to required. Counts live in memory
// and start again at zero when the service restarts; GET /v1/token-audit shows them.
import type { Logger } from '../log.js';

export interface TokenAuditEntry {
  instanceUuid: string;
  instanceName: string;
  /** Requests on token-covered paths that carried no token. */
  tokenless: number;
  /** Requests on token-covered paths that carried a valid token. */
  withToken: number;
  firstTokenlessAt: string | null;
  lastTokenlessAt: string | null;
  lastTokenlessPath: string | null;
}

export interface TokenAudit {
  record(instance: { uuid: string; name: string }, path: string, hadToken: boolean): void;
  /** Instances with at least one tokenless request first, most tokenless first. */
  snapshot(): TokenAuditEntry[];
}

export interface TokenAuditOptions {
  now: () => number;
  log: Logger;
  /** At most one log line per instance per this many ms (default one minute). */
  logEveryMs?: number;
  /** Instances tracked at once; the least recently seen is forgotten beyond it (default 100,000). */
  maxInstances?: number;
}

interface Slot {
  entry: TokenAuditEntry;
  loggedAt: number;
  unloggedTokenless: number;
}

export function createTokenAudit(opts: TokenAuditOptions): TokenAudit {
  const logEveryMs = opts.logEveryMs ?? 60_000;
  const maxInstances = opts.maxInstances ?? 100_000;
  // A Map keeps insertion order: re-inserting on each request keeps the least recent first.
  const slots = new Map<string, Slot>();

  return {
    record(instance, path, hadToken) {
      let slot = slots.get(instance.uuid);
      if (slot === undefined) {
        slot = {
          entry: {
            instanceUuid: instance.uuid,
            instanceName: instance.name,
            tokenless: 0,
            withToken: 0,
            firstTokenlessAt: null,
            lastTokenlessAt: null,
            lastTokenlessPath: null,
          },
          loggedAt: -Infinity,
          unloggedTokenless: 0,
        };
        if (slots.size >= maxInstances) slots.delete(slots.keys().next().value!);
      } else {
        slots.delete(instance.uuid);
      }
      slots.set(instance.uuid, slot);
      const e = slot.entry;
      e.instanceName = instance.name;
      if (hadToken) {
        e.withToken++;
        return;
      }
      const now = opts.now();
      const at = new Date(now).toISOString();
      e.tokenless++;
      e.firstTokenlessAt ??= at;
      e.lastTokenlessAt = at;
      e.lastTokenlessPath = path;
      slot.unloggedTokenless++;
      if (now - slot.loggedAt < logEveryMs) return;
      opts.log.warn(
        'token.audit',
        `Instance "${instance.name}" read "${path}" without a session token` +
          (slot.unloggedTokenless > 1
            ? ` (${slot.unloggedTokenless} such requests since the last report)`
            : '') +
          '; it would get 401 under http_tokens: required',
        { instanceId: instance.uuid, path, tokenless: e.tokenless, withToken: e.withToken },
      );
      slot.loggedAt = now;
      slot.unloggedTokenless = 0;
    },
    snapshot() {
      return [...slots.values()]
        .map((s) => ({ ...s.entry }))
        .sort((a, b) => b.tokenless - a.tokenless || a.instanceName.localeCompare(b.instanceName));
    },
  };
}
