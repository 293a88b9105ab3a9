// What `doctor host` reads before it reasons (collectHostState gathers it; the checks in
// host-checks.ts only read it). Command output is kept as text lines so a finding can quote it.
import type { Network } from '../model/network.js';

/** The output of one command, or why it could not be had. */
export type Probe<T> =
  { ok: true; value: T; command: string } | { ok: false; error: string; command: string };

export interface DnsmasqState {
  pidFile: string;
  /** The pid in the pid file, or undefined (no file, garbled). */
  pid?: number;
  alive: boolean;
  optsFile: string;
  /** The opts file's text, or undefined when it cannot be read. */
  opts?: string;
}

export interface PortLookup {
  portId: string;
  instanceUuid: string;
  address: string;
  /** Instances found at (networks, address): exactly one is right. */
  instances: string[];
}

export interface NetworkState {
  network: Network;
  namespaceExists: boolean;
  /** `ip -4 -o addr show dev IF`, lines. */
  interfaceAddresses?: Probe<string[]>;
  /** `ip -4 -o addr show` of the whole namespace (does anything there own 169.254.169.254?). */
  namespaceAddresses?: Probe<string[]>;
  /** `nft list table ip openimds` (router mode). */
  nftTable?: Probe<string>;
  /** `ss -ltnH` lines in the namespace. */
  listeners?: Probe<string[]>;
  dnsmasq?: DnsmasqState;
  /** `ip -4 neigh show dev IF`, lines. */
  neighbours?: Probe<string[]>;
  /** `tcpdump -l -n -i IF arp` for the watch window, lines; undefined when the watch is off. */
  arpWatch?: Probe<string[]>;
  ports: PortLookup[];
  /** Address → names of other networks that have a port with it (explains an unregistered guest). */
  registeredElsewhere: Record<string, string[]>;
  /** Seconds watched (for the summary). */
  watchSeconds: number;
}

/** An HTTP probe through a path of the service (signed listener, agent socket). */
export interface PathProbe {
  path: 'signed' | 'agent';
  target: string;
  /** Which port's (or instance's) identity was used. */
  as: string;
  status?: number;
  error?: string;
}

export interface HostState {
  store: { ok: true } | { ok: false; error: string };
  /** Configured service addresses (admin, signed, direct) and whether each accepted a connection. */
  serviceAddresses: Array<{ kind: string; address: string; answered: boolean }>;
  networks: NetworkState[];
  paths: PathProbe[];
}
