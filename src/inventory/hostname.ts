// The hostname an instance gets when the inventory gives none: its name, made a hostname the way
// Nova does it (nova/utils.py sanitize_hostname), so an inventory migrated from Nova keeps them.

const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
export const HOSTNAME_MAX_CHARS = 253;

/** "Web Server_1" → "web-server-1"; "" when nothing usable is left. */
export function hostnameFromName(name: string): string {
  return name
    .slice(0, 63)
    .replace(/[ _.]/g, '-')
    .replace(/[^\w-]+/g, '')
    .toLowerCase()
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** RFC 1123 labels separated by dots. */
export function isHostname(text: string): boolean {
  return text.length <= HOSTNAME_MAX_CHARS && HOSTNAME_RE.test(text);
}
