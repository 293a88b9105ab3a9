// The request body, read whole before anything is forwarded, so a slow guest never holds a pooled
// upstream connection and the upstream gets an exact Content-Length. Bounded before it is buffered.
import type { IncomingMessage } from 'node:http';

/** Far above what the service reads (4 KiB; a password is at most 1,020 bytes), so it answers itself. */
export const FORWARD_BODY_MAX_BYTES = 64 * 1024;

/**
 * The body; undefined when the request has none; 'too-large' past `maxBytes` (the rest is left
 * unread); 'aborted' when the client went away before sending all of it.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes = FORWARD_BODY_MAX_BYTES,
): Promise<Buffer | undefined | 'too-large' | 'aborted'> {
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    req.resume();
    return Promise.resolve(undefined);
  }
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // Node reports a client that disconnects mid-body as an 'error' ("aborted"), then 'close'.
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}
