// The node:http adapter for every guest-facing listener: tight limits first, then the core handler.
// A listener never crashes on input: anything thrown becomes a logged 500.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { createLimitedServer, GUEST_SERVER_DEFAULTS, type GuestServerLimits } from './limited-server.js';
import { peerAddress } from './peer-address.js';
import { errorResponse } from './error-page.js';
import { BODY_MAX_BYTES, type GuestHandler, type GuestRequest, type GuestResponse } from './guest-request.js';

export function createGuestServer(
  handler: GuestHandler,
  log: Logger,
  limits: GuestServerLimits = GUEST_SERVER_DEFAULTS,
): Server {
  return createLimitedServer((req, res) => serve(req, res, handler, log, limits), limits);
}

// Almost every guest request is a bodiless GET answered from the render cache: that path stays
// synchronous (no promise, no microtask turn) from the parsed request to res.end.
function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handler: GuestHandler,
  log: Logger,
  limits: GuestServerLimits,
): void {
  const failed = (err: unknown): GuestResponse => {
    log.error('listener.failed', 'Request handling threw; answered 500', { err, url: req.url });
    return errorResponse(500);
  };
  if ((req.url ?? '').length > limits.maxUrlBytes) {
    req.resume();
    writeResponse(
      req,
      res,
      errorResponse(414, `The request path is longer than ${limits.maxUrlBytes} bytes.`),
    );
    return;
  }
  const write = (response: GuestResponse) => writeResponse(req, res, response);
  if (hasBody(req)) {
    readBody(req)
      .then((body) => handler(readRequest(req, body.bytes, body.tooLarge)))
      .then(write, (err: unknown) => write(failed(err)));
    return;
  }
  req.resume();
  let response: GuestResponse | Promise<GuestResponse>;
  try {
    response = handler(readRequest(req, NO_BODY, false));
  } catch (err) {
    response = failed(err);
  }
  if (response instanceof Promise) response.then(write, (err: unknown) => write(failed(err)));
  else write(response);
}

const NO_BODY = Buffer.alloc(0);

function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

function readRequest(req: IncomingMessage, body: Buffer, bodyTooLarge: boolean): GuestRequest {
  const peer = req.socket.remoteAddress ?? '';
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    peerAddress: guestPeer(peer),
    body,
    bodyTooLarge,
  };
}

// Node reports an IPv4 peer in canonical dotted form already; only IPv6 text needs normalising.
function guestPeer(peer: string): string {
  if (peer === '' || !peer.includes(':')) return peer;
  return peerAddress(peer) ?? peer;
}

function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > BODY_MAX_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
  });
}

// writeHead with a flat list goes straight to the header block; setHeader per name would build and
// validate a header map first.
function writeResponse(req: IncomingMessage, res: ServerResponse, response: GuestResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: string[] = [];
  for (const name in response.headers) headers.push(name, response.headers[name]!);
  headers.push('content-length', String(response.body.length));
  res.writeHead(response.status, headers);
  res.end(req.method === 'HEAD' ? undefined : response.body);
}
