// The token hop limit (issue 7 item 3) as one nftables table per namespace: token replies leave
// the guest-facing interface with a small IP TTL, so a container behind the guest's NAT — one more
// hop — never receives a token, while the guest itself does (AWS HttpPutResponseHopLimit).
//
// Node cannot set IP_TTL on a TCP socket, so the table recognises token exchanges itself: the
// service's listener lives in this namespace in every mode, so each request passes its input hook
// and each reply its output hook. A client data segment whose first byte is "P" (PUT, also POST;
// or CR/LF, which parsers skip before a request line)
// marks the connection (one conntrack mark bit, ORed in, so other users of the mark keep theirs);
// every later packet the service sends on a marked connection gets `ip ttl set N`. One byte cannot
// be split across segments, so "P" + "UT /latest/api/token" in two writes is still caught; a PUT
// pipelined behind another request in the same segment is refused by the service instead (400,
// token-route.ts; docs/network.md "Token hop limit").
import { METADATA_REDIRECT_PORT, nftString } from './nft-ruleset.js';
import { METADATA_ADDRESS } from './onlink-commands.js';
import type { AttachMode } from '../model/network.js';

export const TOKEN_NFT_TABLE = 'ip openimds_token';
/** The conntrack mark bit of connections that carried a PUT or POST to the listener. */
export const TOKEN_CT_MARK = '0x00004000';
/**
 * "P", the first byte of PUT (and POST), at the start of a TCP payload (`@ih` = inner header, the
 * data); also CR and LF, which HTTP parsers skip before a request line, so "\r\nPUT …" is caught too.
 */
const FIRST_BYTE_P = '@ih,0,8 { 0x50, 0x0d, 0x0a }';

export interface HopLimitInterface {
  interface: string;
  networkId: string;
  mode: AttachMode;
  /** 1..64: the TTL token replies leave with. */
  hopLimit: number;
}

/** The whole `nft -f -` transaction; replaces the table, never appends to it. */
export function tokenHopRuleset(interfaces: readonly HopLimitInterface[]): string {
  const marks = interfaces.map(
    (r) =>
      `\t\tiifname ${nftString(r.interface)} ${listenerMatch(r.mode)} ${FIRST_BYTE_P} ` +
      `ct mark set ct mark or ${TOKEN_CT_MARK} comment ${nftString(`network ${r.networkId}`)}`,
  );
  const limits = interfaces.map(
    (r) =>
      `\t\toifname ${nftString(r.interface)} ct mark and ${TOKEN_CT_MARK} == ${TOKEN_CT_MARK} ` +
      `ip ttl set ${r.hopLimit} comment ${nftString(`network ${r.networkId}`)}`,
  );
  return [
    '# openimds: token replies leave with a small IP TTL (token_hop_limit, as AWS HttpPutResponseHopLimit)',
    `table ${TOKEN_NFT_TABLE}`,
    `delete table ${TOKEN_NFT_TABLE}`,
    `table ${TOKEN_NFT_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    '\t\t# a request segment starting with "P" (PUT /latest/api/token; also POST) marks its connection',
    ...marks,
    '\t}',
    '\tchain output {',
    '\t\ttype filter hook output priority filter; policy accept;',
    '\t\t# what the service sends on a marked connection: its TTL runs out one hop behind the guest',
    ...limits,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** Where the listener is: 169.254.169.254:80 on the link, or :9697 behind the router redirect. */
function listenerMatch(mode: AttachMode): string {
  return mode === 'router'
    ? `tcp dport ${METADATA_REDIRECT_PORT} ct status dnat`
    : `ip daddr ${METADATA_ADDRESS} tcp dport 80`;
}
