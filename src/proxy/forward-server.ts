// The node:http adapter of the forwarders (`openimds proxy`, `openimds agent`): the same guest-facing
// limits as every openimds listener (src/http/guest-server.ts, docs/api.md "Limits"), but the handler
// gets the raw request and response so that answers can be streamed. Nothing a client sends makes it
// crash: a throw becomes a logged 500, or a closed connection once the answer has started.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  createLimitedServer,
  GUEST_SERVER_DEFAULTS,
  type GuestServerLimits,
} from '../http/limited-server.js';
import type { Logger } from '../log.js';
import { haproxyPage } from './haproxy-page.js';
import { sendFixed } from './send-fixed.js';

export type ForwardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createForwardServer(
  handle: ForwardHandler,
  log: Logger,
  limits: GuestServerLimits = GUEST_SERVER_DEFAULTS,
): Server {
  const server = createLimitedServer(
    (req, res) => {
      void serve(req, res, handle, log, limits);
    },
    limits,
    rawPage,
  );
  return server;
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handle: ForwardHandler,
  log: Logger,
  limits: GuestServerLimits,
): Promise<void> {
  try {
    if ((req.url ?? '').length > limits.maxUrlBytes) {
      req.resume();
      sendFixed(res, haproxyPage(414), { method: req.method, close: true });
      return;
    }
    await handle(req, res);
  } catch (err) {
    log.error('listener.failed', 'Request handling threw; answered 500', { err, url: req.url });
    if (res.headersSent) res.destroy();
    else sendFixed(res, haproxyPage(500), { method: req.method, close: true });
  }
}

/** A whole response as bytes, for a socket the HTTP parser has given up on. */
function rawPage(status: number): Buffer {
  const page = haproxyPage(status);
  const head =
    `HTTP/1.1 ${status} ${page.reason}\r\nContent-Type: ${page.headers['content-type']}\r\n` +
    `Content-Length: ${page.body.length}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), page.body]);
}

/**
 * Stops accepting, closes idle connections at once, lets answers in flight finish for up to
 * `graceMs`, then closes whatever is left.
 */
export function closeForwardServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
