// A throw-away guest network for the namespace scenario, as test/helpers/netns.ts builds it: a guest
// namespace and a service namespace joined by a veth pair, 169.254.169.254/32 on the service side
// (on-link mode). Everything is created inside the two namespaces (`ip -n`), never in the machine's
// own; remove() deletes both (and so the veth pair), and is registered for cleanup on any exit.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { onCleanup } from './cleanup.js';

export const METADATA_ADDRESS = '169.254.169.254';
export const SERVICE_INTERFACE = 'svc0';
const GUEST_INTERFACE = 'eth0';

export interface GuestNetwork {
  guestNs: string;
  serviceNs: string;
  serviceInterface: string;
  guestAddress: string;
  serviceAddress: string;
  cidr: string;
  remove(): void;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function createGuestNetwork(): GuestNetwork {
  const id = randomBytes(3).toString('hex');
  const guestNs = `oimds-bench-${id}-g`;
  const serviceNs = `oimds-bench-${id}-s`;
  const subnet = randomInt(1, 255);
  const ip = (...argv: string[]): void => {
    execFileSync('ip', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const remove = (): void => {
    for (const ns of [guestNs, serviceNs]) {
      // Anything still running in them was started by the benchmark.
      for (const pid of namespacePids(ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // never created, or already gone
      }
    }
  };
  const forget = onCleanup(`namespaces ${guestNs}, ${serviceNs}`, remove);
  const network: GuestNetwork = {
    guestNs,
    serviceNs,
    serviceInterface: SERVICE_INTERFACE,
    guestAddress: `10.213.${subnet}.2`,
    serviceAddress: `10.213.${subnet}.1`,
    cidr: `10.213.${subnet}.0/24`,
    remove: () => {
      remove();
      forget();
    },
  };
  try {
    ip('netns', 'add', guestNs);
    ip('netns', 'add', serviceNs);
    ip(
      '-n',
      serviceNs,
      'link',
      'add',
      SERVICE_INTERFACE,
      'type',
      'veth',
      'peer',
      'name',
      GUEST_INTERFACE,
      'netns',
      guestNs,
    );
    ip('-n', serviceNs, 'addr', 'add', `${network.serviceAddress}/24`, 'dev', SERVICE_INTERFACE);
    ip('-n', serviceNs, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', SERVICE_INTERFACE);
    ip('-n', guestNs, 'addr', 'add', `${network.guestAddress}/24`, 'dev', GUEST_INTERFACE);
    for (const [ns, dev] of [
      [serviceNs, 'lo'],
      [serviceNs, SERVICE_INTERFACE],
      [guestNs, 'lo'],
      [guestNs, GUEST_INTERFACE],
    ] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', guestNs, 'route', 'add', 'default', 'via', network.serviceAddress, 'dev', GUEST_INTERFACE);
    // wrk with Connection: close opens ~100k connections from one address in a few seconds; these
    // settings are per namespace, so only the guest namespace created here is changed.
    sysctl(guestNs, 'net.ipv4.ip_local_port_range', '1024 65000');
    sysctl(guestNs, 'net.ipv4.tcp_tw_reuse', '1');
  } catch (err) {
    network.remove();
    throw err;
  }
  return network;
}

function sysctl(ns: string, key: string, value: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`], { stdio: 'ignore' });
}

function namespacePids(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
  } catch {
    return [];
  }
}
