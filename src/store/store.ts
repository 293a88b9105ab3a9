import type { Instance } from '../model/instance.js';
import type { InstanceRecord } from '../model/instance-record.js';
import type { Network, Router } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { Snapshot } from '../model/snapshot.js';

/**
 * What the caller supplies when creating or replacing an instance. The store assigns what it owns:
 * EC2 ids (unless pinned here, e.g. when migrating from Nova), revision, createdAt (unless given),
 * and never touches the write-once password through this path.
 */
export type InstanceInput = Omit<
  Instance,
  'ec2Id' | 'ec2ImageId' | 'ec2KernelId' | 'ec2RamdiskId' | 'revision' | 'createdAt' | 'password'
> & {
  createdAt?: string;
  /** Pin the integer behind i-%08x (must be unused). */
  ec2Id?: number;
};

export type PortInput = Port;

/** Pin the integer behind ami-/aki-/ari-%08x for an image UUID (Nova's s3_images row). */
export interface Ec2ImageMapping {
  imageId: string;
  ec2Id: number;
}

export type PasswordResult = 'stored' | 'already-set' | 'no-such-instance';

/** A match of (networks, address) → port; the caller decides what 0 or several matches mean. */
export interface PortMatch {
  port: Port;
  instanceUuid: string;
  projectId: string;
  revision: number;
}

/**
 * Reads that the request path uses. Kept narrow so listeners take only this
 * (`Pick<Store, 'findPorts' | …>`), and a test double is a few lines.
 */
export interface StoreReads {
  /** Ports on any of `networkIds` whose fixed IPs include `address` (normalised text form). */
  findPortsByAddress(networkIds: readonly string[], address: string): PortMatch[];
  /** Ports on any of `networkIds` with this MAC (IPv6 link-local lookups, reference §3.5.2). */
  findPortsByMac(networkIds: readonly string[], mac: string): PortMatch[];
  /** Networks attached to a router (router-mode lookups). */
  networkIdsOfRouter(routerId: string): string[];
  /** The instance's revision, or undefined: the render cache checks this before using a cached document. */
  findRevision(uuid: string): number | undefined;
  /** Everything rendering needs, or undefined. */
  findInstanceRecord(uuid: string): InstanceRecord | undefined;
}

export interface Store extends StoreReads {
  // --- reads
  listNetworks(): Network[];
  findNetwork(idOrName: string): Network | undefined;
  listRouters(): Router[];
  findRouter(idOrName: string): Router | undefined;
  listInstances(): Instance[];
  /** By UUID or by name (names are unique in openimds). */
  findInstance(uuidOrName: string): Instance | undefined;
  listPorts(instanceUuid?: string): Port[];
  findPort(id: string): Port | undefined;
  snapshot(): Snapshot;
  /** A number that changes whenever any data changes (in this or another process). */
  changeMark(): number;

  // --- writes (each one atomic; several in one `transaction` are atomic together)
  putRouter(router: Router): void;
  deleteRouter(id: string): boolean;
  putNetwork(network: Network): void;
  deleteNetwork(id: string): boolean;
  /** Create or replace (by uuid); returns the stored instance. Bumps the revision on replace. */
  putInstance(input: InstanceInput): Instance;
  deleteInstance(uuid: string): boolean;
  /** Create or replace a port (by id); bumps its instance's revision. */
  putPort(port: PortInput): void;
  deletePort(id: string): boolean;
  pinEc2Image(mapping: Ec2ImageMapping): void;
  /** Write-once: exactly one of concurrent callers gets 'stored'. */
  setPassword(uuid: string, password: string): PasswordResult;
  /** Admin reset (Nova's DELETE os-server-password): makes a later POST acceptable again. */
  clearPassword(uuid: string): boolean;
  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
