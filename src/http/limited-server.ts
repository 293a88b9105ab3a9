// A node:http server with the guest-facing limits of every openimds listener (docs/api.md "Limits"):
// bounded head size, header and request timeouts, idle keep-alive, and malformed or oversized requests
// answered before any handler runs (400, 431, 408). `rawPage` writes that early answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface GuestServerLimits {
  /** Whole request (headers and body) must arrive within this (Node's requestTimeout). */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Largest request head accepted; Node answers 431 beyond it. */
  maxHeaderBytes: number;
  /** Longest request target accepted; 414 beyond it. */
  maxUrlBytes: number;
}

export const GUEST_SERVER_DEFAULTS: GuestServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 8192,
  maxUrlBytes: 4096,
};

const CHECK_INTERVAL_MS = 1000;

const EARLY_REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** A bodiless raw answer: the default for requests refused before a handler runs. */
export function emptyRawPage(status: number): string {
  return `HTTP/1.1 ${status} ${EARLY_REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

export function createLimitedServer(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  limits: GuestServerLimits,
  rawPage: (status: number) => string | Buffer = emptyRawPage,
): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      // How often those two are enforced (node's default, 30 s, would let a slow client hold a
      // connection three times longer than the header timeout says).
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
    },
    onRequest,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('clientError', (err, socket) => {
    // Malformed request line or headers, oversized head, timeouts: Node calls this before any handler.
    const code = (err as NodeJS.ErrnoException).code;
    if (!socket.writable || socket.destroyed) {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(rawPage(status));
  });
  // CONNECT is no request a metadata listener serves; with no 'connect' listener Node would drop the
  // connection without any answer.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(rawPage(400));
  });
  return server;
}
