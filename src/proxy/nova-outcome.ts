// What the agent makes of Nova's answer, or of its absence (reference §3.5.4): the status table in
// nova-status.ts decides pass-through or 502; no answer at all is Neutron's 503 (python-requests'
// ConnectionError: refused, unresolvable, reset or closed before an answer), except a Nova that
// stays silent past the timeout, which gets 504 here (Neutron drops the connection and haproxy says 502).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { neutronPage } from './neutron-page.js';
import { novaStatusAction } from './nova-status.js';
import { sendFixed } from './send-fixed.js';
import type { HeadDecision, StreamOutcome } from './stream-upstream.js';
import { classifyUpstreamError, errorCode } from './upstream-failure.js';

export interface NovaTarget {
  /** Nova's base URL without credentials, as logs show it. */
  base: string;
  timeoutMs: number;
  log: Logger;
}

// Neutron's wording for a Nova it cannot reach (§3.5.4, F4).
export const UNREACHABLE_MESSAGE =
  'The remote metadata server is temporarily unavailable. Please try again later.';

/** Called with Nova's status before any of its body is read: pass it on, or answer 502 instead. */
export function decideNovaStatus(nova: NovaTarget, status: number, uuid: string): HeadDecision {
  const action = novaStatusAction(status);
  const fields = { instanceId: uuid, nova: nova.base, status };
  if (action === undefined) {
    nova.log.warn(
      'agent.unexpected_status',
      `The remote metadata server answered ${status} for instance "${uuid}"; answered 502`,
      { ...fields, hint: 'Check that --nova-url points at the Nova metadata API (usually port 8775)' },
    );
    return neutronPage(502, `The remote metadata server answered with the unexpected status ${status}.`);
  }
  if (action.warn !== undefined) {
    const { event, msg, hint } = action.warn;
    nova.log.warn(event, `The remote metadata server (${nova.base}) ${msg} (instance "${uuid}")`, {
      ...fields,
      hint,
    });
  }
  return 'pass';
}

export function reportNovaOutcome(
  nova: NovaTarget,
  req: IncomingMessage,
  res: ServerResponse,
  uuid: string,
  outcome: StreamOutcome,
): void {
  const fields = { instanceId: uuid, method: req.method, url: req.url, nova: nova.base };
  if (outcome.ok) {
    nova.log.debug('agent.forwarded', `${req.method} ${req.url} → ${outcome.status}`, fields);
    return;
  }
  if (outcome.clientGone) return;
  const code = errorCode(outcome.error) ?? (outcome.error as Error).message;
  if (outcome.headSent) {
    nova.log.warn('agent.broken', `The answer from ${nova.base} broke off mid-way: ${code}`, fields);
    res.destroy();
    return;
  }
  if (classifyUpstreamError(outcome.error) === 'timeout') {
    const seconds = nova.timeoutMs / 1000;
    nova.log.warn(
      'agent.timed_out',
      `The remote metadata server at ${nova.base} did not answer within ${seconds} s; answered 504`,
      {
        ...fields,
        hint: 'Look for what makes Nova slow (dynamic vendor data, database), or raise --nova-timeout',
      },
    );
    const page = neutronPage(504, `The remote metadata server did not answer within ${seconds} seconds.`);
    return sendFixed(res, page, { method: req.method, close: true });
  }
  nova.log.warn(
    'agent.unreachable',
    `Cannot reach the remote metadata server at ${nova.base}: ${code}; answered 503`,
    {
      ...fields,
      hint: 'Point --nova-url at the Nova metadata API (host:8775) and check that it runs and is reachable from here',
    },
  );
  sendFixed(res, neutronPage(503, UNREACHABLE_MESSAGE), { method: req.method });
}
