// Where a network's dnsmasq keeps its files. Two places, for a reason: dnsmasq drops root for
// "nobody" right after start and rereads its hosts and options files as that user (at start and on
// every SIGHUP). The data directory is 0700 (it holds the database and the admin token), so files
// inside it are unreadable to dnsmasq — which then logs "cannot read …: Permission denied" and
// serves no reservations at all. So: the files dnsmasq reads live in a runtime directory it can
// read (nothing secret in them: MAC, address, hostname, routes); the lease and pid files, which it
// opens as root before dropping privileges, stay in the data directory.
import { join } from 'node:path';
import { ImdsError } from '../errors.js';

/** Default runtime directory (root); the files there are rewritten at every start. */
export const DEFAULT_RUN_DIR = '/run/openimds';

export interface DnsmasqDirs {
  dataDir: string;
  /** Default DEFAULT_RUN_DIR. */
  runDir?: string;
}

export interface DnsmasqPaths {
  /** <run dir>/dnsmasq/<network id>: the files dnsmasq reads (0755, files 0644). */
  filesDir: string;
  hostsFile: string;
  optsFile: string;
  /** <data dir>/dnsmasq/<network id>: what it writes. */
  stateDir: string;
  leaseFile: string;
  pidFile: string;
}

export function dnsmasqPaths(dirs: DnsmasqDirs, networkId: string): DnsmasqPaths {
  if (!/^[\w.-]+$/.test(networkId) || /^\.\.?$/.test(networkId)) {
    throw new ImdsError('CONFIG_INVALID', `Cannot name a directory after network id "${networkId}"`, {
      hint: 'Network ids are UUIDs; fix the id in the inventory',
    });
  }
  const filesDir = join(dirs.runDir ?? DEFAULT_RUN_DIR, 'dnsmasq', networkId);
  const stateDir = join(dirs.dataDir, 'dnsmasq', networkId);
  return {
    filesDir,
    hostsFile: join(filesDir, 'host'),
    optsFile: join(filesDir, 'opts'),
    stateDir,
    leaseFile: join(stateDir, 'leases'),
    pidFile: join(stateDir, 'pid'),
  };
}
