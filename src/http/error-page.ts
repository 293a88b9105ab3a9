// Error bodies as Nova sends them: webob's HTML error page (reference §2.16). Clients rely on the
// status only; matching the page too keeps byte-level diffs against Nova quiet.
import type { GuestResponse } from './guest-request.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** webob's default explanations, used when the caller gives none. */
const DEFAULT_EXPLANATIONS: Record<number, string> = {
  // webob/exc.py HTTPClientError and HTTPConflict: Nova's password handler raises both bare.
  400: 'The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

export const HTML_CONTENT_TYPE = 'text/html; charset=UTF-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=UTF-8';

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

/** The exact page webob renders for an HTTPException with this status and explanation. */
export function errorPageBody(status: number, explanation?: string): Buffer {
  const title = `${status} ${reasonPhrase(status)}`;
  const text = escapeHtml(explanation ?? DEFAULT_EXPLANATIONS[status] ?? '');
  return Buffer.from(
    `<html>\n <head>\n  <title>${title}</title>\n </head>\n <body>\n  <h1>${title}</h1>\n  ${text}<br /><br />\n\n\n\n </body>\n</html>`,
    'utf8',
  );
}

export function errorResponse(
  status: number,
  explanation?: string,
  headers: Record<string, string> = {},
): GuestResponse {
  return {
    status,
    headers: { 'content-type': HTML_CONTENT_TYPE, ...headers },
    body: errorPageBody(status, explanation),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
