// IMDSv2-style session tokens (PUT /latest/api/token, reference/peers.md §2.1). Stateless: a token
// carries its expiry and an HMAC over (instance uuid, expiry) with the service's token key, so it is
// bound to the instance that asked for it and needs no table; a restart with the same key keeps
// tokens valid. The token text holds no instance id (nothing to learn from it).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_TTL_MIN_SECONDS = 1;
export const TOKEN_TTL_MAX_SECONDS = 21600;
/** Tokens longer than this are refused before any parsing (bounded input). */
const TOKEN_MAX_LENGTH = 128;

export interface TokenIssuer {
  issue(instanceUuid: string, ttlSeconds: number): string;
  /** 'valid' | 'expired' | 'invalid' (malformed, wrong instance, wrong key). */
  check(instanceUuid: string, token: string): 'valid' | 'expired' | 'invalid';
}

/** Parses the TTL header: a decimal integer 1..21600, else undefined. */
export function parseTokenTtl(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,6}$/.test(header.trim())) return undefined;
  const n = Number(header.trim());
  return n >= TOKEN_TTL_MIN_SECONDS && n <= TOKEN_TTL_MAX_SECONDS ? n : undefined;
}

export function createTokenIssuer(key: Buffer, now: () => number /* ms */): TokenIssuer {
  const mac = (uuid: string, expiry: number): Buffer =>
    createHmac('sha256', key).update(`${uuid}\n${expiry}`).digest();
  return {
    issue(instanceUuid, ttlSeconds) {
      const expiry = Math.floor(now() / 1000) + ttlSeconds;
      return `v1.${expiry}.${mac(instanceUuid, expiry).toString('base64url')}`;
    },
    check(instanceUuid, token) {
      if (token.length > TOKEN_MAX_LENGTH) return 'invalid';
      const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (m === null) return 'invalid';
      const expiry = Number(m[1]);
      const got = Buffer.from(m[2]!, 'base64url');
      const want = mac(instanceUuid, expiry);
      if (got.length !== want.length || !timingSafeEqual(got, want)) return 'invalid';
      return expiry * 1000 > now() ? 'valid' : 'expired';
    },
  };
}
