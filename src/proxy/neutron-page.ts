// The small answers Neutron's metadata agent writes itself (reference §3.5.6, neutron/common/metadata.py
// `encode_http_reponse`): plain-text content type, LF line endings, and a page whose length is
// 95 + 2 × len(title) + len(message). The status line and the connection are node's.
import type { GuestResponse } from '../http/guest-request.js';
import { reasonPhrase } from '../http/error-page.js';

export function neutronPage(status: number, message: string): GuestResponse {
  const title = `${status} ${reasonPhrase(status)}`;
  const page =
    `<html>\n <head>\n  <title>${title}</title>\n </head>\n <body>\n` +
    `  <h1>${title}</h1>\n  ${message}<br /><br />\n\n\n </body>\n</html>`;
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body: Buffer.from(page, 'utf8'),
  };
}
