// /openstack/<v>/password (reference §2.12): GET returns what the guest stored (empty until then);
// one POST of at most 1,020 bytes stores it, write-once; every other method is 400, as Nova does.
import { errorResponse, HTML_CONTENT_TYPE } from '../http/error-page.js';
import type { GuestRequest, GuestResponse } from '../http/guest-request.js';
import { PASSWORD_MAX_BYTES, type Instance } from '../model/instance.js';
import type { Store } from '../store/store.js';

const EMPTY_OK: GuestResponse = {
  status: 200,
  headers: { 'content-type': HTML_CONTENT_TYPE },
  body: Buffer.alloc(0),
};

export function passwordRoute(
  req: GuestRequest,
  instance: Instance,
  store: Pick<Store, 'setPassword'>,
): GuestResponse {
  if (req.method === 'GET') {
    return { ...EMPTY_OK, body: Buffer.from(instance.password ?? '', 'utf8') };
  }
  if (req.method !== 'POST') return errorResponse(400, 'GET and POST only are supported.');
  // Nova checks "already set" before the size (password.py handle_password).
  if (instance.password !== null) return errorResponse(409);
  const declared = Number(req.headers['content-length'] ?? req.body.length);
  if (req.bodyTooLarge || declared > PASSWORD_MAX_BYTES || req.body.length > PASSWORD_MAX_BYTES) {
    return errorResponse(400, 'Request is too large.');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.body);
  } catch {
    // Nova fails with 500 on non-UTF-8; a clear 400 is the better answer to bad input.
    return errorResponse(400, 'The password must be UTF-8 text.');
  }
  const result = store.setPassword(instance.uuid, text);
  if (result === 'stored') return EMPTY_OK;
  if (result === 'already-set') return errorResponse(409);
  return errorResponse(400);
}
