// One forwarded request, answered by streaming the upstream's answer into the client's response
// with undici's `Pool.stream` (reference/node-http-bench.md: the simplest of the fast options, and
// it stops the upstream request when the client goes away mid-answer). A client that goes away
// before the answer starts aborts the upstream request too, so a pooled connection is never left
// waiting for an answer nobody will read (node-http-bench.md, Gotchas 3).
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { GuestResponse } from '../http/guest-request.js';
import { forwardResponseHeaders } from './forward-headers.js';
import { sendFixed } from './send-fixed.js';

/** 'pass': stream the upstream's answer; a response: answer with it instead (the body is discarded). */
export type HeadDecision = 'pass' | GuestResponse;

export type StreamOutcome =
  | { ok: true; status: number; passed: boolean }
  | { ok: false; error: unknown; headSent: boolean; clientGone: boolean };

export async function streamUpstream(
  dispatcher: Dispatcher,
  request: Dispatcher.RequestOptions,
  res: ServerResponse,
  decide: (status: number, headers: IncomingHttpHeaders) => HeadDecision = () => 'pass',
): Promise<StreamOutcome> {
  const clientGone = new AbortController();
  const onClose = (): void => {
    // `errored` is set when undici itself destroyed the response because the upstream broke.
    if (!res.writableFinished && res.errored == null) {
      clientGone.abort(new Error('The client closed its connection'));
    }
  };
  res.once('close', onClose);
  let head = { status: 0, passed: false };
  try {
    await dispatcher.stream({ ...request, signal: clientGone.signal }, ({ statusCode, headers }) => {
      const decision = decide(statusCode, headers);
      head = { status: statusCode, passed: decision === 'pass' };
      if (decision === 'pass') {
        res.writeHead(statusCode, forwardResponseHeaders(headers));
        return res;
      }
      sendFixed(res, decision, { method: request.method });
      return discard();
    });
    return { ok: true, ...head };
  } catch (error) {
    // Once the answer has started, undici reports its own cause on the response it destroyed.
    const cause: unknown = res.errored ?? error;
    return { ok: false, error: cause, headSent: res.headersSent, clientGone: clientGone.signal.aborted };
  } finally {
    res.off('close', onClose);
  }
}

/** Reads an upstream body nobody will see, so the pooled connection stays usable. */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}
