// Gathers what `doctor host` reasons about (habit: gather, then render). Every outside touch is an
// argument: `exec` for commands, `readFile`/`processAlive` for dnsmasq's files, the store's reads.
// The passive ARP watch of every network runs while the other commands run, so a diagnosis takes
// about --watch-seconds, not that times the number of networks.
import type { Network } from '../model/network.js';
import type { Exec } from '../net/exec.js';
import { dnsmasqPaths, type DnsmasqDirs } from '../net/dnsmasq-paths.js';
import { NFT_TABLE } from '../net/nft-ruleset.js';
import { inNamespace, ipArgv } from '../net/plan-command.js';
import type { Store } from '../store/store.js';
import type { DnsmasqState, NetworkState, PortLookup, Probe } from './host-state.js';

export type HostStore = Pick<
  Store,
  'listNetworks' | 'listPorts' | 'findPortsByAddress' | 'networkIdsOfRouter'
>;

export interface HostCollectIo {
  exec: Exec;
  readFile(path: string): Promise<string>;
  /** Is there a process with this pid (/proc/<pid>)? */
  processAlive(pid: number): boolean;
}

export interface HostCollectOptions {
  /** One network (name or id); every attached one when absent. */
  network?: string;
  /** 0: no watch. */
  watchSeconds: number;
  dirs: DnsmasqDirs;
}

/** The attached networks to check (all, or the one asked for; a name that matches none gives none). */
export function networksToCheck(store: HostStore, only?: string): Network[] {
  return store
    .listNetworks()
    .filter((n) => n.attach !== null && (only === undefined || n.id === only || n.name === only));
}

export async function collectNetworks(
  store: HostStore,
  io: HostCollectIo,
  opts: HostCollectOptions,
): Promise<NetworkState[]> {
  const namespaces = await listNamespaces(io.exec);
  const networks = networksToCheck(store, opts.network);
  const allNetworks = store.listNetworks();
  const ports = store.listPorts();
  return Promise.all(
    networks.map((network) => collectNetwork(network, { store, io, opts, namespaces, allNetworks, ports })),
  );
}

interface Shared {
  store: HostStore;
  io: HostCollectIo;
  opts: HostCollectOptions;
  namespaces: Set<string> | undefined;
  allNetworks: Network[];
  ports: ReturnType<HostStore['listPorts']>;
}

async function collectNetwork(network: Network, s: Shared): Promise<NetworkState> {
  const attach = network.attach!;
  const ns = attach.namespace;
  const base = {
    network,
    ports: portLookups(network, s),
    registeredElsewhere: registeredElsewhere(network, s),
    watchSeconds: s.opts.watchSeconds,
  };
  // Without the list (ip netns failed), assume it exists and let each command say otherwise.
  const namespaceExists = ns === null || s.namespaces === undefined || s.namespaces.has(ns);
  if (!namespaceExists) return { ...base, namespaceExists };
  const { exec } = s.io;
  const dev = attach.interface;
  const [arpWatch, interfaceAddresses, namespaceAddresses, nftTable, listeners, neighbours, dnsmasq] =
    await Promise.all([
      s.opts.watchSeconds > 0 ? watchArp(exec, ns, dev, s.opts.watchSeconds) : undefined,
      lines(exec, ipArgv(ns, '-4', '-o', 'addr', 'show', 'dev', dev)),
      lines(exec, ipArgv(ns, '-4', '-o', 'addr', 'show')),
      attach.mode === 'router'
        ? text(exec, inNamespace(ns, ['nft', 'list', 'table', ...NFT_TABLE.split(' ')]))
        : undefined,
      lines(exec, inNamespace(ns, ['ss', '-ltnH'])),
      lines(exec, ipArgv(ns, '-4', 'neigh', 'show', 'dev', dev)),
      attach.mode === 'isolated' ? dnsmasqState(network, s) : undefined,
    ]);
  return {
    ...base,
    namespaceExists,
    interfaceAddresses,
    namespaceAddresses,
    listeners,
    neighbours,
    ...(nftTable === undefined ? {} : { nftTable }),
    ...(dnsmasq === undefined ? {} : { dnsmasq }),
    ...(arpWatch === undefined ? {} : { arpWatch }),
  };
}

