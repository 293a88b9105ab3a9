// IMDSv2 session tokens on the EC2 paths (issue 3 §4, AWS behaviour in reference/peers.md §2.1).
import { parseTokenTtl, type TokenIssuer } from '../auth/session-token.js';
import { errorResponse, TEXT_CONTENT_TYPE } from '../http/error-page.js';
import type { GuestRequest, GuestResponse } from '../http/guest-request.js';
import { headerValue } from './identity.js';

const TOKEN_PATHS = new Set(['/latest/api/token', '/ec2/latest/api/token']);

/** True for the token path, in any form a client writes it (normalised path). */
export function isTokenPath(path: string): boolean {
  return TOKEN_PATHS.has(path) || /^\/(ec2\/)?[^/]+\/api\/token$/.test(path);
}

export function tokenRoute(
  req: GuestRequest,
  path: string,
  instanceUuid: string,
  tokens: TokenIssuer,
  guestIsPeer: boolean,
): GuestResponse {
  if (!TOKEN_PATHS.has(path)) return errorResponse(403, 'Tokens are issued at /latest/api/token only.'); // AWS: versioned token path → 403
  if (req.method !== 'PUT') return errorResponse(405, 'The token path takes PUT.', { allow: 'PUT' });
  // AWS refuses token PUTs carrying X-Forwarded-For: a proxy in the guest relayed them (SSRF).
  if (guestIsPeer && req.headers['x-forwarded-for'] !== undefined) {
    return errorResponse(403, 'Tokens are not issued to requests forwarded by a proxy (X-Forwarded-For).');
  }
  // A PUT pipelined behind another request shares its TCP segment, where the hop limit's nft rule
  // (which looks at the first byte of a segment) cannot see it; no real client pipelines a token PUT.
  if (guestIsPeer && req.pipelined === true) {
    return errorResponse(400, 'A token request must not be pipelined behind another request.');
  }
  const header = headerValue(req.headers, 'x-aws-ec2-metadata-token-ttl-seconds');
  const ttl = parseTokenTtl(header);
  if (ttl === undefined) {
    return errorResponse(
      400,
      header === undefined
        ? 'X-aws-ec2-metadata-token-ttl-seconds header is missing from request.'
        : `X-aws-ec2-metadata-token-ttl-seconds must be 1..21600 seconds: current value is ${JSON.stringify(header.slice(0, 32))}`,
    );
  }
  return {
    status: 200,
    headers: { 'content-type': TEXT_CONTENT_TYPE, 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) },
    body: Buffer.from(tokens.issue(instanceUuid, ttl), 'utf8'),
  };
}

/** For EC2 data paths: a token that is sent must be valid; no token is fine (tokens optional). */
export function tokenProblem(
  req: GuestRequest,
  instanceUuid: string,
  tokens: TokenIssuer,
): GuestResponse | undefined {
  const token = headerValue(req.headers, 'x-aws-ec2-metadata-token');
  if (token === undefined) return undefined;
  const verdict = tokens.check(instanceUuid, token);
  if (verdict === 'valid') return undefined;
  return errorResponse(
    401,
    verdict === 'expired' ? 'The session token has expired.' : 'The session token is not valid.',
  );
}
