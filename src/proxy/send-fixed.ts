// Writes a response the forwarder made itself (no upstream answer involved).
import type { ServerResponse } from 'node:http';
import type { GuestResponse } from '../http/guest-request.js';

export function sendFixed(
  res: ServerResponse,
  response: GuestResponse,
  opts: { method?: string | undefined; close?: boolean } = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', response.body.length);
  // After a failure the client's connection is not reused, as haproxy does with its error pages.
  if (opts.close === true) res.setHeader('connection', 'close');
  res.end(opts.method === 'HEAD' ? undefined : response.body);
}
