// Which headers cross a forwarding hop. Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection
// and never cross; undici refuses most of them anyway. The body is re-framed by the forwarder, so the
// framing headers are recomputed rather than copied.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The forwarder has already read the body; an upstream must not wait to send 100 Continue.
  'expect',
  'content-length',
]);

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The guest's request headers minus hop-by-hop ones and those `drop` names, as undici's flat
 * [name, value, …] list (names and order as sent; a repeated header stays repeated).
 */
export function forwardRequestHeaders(
  rawHeaders: readonly string[],
  drop: (name: string) => boolean,
): string[] {
  const connection: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'connection') connection.push(rawHeaders[i + 1]!);
  }
  return filterPairs(rawHeaders, drop, connectionTokens(connection));
}

function filterPairs(raw: readonly string[], drop: (name: string) => boolean, named: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || drop(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** An upstream answer's headers for the client: end-to-end ones, and the length when it was given. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  // Keeping the length lets the answer go out as sent (not re-chunked) and HEAD stay truthful.
  if (headers['content-length'] !== undefined && headers['transfer-encoding'] === undefined) {
    out['content-length'] = headers['content-length'];
  }
  return out;
}
