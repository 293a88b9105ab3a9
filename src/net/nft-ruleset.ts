// Router mode: the redirect Neutron's L3 agent installs in qrouter-<id> (reference §3.2), as one
// nftables table that openimds owns and always replaces whole.
//
// Neutron uses three iptables rules around a mark: mangle PREROUTING marks TCP/80 to
// 169.254.169.254 from qr-+, nat PREROUTING REDIRECTs it to 9697, and filter INPUT accepts marked
// packets and drops any other TCP to 9697. The mark is set in mangle because a mark set in a nat
// chain would be on the first packet only: nat chains see just the first packet of a connection.
// We need no mark: REDIRECT is a form of DNAT, so conntrack flags the redirected connection
// IPS_DST_NAT, and `ct status dnat` matches every packet of it, first to last. TCP to 9697 that was
// not redirected (a guest aiming at the port directly) has no such flag and is dropped.
import { ImdsError } from '../errors.js';
import { METADATA_ADDRESS } from './onlink-commands.js';

/** Neutron's metadata_port: where the redirect lands and the service listens (0.0.0.0:9697). */
export const METADATA_REDIRECT_PORT = 9697;
export const NFT_TABLE = 'ip openimds';

export interface RedirectInterface {
  /** Guest-facing interface in the router namespace (Neutron's qr-…). */
  interface: string;
  /** Network id, shown as the rule's comment. */
  networkId: string;
}

/**
 * The whole `nft -f -` transaction: create the table if missing, delete it, create it anew. nft
 * applies a file atomically, so re-applying replaces the table and never appends a second copy.
 */
export function nftRuleset(interfaces: readonly RedirectInterface[]): string {
  const redirects = interfaces.map(
    (r) =>
      `\t\tiifname ${nftString(r.interface)} ip daddr ${METADATA_ADDRESS} tcp dport 80 ` +
      `redirect to :${METADATA_REDIRECT_PORT} comment ${nftString(`network ${r.networkId}`)}`,
  );
  return [
    '# openimds: metadata redirect for router-mode networks (after Neutron L3 agent, reference 3.2)',
    `table ${NFT_TABLE}`,
    `delete table ${NFT_TABLE}`,
    `table ${NFT_TABLE} {`,
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    ...redirects,
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    '\t\t# a redirect is a DNAT: conntrack marks every packet of a redirected connection',
    `\t\ttcp dport ${METADATA_REDIRECT_PORT} ct status dnat accept`,
    `\t\ttcp dport ${METADATA_REDIRECT_PORT} drop`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** A quoted nft string; refuses what would end the quote or the line rather than escape it. */
export function nftString(text: string): string {
  if (/["\\\n\r\t]/.test(text) || /[^\x20-\x7e]/.test(text)) {
    throw new ImdsError('CONFIG_INVALID', `Cannot put ${JSON.stringify(text)} into an nft ruleset`, {
      hint: 'Use an interface name of printable ASCII without quotes or backslashes',
    });
  }
  return `"${text}"`;
}
