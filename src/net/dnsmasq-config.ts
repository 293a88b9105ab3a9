// Everything one isolated network's dnsmasq needs: its command line and the two files it reads.
// Pure; the supervisor writes the files and runs the command.
import { parseInterface } from '../ip/address.js';
import type { Network } from '../model/network.js';
import { dnsmasqArgv } from './dnsmasq-argv.js';
import { dnsmasqHostsFile } from './dnsmasq-hosts-file.js';
import { dnsmasqOptsFile } from './dnsmasq-opts-file.js';
import { dnsmasqPaths, type DnsmasqDirs, type DnsmasqPaths } from './dnsmasq-paths.js';
import type { HostedPort } from './hosted-ports.js';

export interface DnsmasqConfig {
  networkId: string;
  networkName: string;
  namespace: string | null;
  argv: string[];
  /** The hosts file, then the options file. */
  files: Array<{ path: string; content: string }>;
  paths: DnsmasqPaths;
}

/** The network must be attached in isolated mode with an address (checkAttachment says so). */
export function dnsmasqConfig(
  network: Network,
  ports: readonly HostedPort[],
  dirs: DnsmasqDirs,
): DnsmasqConfig {
  const paths = dnsmasqPaths(dirs, network.id);
  const nextHop = parseInterface(network.attach!.address!)!.host;
  return {
    networkId: network.id,
    networkName: network.name,
    namespace: network.attach!.namespace,
    argv: dnsmasqArgv(network, paths),
    files: [
      { path: paths.hostsFile, content: dnsmasqHostsFile(network, ports) },
      { path: paths.optsFile, content: dnsmasqOptsFile(network, nextHop) },
    ],
    paths,
  };
}
