// On-link plumbing (attach.mode onlink, and the address half of isolated): the guest-facing interface
// owns 169.254.169.254/32, so it answers ARP for it. That is what Neutron's DHCP agent does on the
// DHCP port of an isolated network (reference §3.3.3), and what makes the zeroconf route
// `169.254.0.0/16 dev eth0` of the seed report harmless: the guest ARPs, and someone answers.
import type { Attachment } from '../model/network.js';
import { ipArgv, type PlanCommand } from './plan-command.js';

export const METADATA_ADDRESS = '169.254.169.254';
export const METADATA_HOST_CIDR = `${METADATA_ADDRESS}/32`;

// Removal failures that mean "already gone": the address (iproute2 with netlink extended acks says
// "Address not found", older ones EADDRNOTAVAIL's text), the interface, or the whole namespace.
const ALREADY_GONE =
  /Address not found|Cannot assign requested address|Cannot find device|Cannot open network namespace/;

export interface ApplyRemove {
  apply: PlanCommand[];
  remove: PlanCommand[];
}

/** `ip addr replace` is idempotent: applying twice leaves one address, never "File exists". */
export function onlinkCommands(attach: Attachment): ApplyRemove {
  const ip = (...args: string[]) => ipArgv(attach.namespace, ...args);
  const dev = attach.interface;
  const addresses = [
    {
      cidr: METADATA_HOST_CIDR,
      why: `answer ARP for ${METADATA_ADDRESS} on the guests' link (a zeroconf 169.254.0.0/16 route then works)`,
    },
    ...(attach.address === null
      ? []
      : [{ cidr: attach.address, why: "the service's own address on the guests' network (attach.address)" }]),
  ];
  return {
    apply: [
      { argv: ip('link', 'set', 'dev', dev, 'up'), why: 'the guest-facing interface must be up' },
      ...addresses.map(({ cidr, why }) => ({ argv: ip('addr', 'replace', cidr, 'dev', dev), why })),
    ],
    remove: addresses.map(({ cidr }) => ({
      argv: ip('addr', 'del', cidr, 'dev', dev),
      why: `remove ${cidr} added by apply (already gone is fine)`,
      okWhen: ALREADY_GONE,
    })),
  };
}
