// The token hop limit of an attached network (issue 7 item 3): the IP TTL that openimds' nft table
// gives token replies, after AWS's HttpPutResponseHopLimit (default 1, at most 64).
import type { Attachment } from '../model/network.js';

export const TOKEN_HOP_LIMIT_DEFAULT = 1;
export const TOKEN_HOP_LIMIT_MIN = 1;
export const TOKEN_HOP_LIMIT_MAX = 64;

/** The TTL token replies leave with, or null when the limit is off. Absent means the default. */
export function tokenHopLimit(attach: Attachment): number | null {
  return attach.tokenHopLimit === undefined ? TOKEN_HOP_LIMIT_DEFAULT : attach.tokenHopLimit;
}
