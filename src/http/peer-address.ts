// The guest's address as the namespace proxy reports it in X-Forwarded-For: from the socket only,
// never from a header (DESIGN.md, "The request path" step 1).
import { normalizeAddress } from '../ip/address.js';

/**
 * A dual-stack listener reports IPv4 guests as ::ffff:a.b.c.d (→ a.b.c.d, as haproxy's agent
 * expects, §3.5.2); node appends the interface to an IPv6 link-local peer ("fe80::…%eth0"), which the
 * tagged listener does not need: it finds such a guest by the MAC inside the address.
 */
export function peerAddress(remote: string | undefined): string | undefined {
  return normalizeAddress((remote ?? '').replace(/%.*$/, ''));
}
