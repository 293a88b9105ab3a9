// Why a forwarded request got no usable answer, in the three cases a guest can tell apart
// (haproxy's, reference §3.4): nobody to talk to (503), nobody answering in time (504), a broken
// answer (502). Decided from undici's stable error codes and the socket's errno.
export type UpstreamFailure = 'unavailable' | 'timeout' | 'broken';

const UNAVAILABLE = new Set([
  'ECONNREFUSED', // a socket file with no listener (service stopped uncleanly)
  'ENOENT', // no socket file (service stopped, or the path is wrong)
  'EACCES', // the socket's permissions exclude us
  'EPERM',
  'ENOTSOCK',
  'EAGAIN', // a UNIX listener's backlog is full
  'UND_ERR_CONNECT_TIMEOUT',
  // TCP upstreams (the agent's Nova)
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = errorCode(err);
  if (code !== undefined && UNAVAILABLE.has(code)) return 'unavailable';
  if (code !== undefined && TIMEOUT.has(code)) return 'timeout';
  return 'broken';
}

/** The code of an error, or of the first error in its cause chain that has one. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
