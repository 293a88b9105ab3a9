// Validation of address-like values (IP, CIDR, MAC, UUID): returns the canonical form, or reports
// why the value is wrong and returns undefined. Built on ../ip/address.ts.
import {
  formatCidr,
  ipVersionOf,
  normalizeAddress,
  normalizeMac,
  parseCidr,
  parseInterface,
  type IpVersion,
} from '../ip/address.js';
import { quote } from './describe-value.js';
import type { IssueList, PathPart } from './inventory-issue.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An IP address in canonical text; `version` restricts the family. */
export function checkIp(
  text: string,
  path: readonly PathPart[],
  issues: IssueList,
  version?: IpVersion,
): string | undefined {
  const canonical = normalizeAddress(text);
  const family = version ?? (text.includes(':') ? 6 : 4);
  if (canonical === undefined || (version !== undefined && ipVersionOf(canonical) !== version)) {
    issues.add(path, `${quote(text)} is not an IPv${family} address`);
    return undefined;
  }
  return canonical;
}

/** A network CIDR in canonical text; host bits set is an error that names the network form. */
export function checkCidr(text: string, path: readonly PathPart[], issues: IssueList): string | undefined {
  const cidr = parseCidr(text);
  if (cidr !== undefined) return formatCidr(cidr);
  const asInterface = parseInterface(text);
  if (asInterface !== undefined) {
    issues.add(path, `${quote(text)} has host bits set: the network is "${formatCidr(asInterface)}"`);
    return undefined;
  }
  const prefix = /^(.*)\/(\d+)$/.exec(text);
  const version = prefix === null ? undefined : ipVersionOf(prefix[1]!);
  if (version !== undefined) {
    issues.add(
      path,
      `${quote(text)} is not a CIDR: an IPv${version} prefix is 0..${version === 4 ? 32 : 128}`,
    );
    return undefined;
  }
  issues.add(path, `${quote(text)} is not a CIDR (expected address/prefix, e.g. "10.0.0.0/24")`);
  return undefined;
}

/** A unicast MAC in lower-case colon form. */
export function checkMac(text: string, path: readonly PathPart[], issues: IssueList): string | undefined {
  const mac = normalizeMac(text);
  if (mac === undefined) {
    issues.add(
      path,
      `${quote(text)} is not a MAC address (expected six hex pairs, e.g. "fa:16:3e:4c:2a:91")`,
    );
    return undefined;
  }
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    issues.add(path, `${quote(text)} is a multicast MAC address: a port needs a unicast one`);
    return undefined;
  }
  return mac;
}

/** A UUID in lower case (as Nova and Neutron store them). */
export function checkUuid(text: string, path: readonly PathPart[], issues: IssueList): string | undefined {
  if (UUID_RE.test(text)) return text.toLowerCase();
  issues.add(path, `${quote(text)} is not a UUID (expected 8-4-4-4-12 hex digits)`);
  return undefined;
}
