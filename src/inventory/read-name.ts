// Names are how the inventory refers to routers, networks and instances: required, one line, bounded.
import { quote } from './describe-value.js';
import type { MapReader } from './map-reader.js';

export const NAME_MAX_CHARS = 255;

export function readName(r: MapReader): string | undefined {
  const name = r.string('name', true);
  if (name === undefined) return undefined;
  if (name.length > NAME_MAX_CHARS)
    return r.fail('name', `is ${name.length} characters long: the limit is ${NAME_MAX_CHARS}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    return r.fail('name', `${quote(name)} contains a control character`);
  return name;
}