async function listNamespaces(exec: Exec): Promise<Set<string> | undefined> {
  const r = await exec(['ip', 'netns', 'list']);
  if (r.code !== 0) return undefined;
  return new Set(r.stdout.split('\n').flatMap((l) => l.trim().split(/\s+/)[0] || []));
}

async function text(exec: Exec, argv: readonly string[]): Promise<Probe<string>> {
  const command = argv.join(' ');
  const r = await exec(argv);
  if (r.code === 0) return { ok: true, value: r.stdout, command };
  return { ok: false, error: (r.stderr.trim() || `exit status ${r.code}`).split('\n')[0]!, command };
}

async function lines(exec: Exec, argv: readonly string[]): Promise<Probe<string[]>> {
  const r = await text(exec, argv);
  return r.ok ? { ...r, value: r.value.split('\n').filter((l) => l.trim() !== '') } : r;
}

/** tcpdump for a fixed time: `timeout` ends it (status 124), and what it printed is the result. */
async function watchArp(
  exec: Exec,
  ns: string | null,
  dev: string,
  seconds: number,
): Promise<Probe<string[]>> {
  const argv = inNamespace(ns, [
    'timeout',
    '-s',
    'INT',
    String(seconds),
    'tcpdump',
    '-l',
    '-n',
    '-i',
    dev,
    'arp',
  ]);
  const command = inNamespace(ns, ['tcpdump', '-l', '-n', '-i', dev, 'arp']).join(' ');
  const r = await exec(argv);
  if (r.code === 0 || r.code === 124) {
    return { ok: true, value: r.stdout.split('\n').filter((l) => l.trim() !== ''), command };
  }
  const error =
    r.stderr.split('\n').find((l) => /error|not|denied|No such/i.test(l)) ?? `exit status ${r.code}`;
  return { ok: false, error: error.trim(), command };
}

async function dnsmasqState(network: Network, s: Shared): Promise<DnsmasqState> {
  const paths = dnsmasqPaths(s.opts.dirs, network.id);
  const read = (p: string) =>
    s.io.readFile(p).then(
      (t) => t,
      () => undefined,
    );
  const [pidText, opts] = await Promise.all([read(paths.pidFile), read(paths.optsFile)]);
  const pid = Number(pidText?.trim());
  const valid = Number.isInteger(pid) && pid > 0;
  return {
    pidFile: paths.pidFile,
    ...(valid ? { pid } : {}),
    alive: valid && s.io.processAlive(pid),
    optsFile: paths.optsFile,
    ...(opts === undefined ? {} : { opts }),
  };
}

function portLookups(network: Network, s: Shared): PortLookup[] {
  // Router mode resolves across every network of the router, as the tagged listener does.
  const scope =
    network.attach!.mode === 'router' && network.routerId !== null
      ? s.store.networkIdsOfRouter(network.routerId)
      : [network.id];
  const ids = scope.includes(network.id) ? scope : [...scope, network.id];
  return s.ports
    .filter((p) => p.networkId === network.id)
    .flatMap((p) =>
      p.fixedIps.map((address) => ({
        portId: p.id,
        instanceUuid: p.instanceUuid,
        address,
        instances: s.store.findPortsByAddress(ids, address).map((m) => m.instanceUuid),
      })),
    );
}

function registeredElsewhere(network: Network, s: Shared): Record<string, string[]> {
  const names = new Map(s.allNetworks.map((n) => [n.id, n.name]));
  const out: Record<string, string[]> = {};
  for (const p of s.ports) {
    if (p.networkId === network.id) continue;
    for (const a of p.fixedIps) (out[a] ??= []).push(names.get(p.networkId) ?? p.networkId);
  }
  return out;
}
