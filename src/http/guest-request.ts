// The guest-facing core works on these plain values, not on node:http objects, so it can be driven
// in memory by tests (STYLE.md: a pure core with a thin runtime adapter).
import type { IncomingHttpHeaders } from 'node:http';

export interface GuestRequest {
  method: string;
  /** Request target as sent (path and query, still percent-encoded). */
  url: string;
  /** Lower-case header names; repeated headers joined by ", " (as node:http does). */
  headers: IncomingHttpHeaders;
  /** TCP peer address, normalised (IPv4-mapped IPv6 → IPv4); "" for a UNIX socket. */
  peerAddress: string;
  /** Body bytes for POST/PUT (at most BODY_MAX_BYTES); empty otherwise. */
  body: Buffer;
  /** True when the body was longer than BODY_MAX_BYTES (the rest was not read). */
  bodyTooLarge: boolean;
  /** True when an earlier request on the same connection was still unanswered (HTTP pipelining). */
  pipelined?: boolean;
}

export interface GuestResponse {
  status: number;
  headers: Record<string, string>;
  /** Omitted for HEAD by the adapter, which still sends the length. */
  body: Buffer;
}

/** The most body a guest may send (a password is at most 1,020 bytes; reference §2.12). */
export const BODY_MAX_BYTES = 4096;

export type GuestHandler = (req: GuestRequest) => GuestResponse | Promise<GuestResponse>;
