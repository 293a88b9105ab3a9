// The node:http adapter for every guest-facing listener: tight limits first, then the core handler.
// A listener never crashes on input: anything thrown becomes a logged 500 (503 when the store cannot
// take a write right now).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { ConnectionGate } from './connection-gate.js';
import { failureResponse } from './failure-response.js';
import { createLimitedServer, GUEST_SERVER_DEFAULTS, type GuestServerLimits } from './limited-server.js';
import { peerAddress } from './peer-address.js';
import { errorResponse } from './error-page.js';
import { BODY_MAX_BYTES, type GuestHandler, type GuestRequest, type GuestResponse } from './guest-request.js';

export function createGuestServer(
  handler: GuestHandler,
  log: Logger,
  limits: GuestServerLimits = GUEST_SERVER_DEFAULTS,
  /** Connection caps shared by the service's guest listeners; perGuest where the peer is the guest. */
  connections?: { gate: ConnectionGate; perGuest: boolean },
): Server {
  const server = createLimitedServer((req, res) => serve(req, res, handler, log, limits), limits);
  if (connections !== undefined) {
    const { gate, perGuest } = connections;
    server.on('connection', (socket) => gate.admit(socket, perGuest));
  }
  return server;
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
  const failed = (err: unknown): GuestResponse => failureResponse(err, log, req.url);
  // node:http queues the response of a pipelined request until the earlier ones are finished, and
  // gives it the socket only then ('finish' comes a tick after even a synchronous answer).
  const pipelined = res.socket === null;
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
      .then((body) => handler(readRequest(req, body.bytes, body.tooLarge, pipelined)))
      .then(write, (err: unknown) => write(failed(err)));
    return;
  }
  req.resume();
  let response: GuestResponse | Promise<GuestResponse>;
  try {
    response = handler(readRequest(req, NO_BODY, false, pipelined));
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

function readRequest(
  req: IncomingMessage,
  body: Buffer,
  bodyTooLarge: boolean,
  pipelined: boolean,
): GuestRequest {
  const peer = req.socket.remoteAddress ?? '';
  return {
    ...(pipelined ? { pipelined } : {}),
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
