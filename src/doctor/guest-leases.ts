// DHCP leases the guest's client wrote, as the script dumps them ("--- file <path>" then the text):
// whether the network offered 169.254.169.254 through option 121 (RFC 3442) or Microsoft's 249,
// and via which router. Formats: ISC dhclient (and NetworkManager's dhclient leases)
// `option rfc3442-classless-static-routes 32,169,254,169,254,10,0,0,2;` (decimal), its undeclared
// `option unknown-121 20:a9:fe:…;` (hex), `classless-static-routes` / `ms-classless-static-routes`;
// systemd-networkd and NetworkManager's internal client `CLASSLESS_ROUTES=169.254.169.254/32,10.0.0.2 …`.
// (dhcpcd's leases are raw DHCP packets; they are not decoded.)
import { ipv4ToNumber, METADATA_ADDRESS, numberToIpv4 } from './guest-ipv4.js';

export interface GuestLease {
  file: string;
  /** The leased address, when the file names it. */
  address?: string;
  /** Router for 169.254.169.254 from option 121/249, when the lease carries one. */
  metadataRouter?: string;
  /** The line that carried it. */
  metadataLine?: string;
}

export function parseLeases(lines: readonly string[]): GuestLease[] {
  const leases: GuestLease[] = [];
  let current: GuestLease | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    const file = /^--- file (.+)$/.exec(line);
    if (file) {
      current = { file: file[1]! };
      leases.push(current);
      continue;
    }
    if (current === undefined) continue;
    const address =
      /^fixed-address\s+(\d+\.\d+\.\d+\.\d+)\s*;/.exec(line) ??
      /^ADDRESS=(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (address) current.address = address[1]!;
    const router = metadataRouterOf(line);
    if (router !== undefined) {
      current.metadataRouter = router;
      current.metadataLine = line;
    }
  }
  return leases;
}

function metadataRouterOf(line: string): string | undefined {
  const option =
    /^option\s+(rfc3442-classless-static-routes|classless-static-routes|ms-classless-static-routes|unknown-121|unknown-249)\s+(.+?);?\s*$/.exec(
      line,
    );
  if (option) {
    const value = option[2]!;
    if (/^\d+(,\d+)+$/.test(value)) return fromRfc3442(value.split(',').map(Number));
    if (/^[0-9a-f]{1,2}(:[0-9a-f]{1,2})+$/i.test(value)) {
      return fromRfc3442(value.split(':').map((h) => parseInt(h, 16)));
    }
    return fromText(value);
  }
  const networkd = /^CLASSLESS_ROUTES=(.*)$/.exec(line);
  if (networkd) return fromText(networkd[1]!);
  return undefined;
}

/** RFC 3442 §3: width, the significant octets of the destination, then the router's 4 octets. */
function fromRfc3442(bytes: number[]): string | undefined {
  const target = ipv4ToNumber(METADATA_ADDRESS)!;
  let i = 0;
  while (i < bytes.length) {
    const width = bytes[i]!;
    if (width > 32 || bytes.slice(i).some((b) => !(b >= 0 && b <= 255))) return undefined;
    const significant = Math.ceil(width / 8);
    if (i + 1 + significant + 4 > bytes.length) return undefined;
    const dest = [0, 1, 2, 3].map((k) => (k < significant ? bytes[i + 1 + k]! : 0));
    const router = bytes.slice(i + 1 + significant, i + 5 + significant);
    i += 5 + significant;
    const network = ((dest[0]! << 24) | (dest[1]! << 16) | (dest[2]! << 8) | dest[3]!) >>> 0;
    if (width === 32 && network === target) return router.join('.');
  }
  return undefined;
}

/** "169.254.169.254/32,10.0.0.2 0.0.0.0/0,10.0.0.1" or "169.254.169.254/32 10.0.0.2, …". */
function fromText(value: string): string | undefined {
  const m = /169\.254\.169\.254(?:\/32)?[\s,]+(\d+\.\d+\.\d+\.\d+)/.exec(value);
  if (!m) return undefined;
  const n = ipv4ToNumber(m[1]!);
  return n === undefined ? undefined : numberToIpv4(n);
}
