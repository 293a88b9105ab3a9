// Dotted-quad IPv4 arithmetic for the guest bundle's parsers: tolerant (undefined, never a throw).

export const METADATA_ADDRESS = '169.254.169.254';

/** "10.0.0.1" → 167772161, or undefined when it is not a dotted quad. */
export function ipv4ToNumber(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** "255.255.0.0" → 16; undefined when not a contiguous mask. */
export function maskToPrefix(mask: number): number | undefined {
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  const expected = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return mask >>> 0 === expected ? prefix : undefined;
}

/** Whether `address` lies in network/prefix. */
export function inPrefix(address: number, network: number, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (address & mask) >>> 0 === (network & mask) >>> 0;
}

/** /proc/net/route's hex, which is the kernel's little-endian: "0100000A" → 10.0.0.1. */
export function procHexToNumber(hex: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const le = parseInt(hex, 16);
  return (((le & 255) << 24) | (((le >>> 8) & 255) << 16) | (((le >>> 16) & 255) << 8) | (le >>> 24)) >>> 0;
}
