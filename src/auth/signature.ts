// Nova's proxy trust protocol (reference/openstack-metadata.md §2.14.1): the Neutron agent signs the
// instance id with the shared secret; Nova recomputes and compares in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Lower-case hex HMAC-SHA256(key = utf8(secret), msg = utf8(instanceId)), as neutron/common/utils.py sign_instance_id. */
export function signInstanceId(secret: string | Buffer, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

/**
 * Constant-time check of a received signature. Like hmac.compare_digest, any difference — case
 * included (an upper-case hex signature is refused, golden _auth/099) — is a mismatch.
 */
export function signatureMatches(secret: string | Buffer, instanceId: string, received: string): boolean {
  const expected = Buffer.from(signInstanceId(secret, instanceId), 'utf8');
  const got = Buffer.from(received, 'utf8');
  if (got.length !== expected.length) {
    // Still spend the comparison so the time does not reveal the length check.
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, got);
}

/** Constant-time equality of two secrets of any length (admin token checks). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHmac('sha256', 'openimds-compare').update(a).digest();
  const hb = createHmac('sha256', 'openimds-compare').update(b).digest();
  return timingSafeEqual(ha, hb);
}
