// node:http adapter for the admin API: bounded bodies, then the pure core (service/admin-api.ts).
import { createServer, type Server } from 'node:http';
import { ImdsError } from '../errors.js';
import type { AdminRequest, AdminResponse } from '../service/admin-api.js';

/** Inventories can be large (many instances with user data); single objects are small. */
export const ADMIN_BODY_MAX_BYTES = 64 * 1024 * 1024;

export function createAdminServer(handle: (req: AdminRequest) => AdminResponse): Server {
  const server = createServer({ requestTimeout: 120_000, headersTimeout: 10_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > ADMIN_BODY_MAX_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      const response = tooLarge
        ? tooLargeResponse()
        : handle({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body: Buffer.concat(chunks),
          });
      res.writeHead(response.status, {
        'content-type': response.contentType,
        'content-length': Buffer.byteLength(response.body),
      });
      res.end(response.body);
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

function tooLargeResponse(): AdminResponse {
  const e = new ImdsError('BODY_TOO_LARGE', `Cannot accept a body over ${ADMIN_BODY_MAX_BYTES} bytes`);
  return {
    status: e.status,
    contentType: 'application/json',
    body: JSON.stringify({ error: e.toJSON() }) + '\n',
  };
}
