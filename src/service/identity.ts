// Who is asking: the result of identifying a guest request, whatever the way in.
import type { LogFields } from '../log.js';

export interface Identity {
  instanceUuid: string;
  /** Revision known at lookup time, when the lookup saw it (cache key). */
  revision?: number;
  /** Signed requests name a project; the instance must belong to it (else 404, §2.14.1). */
  expectedProjectId?: string;
  /** The guest's address as the way in knows it (local-ipv4 fallback, logs). */
  address?: string;
}

export type IdentifyResult =
  | { ok: true; identity: Identity }
  | {
      ok: false;
      status: 400 | 403 | 404 | 500;
      /** The explanation on the error page (Nova's wording where Nova has one). */
      explanation?: string;
      /** Logged as a warning: says which lookup failed and why. */
      log: { event: string; msg: string; fields: LogFields };
    };

export type Identifier = (req: {
  headers: Record<string, string | string[] | undefined>;
  peerAddress: string;
}) => IdentifyResult;

/** One header value; a repeated header (node joins them with ", ") stays joined, which no lookup matches. */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
