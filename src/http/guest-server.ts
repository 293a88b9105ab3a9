// The node:http adapter for every guest-facing listener: tight limits first, then the core handler.
// A listener never crashes on input: anything thrown becomes a logged 500 (503 when the store
// cannot take a write, see failure-response.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { ConnectionGate } from './connection-gate.js';
import { createLimitedServer, GUEST_SERVER_DEFAULTS, type GuestServerLimits } from './limited-server.js';
import { peerAddress } from './peer-address.js';
import { errorResponse } from './error-page.js';
import { failureResponse } from './failure-response.js';
import { BODY_MAX_BYTES, type GuestHandler, type GuestRequest, type GuestResponse } from './guest-request.js';

export function createGuestServer(
  handler: GuestHandler,
  log: Logger,
  limits: GuestServerLimits = GUEST_SERVER_DEFAULTS,
  /** Connection caps shared by the service's guest listeners; perGuest where the peer is the guest. */
  connections?: { gate: ConnectionGate; perGuest: boolean },
): Server {
  const server = createLimitedServer((req, res) => {
    void serve(req, res, handler, log, limits);
  }, limits);
  if (connections !== undefined) {
    const { gate, perGuest } = connections;
    server.on('connection', (socket) => gate.admit(socket, perGuest));
  }
  return server;
}

/** Requests per connection not yet answered: more than one means the client pipelined. */
const unanswered = new WeakMap<object, number>();

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handler: GuestHandler,
  log: Logger,
  limits: GuestServerLimits,
): Promise<void> {
  const socket = req.socket;
  const before = unanswered.get(socket) ?? 0;
  unanswered.set(socket, before + 1);
  res.once('close', () => unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1));
  let response: GuestResponse;
  try {
    if ((req.url ?? '').length > limits.maxUrlBytes) {
      response = errorResponse(414, `The request path is longer than ${limits.maxUrlBytes} bytes.`);
      req.resume();
    } else {
      const request = await readRequest(req);
      if (before > 0) request.pipelined = true;
      response = await handler(request);
    }
  } catch (err) {
    response = failureResponse(err, log, req.url);
  }
  writeResponse(req, res, response);
}

function readRequest(req: IncomingMessage): Promise<GuestRequest> {
  const peer = req.socket.remoteAddress ?? '';
  const base = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    peerAddress: peer === '' ? '' : (peerAddress(peer) ?? peer),
  };
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    req.resume();
    return Promise.resolve({ ...base, body: Buffer.alloc(0), bodyTooLarge: false });
  }
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
    req.on('end', () => resolve({ ...base, body: Buffer.concat(chunks), bodyTooLarge: tooLarge }));
    req.on('error', reject);
  });
}

function writeResponse(req: IncomingMessage, res: ServerResponse, response: GuestResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = response.status;
  for (const [k, v] of Object.entries(response.headers)) res.setHeader(k, v);
  res.setHeader('content-length', response.body.length);
  res.end(req.method === 'HEAD' ? undefined : response.body);
}
