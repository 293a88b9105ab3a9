// The signed listener: Nova's proxy-mode X-Instance-ID branch (reference §2.14.1), to the byte, so a
// real neutron-metadata-agent can use openimds as its Nova. Checks in Nova's order: headers present
// (400), signature (403, constant time, logged with the received value, never the expected one),
// then instance and project (404, checked by the handler once the record is loaded).
import { signatureMatches } from '../auth/signature.js';
import type { StoreReads } from '../store/store.js';
import { headerValue, type Identifier, type IdentifyResult } from './identity.js';

export function createSignedIdentifier(deps: {
  secret: () => string;
  store: Pick<StoreReads, 'findRevision'>;
}): Identifier {
  return (req): IdentifyResult => {
    const instanceId = headerValue(req.headers, 'x-instance-id');
    const signature = headerValue(req.headers, 'x-instance-id-signature');
    const tenantId = headerValue(req.headers, 'x-tenant-id');
    const forwardedFor = headerValue(req.headers, 'x-forwarded-for');
    if (instanceId === undefined) return missing('X-Instance-ID');
    if (signature === undefined) return missing('X-Instance-ID-Signature');
    if (tenantId === undefined) return missing('X-Tenant-ID');
    if (!signatureMatches(deps.secret(), instanceId, signature)) {
      return {
        ok: false,
        status: 403,
        explanation: 'Invalid proxy request signature.',
        log: {
          event: 'signed.signature_mismatch',
          msg: `X-Instance-ID-Signature ${describeSignature(signature)} does not match the expected signature for id "${instanceId.slice(0, 80)}" (request from ${forwardedFor ?? req.peerAddress}); the shared secrets probably differ`,
          fields: { instanceId: instanceId.slice(0, 80), forwardedFor, peer: req.peerAddress },
        },
      };
    }
    const revision = deps.store.findRevision(instanceId);
    if (revision === undefined) {
      return {
        ok: false,
        status: 404,
        log: {
          event: 'identify.not_found',
          msg: `Cannot find instance "${instanceId}" named by a signed request`,
          fields: { instanceId },
        },
      };
    }
    return {
      ok: true,
      identity: {
        instanceUuid: instanceId,
        revision,
        expectedProjectId: tenantId,
        ...(forwardedFor ? { address: forwardedFor } : {}),
      },
    };
  };
}

function missing(header: string): IdentifyResult {
  const explanation = `${header} header is missing from request.`;
  return {
    ok: false,
    status: 400,
    explanation,
    log: { event: 'identify.refused', msg: explanation, fields: {} },
  };
}

/**
 * Enough of a received signature to tell two apart in logs, never all of it: a misconfigured client
 * may send a secret in its place, and logs travel further than secrets should.
 */
function describeSignature(signature: string): string {
  return signature.length <= 8
    ? `of ${signature.length} characters`
    : `"${signature.slice(0, 6)}…" (${signature.length} characters)`;
}
