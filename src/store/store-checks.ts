// Checks every store runs before writing, whatever the caller already checked: the store is the last
// line of defence for what a guest will be served. Pure, so the SQLite and PostgreSQL stores share them.
import { ImdsError } from '../errors.js';
import { cidrContains, normalizeAddress, normalizeMac, parseCidr } from '../ip/address.js';
import { PASSWORD_MAX_BYTES, USER_DATA_MAX_BYTES } from '../model/instance.js';
import type { Network } from '../model/network.js';
import type { Port } from '../model/port.js';

/** Nova prints EC2 ids as %08x of an integer column; past 32 bits the id would grow a digit. */
export const EC2_ID_MAX = 0xffffffff;

export function formatEc2Id(prefix: string, n: number): string {
  return `${prefix}-${n.toString(16).padStart(8, '0')}`;
}

export function checkRequired(what: string, field: string, value: unknown): void {
  if (typeof value === 'string' && value.length > 0) return;
  throw new ImdsError(
    'VALIDATION_FAILED',
    `Cannot store ${what} as its ${field} is empty or not text: ${JSON.stringify(value)}`,
    {
      hint: `Give the ${what} a non-empty ${field}`,
    },
  );
}

/** Names are unique per kind (the inventory and the CLI refer to things by name). */
export function checkNameFree(kind: string, id: string, name: string, holderId: string | undefined): void {
  if (holderId === undefined || holderId === id) return;
  throw new ImdsError(
    'DUPLICATE_NAME',
    `Cannot store ${kind} "${id}" as ${kind} "${holderId}" already has the name: "${name}"`,
    {
      hint: `Choose another name, or update ${kind} "${holderId}" instead`,
    },
  );
}

export function checkEc2Number(label: string, n: number): void {
  if (Number.isInteger(n) && n >= 1 && n <= EC2_ID_MAX) return;
  throw new ImdsError(
    'VALIDATION_FAILED',
    `Cannot pin ${label} as an EC2 id must be an integer 1..${EC2_ID_MAX}: ${n}`,
    {
      hint: 'Give the integer behind the id, e.g. 26 for i-0000001a',
    },
  );
}

/** User data as stored: a Buffer (a plain Uint8Array is copied), at most 65,535 bytes (Nova's limit). */
export function checkUserData(instanceName: string, userData: Uint8Array | null | undefined): Buffer | null {
  if (userData === null || userData === undefined) return null;
  if (!(userData instanceof Uint8Array)) {
    throw new ImdsError(
      'VALIDATION_FAILED',
      `Cannot store user data for instance "${instanceName}" as it is not bytes`,
      {
        hint: 'Pass user data as a Buffer (raw bytes; it is served as is)',
      },
    );
  }
  if (userData.length > USER_DATA_MAX_BYTES) {
    throw new ImdsError(
      'USER_DATA_TOO_LARGE',
      `Cannot store user data for instance "${instanceName}" as it exceeds ${USER_DATA_MAX_BYTES} bytes: ${userData.length} bytes`,
      { hint: 'Compress it (cloud-init reads gzip user data) or move the bulk elsewhere (#include a URL)' },
    );
  }
  return Buffer.isBuffer(userData) ? userData : Buffer.from(userData);
}

export function checkPassword(uuid: string, password: string): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes <= PASSWORD_MAX_BYTES) return;
  throw new ImdsError(
    'VALIDATION_FAILED',
    `Cannot store the password of instance "${uuid}" as it exceeds ${PASSWORD_MAX_BYTES} bytes: ${bytes} bytes`,
    { hint: "Post a shorter password (Nova's limit is the same)" },
  );
}

/** Subnet CIDRs must parse with no host bits set: containment checks rely on it. */
export function checkSubnets(network: Network): void {
  if (!Array.isArray(network.subnets)) {
    throw new ImdsError(
      'VALIDATION_FAILED',
      `Cannot store network "${network.name}" as subnets is not a list`,
      {
        hint: 'Give the network a list of subnets (possibly empty)',
      },
    );
  }
  for (const subnet of network.subnets) {
    if (parseCidr(subnet.cidr) !== undefined) continue;
    throw new ImdsError(
      'VALIDATION_FAILED',
      `Cannot store network "${network.name}" as a subnet CIDR is not valid: "${subnet.cidr}"`,
      {
        hint: 'Write the CIDR with its network address and no host bits, e.g. "10.0.0.0/24"',
      },
    );
  }
}

/** The port as stored: MAC lower-case with colons, addresses in canonical text; refuses bad or repeated ones. */
export function normalizePort(port: Port): Port {
  const mac = normalizeMac(String(port.mac));
  if (mac === undefined) {
    throw invalidPort(
      port,
      `its MAC is not valid: "${port.mac}"`,
      'Write the MAC as six hex pairs, e.g. "fa:16:3e:00:00:01"',
    );
  }
  const fixedIps = port.fixedIps.map((ip) => {
    const address = normalizeAddress(String(ip));
    if (address === undefined)
      throw invalidPort(
        port,
        `a fixed IP is not an address: "${ip}"`,
        'Write each fixed IP as a plain IPv4 or IPv6 address',
      );
    return address;
  });
  const repeated = fixedIps.find((ip, i) => fixedIps.indexOf(ip) !== i);
  if (repeated !== undefined)
    throw invalidPort(port, `a fixed IP is listed twice: "${repeated}"`, 'List each fixed IP once');
  let floatingIp = port.floatingIp;
  if (floatingIp !== null) {
    floatingIp = normalizeAddress(String(floatingIp)) ?? null;
    if (floatingIp === null)
      throw invalidPort(
        port,
        `its floating IP is not an address: "${port.floatingIp}"`,
        'Write the floating IP as a plain address, or null',
      );
  }
  return { ...port, mac, fixedIps, floatingIp };
}

/** Each fixed IP must lie in a subnet of the port's network (Neutron refuses the same). */
export function checkAddressesInNetwork(portId: string, fixedIps: readonly string[], network: Network): void {
  for (const ip of fixedIps) {
    if (network.subnets.some((s) => cidrContains(s.cidr, ip))) continue;
    const cidrs = network.subnets.map((s) => s.cidr).join(', ') || 'no subnets';
    throw new ImdsError(
      'ADDRESS_OUTSIDE_NETWORK',
      `Cannot store port "${portId}" as a fixed IP lies in no subnet of network "${network.name}" (${cidrs}): "${ip}"`,
      { hint: "Use an address inside one of the network's subnets, or add a subnet that contains it" },
    );
  }
}

function invalidPort(port: Port, why: string, hint: string): ImdsError {
  return new ImdsError('VALIDATION_FAILED', `Cannot store port "${port.id}" as ${why}`, { hint });
}
