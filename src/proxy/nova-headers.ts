// The request the agent makes of Nova carries only what Nova's trust protocol reads (reference
// §3.5.3, checklist item 47; since neutron 5af046fd4e the guest's own headers are not forwarded):
// a guest's Authorization, Cookie or forged X-Instance-ID never reach Nova.
import type { IncomingHttpHeaders } from 'node:http';
import { signInstanceId } from '../auth/signature.js';
import { headerValue } from '../service/identity.js';

/** undici's flat [name, value, …] list: the four headers, and the type of a body when it has one. */
export function novaHeaders(
  guest: IncomingHttpHeaders,
  who: { uuid: string; projectId: string },
  secret: string,
): string[] {
  const headers = [
    // As received from the namespace proxy, which set it from the guest's socket.
    'X-Forwarded-For',
    headerValue(guest, 'x-forwarded-for') ?? '',
    'X-Instance-ID',
    who.uuid,
    'X-Tenant-ID',
    who.projectId,
    'X-Instance-ID-Signature',
    signInstanceId(secret, who.uuid),
  ];
  // undici adds Content-Length from the body's buffer; the type says how to read the body.
  const contentType = headerValue(guest, 'content-type');
  if (contentType !== undefined) headers.push('Content-Type', contentType);
  return headers;
}
