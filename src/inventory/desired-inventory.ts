// What an inventory file asks for, after validation: the model's shapes, with references by name
// and with generated values (ids, MACs, reservation ids, EC2 ids, creation times) left undefined
// where the file omits them — diffInventory() keeps the stored ones or generates new ones.
import type { InstanceInput } from '../store/store.js';
import type { Ec2ImageMapping } from '../store/store.js';
import type { Attachment, Subnet } from '../model/network.js';

export interface DesiredRouter {
  name: string;
  id: string | undefined;
}

export type DesiredSubnet = Omit<Subnet, 'id'> & { id: string | undefined };

export interface DesiredNetwork {
  name: string;
  id: string | undefined;
  /** Router name, or null. */
  router: string | null;
  mtu: number | null;
  subnets: DesiredSubnet[];
  attach: Attachment | null;
}

export interface DesiredPort {
  /** Network name. */
  network: string;
  id: string | undefined;
  mac: string | undefined;
  /** Canonical text, at least one. */
  fixedIps: string[];
  floatingIp: string | null;
  vifType: string;
  /** undefined: keep the stored one, or "tap" + the first 11 characters of the port id (Neutron's naming). */
  devname: string | null | undefined;
}

export type DesiredInstance = Omit<InstanceInput, 'uuid' | 'reservationId' | 'createdAt' | 'ec2Id'> & {
  uuid: string | undefined;
  reservationId: string | undefined;
  createdAt: string | undefined;
  /** Pinned integer behind i-%08x. */
  ec2Id: number | undefined;
  ports: DesiredPort[];
};

export interface DesiredInventory {
  routers: DesiredRouter[];
  networks: DesiredNetwork[];
  instances: DesiredInstance[];
  ec2Images: Ec2ImageMapping[];
}
