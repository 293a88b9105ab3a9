// networks[i]: name, id, router, mtu, attach, and either one subnet in the short form (cidr,
// gateway, … at network level) or a `subnets` list — never both.
import type { Attachment, AttachMode } from '../model/network.js';
import { cidrContains, parseInterface } from '../ip/address.js';
import { TOKEN_HOP_LIMIT_DEFAULT, TOKEN_HOP_LIMIT_MAX, TOKEN_HOP_LIMIT_MIN } from '../net/token-hop-limit.js';
import { describeValue } from './describe-value.js';
import { checkUuid } from './check-address.js';
import type { DesiredNetwork, DesiredSubnet } from './desired-inventory.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { interfaceNameProblem } from './interface-name.js';
import { MapReader } from './map-reader.js';
import { readName } from './read-name.js';
import { parseSubnet, readSubnetFields, SUBNET_SHORT_KEYS } from './parse-subnet.js';

export const NETWORK_KEYS = [
  'name',
  'id',
  'router',
  'mtu',
  ...SUBNET_SHORT_KEYS,
  'subnets',
  'attach',
] as const;
const ATTACH_KEYS = [
  'namespace',
  'interface',
  'mode',
  'address',
  'onlink',
  'token_hop_limit',
  'neighbour_check',
] as const;
const ATTACH_MODES: readonly AttachMode[] = ['onlink', 'router', 'isolated'];
/** IPv4's minimum MTU (RFC 791) up to the largest a Linux link takes. */
const MTU_MIN = 68;
const MTU_MAX = 65535;

export function parseNetwork(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): DesiredNetwork | undefined {
  const r = new MapReader(value, path, issues, NETWORK_KEYS);
  if (!r.ok) return undefined;
  const name = readName(r);
  const idText = r.string('id');
  const id = idText === undefined ? undefined : checkUuid(idText, r.at('id'), issues);
  const router = r.isNull('router') ? null : (r.string('router') ?? null);
  const mtu = r.nullableInteger('mtu', MTU_MIN, MTU_MAX) ?? null;
  const subnets = readSubnets(r, issues);
  const attach = readAttach(r, issues);
  if (attach?.mode === 'router' && router === null) {
    r.fail('attach', 'mode "router" needs the network to have a router: add router: <name>');
  }
  if (name === undefined) return undefined;
  const outside =
    attach?.address != null &&
    subnets !== undefined &&
    !subnets.some((s) => cidrContains(s.cidr, attach.address!.split('/')[0]!));
  if (outside)
    r.fail(
      'attach',
      `address "${attach!.address}" is not in any subnet of the network (${subnets!.map((s) => s.cidr).join(', ')})`,
    );
  return { name, id, router, mtu, subnets: subnets ?? [], attach: attach ?? null };
}

function readSubnets(r: MapReader, issues: IssueList): DesiredSubnet[] | undefined {
  const short = SUBNET_SHORT_KEYS.filter((key) => r.has(key));
  if (r.has('subnets')) {
    if (short.length > 0) {
      return r.fail('subnets', `give either subnets or the short form (${short.join(', ')}), not both`);
    }
    const items = r.list('subnets');
    if (items === undefined) return undefined;
    if (items.length === 0) return r.fail('subnets', 'must list at least one subnet');
    const subnets = items.map((item, i) => parseSubnet(item, [...r.at('subnets'), i], issues));
    return subnets.every((s) => s !== undefined) ? (subnets as DesiredSubnet[]) : undefined;
  }
  if (short.length === 0) {
    issues.add(r.path, 'missing required key "cidr" (or "subnets")');
    return undefined;
  }
  const subnet = readSubnetFields(r, issues);
  return subnet === undefined ? undefined : [{ ...subnet, id: undefined }];
}

/** undefined: invalid; null: not attached. */
function readAttach(network: MapReader, issues: IssueList): Attachment | null | undefined {
  if (!network.has('attach') || network.isNull('attach')) return null;
  const r = new MapReader(network.raw('attach'), network.at('attach'), issues, ATTACH_KEYS);
  if (!r.ok) return undefined;
  const namespace = r.nullableString('namespace');
  const iface = r.string('interface', true);
  const mode = r.oneOf('mode', ATTACH_MODES) ?? 'onlink';
  if (namespace !== undefined && namespace !== null && namespace.includes('/')) {
    r.fail('namespace', `"${namespace}" is not a namespace name: it must not contain "/"`);
  }
  const problem = iface === undefined ? undefined : interfaceNameProblem(iface);
  if (problem !== undefined) r.fail('interface', problem);
  const address = readAttachAddress(r, mode);
  const onlink = r.has('onlink') ? r.boolean('onlink') : false;
  if (onlink === true && mode !== 'router') {
    r.fail(
      'onlink',
      `only router mode takes onlink: mode "${mode}" binds 169.254.169.254/32 on the interface anyway`,
    );
  }
  const hopLimit = readTokenHopLimit(r);
  const neighbourCheck = r.has('neighbour_check') ? r.boolean('neighbour_check') : false;
  if (iface === undefined || address === undefined || onlink === undefined) return undefined;
  if (hopLimit === undefined || neighbourCheck === undefined) return undefined;
  // Defaults are left out, so the stored attachment of a network that does not mention them is the same
  // as before these keys existed (and the supervisor sees no change).
  return {
    namespace: namespace ?? null,
    interface: iface,
    mode,
    address,
    ...(onlink ? { onlink: true } : {}),
    ...(hopLimit === TOKEN_HOP_LIMIT_DEFAULT ? {} : { tokenHopLimit: hopLimit }),
    ...(neighbourCheck ? { neighbourCheck: true } : {}),
  };
}

/** attach.token_hop_limit: 1..64, or off (false, or null) for no limit; absent is the default, 1. */
function readTokenHopLimit(r: MapReader): number | null | undefined {
  if (!r.has('token_hop_limit')) return TOKEN_HOP_LIMIT_DEFAULT;
  const value = r.raw('token_hop_limit');
  if (value === 'off' || value === false || value === null) return null;
  const inRange =
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= TOKEN_HOP_LIMIT_MIN &&
    value <= TOKEN_HOP_LIMIT_MAX;
  if (inRange) return value;
  return r.fail(
    'token_hop_limit',
    `must be ${TOKEN_HOP_LIMIT_MIN}..${TOKEN_HOP_LIMIT_MAX} (the IP TTL of token replies) or off, got ${describeValue(value)}`,
  );
}

/** attach.address: an interface CIDR ("10.0.0.2/24"); isolated mode needs one (dnsmasq serves from it). */
function readAttachAddress(r: MapReader, mode: AttachMode): string | null | undefined {
  if (!r.has('address') || r.isNull('address')) {
    if (mode === 'isolated')
      return r.fail(
        'address',
        'mode "isolated" needs the service\'s address on the interface, e.g. address: 10.0.0.2/24 (dnsmasq serves DHCP from it)',
      );
    return null;
  }
  const text = r.string('address');
  if (text === undefined) return undefined;
  const parsed = parseInterface(text);
  if (parsed === undefined)
    return r.fail('address', `"${text}" is not an interface address like "10.0.0.2/24"`);
  return `${parsed.host}/${parsed.prefix}`;
}
