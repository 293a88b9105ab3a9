// An optional header every guest request must carry (like GCE's "Metadata-Flavor: Google"): a request
// forged through a server-side request forgery in the guest usually cannot add headers, so it is
// refused (403). Configured as "Name: value" (the value must match exactly) or "Name" (present).
import { ImdsError } from '../errors.js';
import { headerValue } from './identity.js';

export interface RequiredHeader {
  /** Lower case, as node:http gives header names. */
  name: string;
  /** undefined: any value. */
  value: string | undefined;
  /** As configured, for messages. */
  text: string;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** "" → undefined (off). */
export function parseRequiredHeader(text: string): RequiredHeader | undefined {
  if (text.trim() === '') return undefined;
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  const value = colon < 0 ? undefined : text.slice(colon + 1).trim();
  if (!TOKEN_RE.test(name) || (value !== undefined && (value === '' || /[\r\n\0]/.test(value)))) {
    throw new ImdsError('CONFIG_INVALID', `Cannot use required_header ${JSON.stringify(text)}`, {
      hint: 'Give "Name: value" (e.g. "Metadata-Flavor: openimds") or a bare header name',
    });
  }
  return { name: name.toLowerCase(), value, text: value === undefined ? name : `${name}: ${value}` };
}

export function carriesRequiredHeader(
  required: RequiredHeader,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  const got = headerValue(headers, required.name);
  if (got === undefined) return false;
  return required.value === undefined || got.trim() === required.value;
}
