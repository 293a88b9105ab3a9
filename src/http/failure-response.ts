// What a guest gets when handling its request threw. A store that cannot take a write right now (a
// full filesystem, a lock held too long) is a passing condition the operator must fix: 503, so the
// guest retries (cloudbase-init retries its password POST), and a log line with the code and the
// hint. Anything else is a bug: 500, logged with the stack.
import { ImdsError } from '../errors.js';
import type { Logger } from '../log.js';
import { errorResponse } from './error-page.js';
import type { GuestResponse } from './guest-request.js';

const STORE_CODES: ReadonlySet<string> = new Set(['STORE_FULL', 'STORE_UNAVAILABLE']);

export function failureResponse(err: unknown, log: Logger, url: string | undefined): GuestResponse {
  if (err instanceof ImdsError && STORE_CODES.has(err.code)) {
    log.error('listener.store_failed', `${err.message}; answered 503`, {
      code: err.code,
      hint: err.hint,
      url,
    });
    return errorResponse(503, 'The metadata service cannot store this now. Please try again later.');
  }
  log.error('listener.failed', 'Request handling threw; answered 500', { err, url });
  return errorResponse(500);
}
