// A throw-away network for e2e tests: a "guest" and a "service" namespace joined by a veth pair, so
// that a real client (cloud-init, curl) in the guest reaches 169.254.169.254 on the service side and
// nothing is ever sent from this machine's own namespace, where 169.254.169.254 may be a real
// metadata service. Everything is created inside the two namespaces (`ip -n`), never in the root
// one; cleanup() ends what it spawned and deletes both namespaces (and so the veth pair).
//
//   guest ns                                   service ns
//   lo up                                      lo up
//   eth0  10.213.X.2/24  <──── veth ────>  svc0  10.213.X.1/24 + 169.254.169.254/32
//   default via 10.213.X.1                     (answers ARP for 169.254.169.254: "on-link" mode)
//   [169.254.0.0/16 dev eth0 scope link metric 1002: the zeroconf route of many guest images]
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const NAMESPACE_PREFIX = 'oimds-';
export const METADATA_ADDRESS = '169.254.169.254';
export const GUEST_INTERFACE = 'eth0';
export const SERVICE_INTERFACE = 'svc0';
const NETNS_ETC = '/etc/netns';
const KILL_GRACE_MS = 3000;

// `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf. Pointing the guest at
// a resolver on its own loopback keeps every DNS query inside the namespace and makes it fail at once;
// otherwise each lookup (cloud-init's is_resolvable() probes three names that must not exist) waits
// out the resolver timeouts, ~30 s in all.
const GUEST_RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

export interface TopologyOptions {
  /** X in 10.213.X.0/24; random 1..254 by default (the subnet exists only inside the namespaces). */
  subnet?: number;
  /** MAC of the guest's eth0; a random fa:16:3e:… (Nova's prefix) by default. */
  guestMac?: string;
  /** Adds `169.254.0.0/16 dev eth0 scope link metric 1002` in the guest, as the seed images do. */
  zeroconfRoute?: boolean;
  /** Binds 169.254.169.254/32 on the service side's veth ("on-link" mode); default true. */
  metadataOnLink?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Reject when the command fails (default true). */
  check?: boolean;
}

export interface Topology {
  guestNs: string;
  serviceNs: string;
  guestInterface: string;
  serviceInterface: string;
  guestMac: string;
  /** MAC of the service side's veth: the one that answers ARP for 169.254.169.254. */
  serviceMac: string;
  guestAddress: string;
  serviceAddress: string;
  /** e.g. 10.213.7.0/24 */
  cidr: string;
  /** `ip netns exec <ns> argv…`, collected. */
  run(ns: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** `ip netns exec <ns> argv…` as a long-running child, ended by cleanup(). */
  spawn(ns: string, argv: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Ends the children, deletes the namespaces; safe to call more than once. */
  cleanup(): Promise<void>;
}

const live = new Set<{ cleanupSync(): void }>();
let safetyNetInstalled = false;

/** Builds the two namespaces and the veth pair; cleanup is registered with t.after before any step. */
export async function createTopology(t: TestContext, opts: TopologyOptions = {}): Promise<Topology> {
  const id = randomBytes(3).toString('hex');
  const guestNs = `${NAMESPACE_PREFIX}${id}-g`;
  const serviceNs = `${NAMESPACE_PREFIX}${id}-s`;
  const subnet = opts.subnet ?? randomInt(1, 255);
  const guestMac = opts.guestMac ?? randomMac();
  const children = new Set<ChildProcess>();
  let cleaned: Promise<void> | undefined;

  const entry = { cleanupSync: () => cleanupSync(guestNs, serviceNs, children) };
  const cleanup = (): Promise<void> => {
    cleaned ??= cleanupAsync(guestNs, serviceNs, children).finally(() => live.delete(entry));
    return cleaned;
  };
  installSafetyNet();
  live.add(entry);
  t.after(cleanup);

  const topology: Topology = {
    guestNs,
    serviceNs,
    guestInterface: GUEST_INTERFACE,
    serviceInterface: SERVICE_INTERFACE,
    guestMac,
    serviceMac: '',
    guestAddress: `10.213.${subnet}.2`,
    serviceAddress: `10.213.${subnet}.1`,
    cidr: `10.213.${subnet}.0/24`,
    run: (ns, argv, runOpts) => execIn(ns, argv, runOpts),
    spawn: (ns, argv, spawnOpts) => {
      // `ip netns exec` execs the command, so the child's pid is the command's own.
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'pipe', ...spawnOpts });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    cleanup,
  };

  const ip = (...argv: string[]) => execFileText('ip', argv);
  await ip('netns', 'add', guestNs);
  await ip('netns', 'add', serviceNs);
  writeGuestResolvConf(guestNs);
  // Created in the service namespace with its peer moved straight into the guest's: the root
  // namespace never holds either end.
  const veth = ['type', 'veth', 'peer', 'name', GUEST_INTERFACE, 'netns', guestNs];
  await ip('-n', serviceNs, 'link', 'add', SERVICE_INTERFACE, ...veth);
  await ip('-n', guestNs, 'link', 'set', GUEST_INTERFACE, 'address', guestMac);
  await ip('-n', serviceNs, 'addr', 'add', `${topology.serviceAddress}/24`, 'dev', SERVICE_INTERFACE);
  if (opts.metadataOnLink !== false) {
    await ip('-n', serviceNs, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', SERVICE_INTERFACE);
  }
  await ip('-n', guestNs, 'addr', 'add', `${topology.guestAddress}/24`, 'dev', GUEST_INTERFACE);
  for (const [ns, dev] of [
    [serviceNs, 'lo'],
    [serviceNs, SERVICE_INTERFACE],
    [guestNs, 'lo'],
    [guestNs, GUEST_INTERFACE],
  ] as const) {
    await ip('-n', ns, 'link', 'set', dev, 'up');
  }
  await ip('-n', guestNs, 'route', 'add', 'default', 'via', topology.serviceAddress, 'dev', GUEST_INTERFACE);
  if (opts.zeroconfRoute === true) {
    const zeroconf = ['169.254.0.0/16', 'dev', GUEST_INTERFACE, 'scope', 'link', 'metric', '1002'];
    await ip('-n', guestNs, 'route', 'add', ...zeroconf);
  }
  const link = await ip('-n', serviceNs, '-j', 'link', 'show', SERVICE_INTERFACE);
  topology.serviceMac = (JSON.parse(link.stdout) as Array<{ address: string }>)[0]!.address;
  return topology;
}

/** A random MAC with Nova's fa:16:3e prefix. */
export function randomMac(): string {
  return ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function execFileText(file: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        const result: RunResult = {
          code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
        };
        if (failure !== null && opts.check !== false) {
          const status = result.code ?? result.signal ?? failure.message;
          reject(new Error(`Command failed (${status}): ${file} ${argv.join(' ')}\n${stderr.trim()}`));
        } else {
          resolve(result);
        }
      },
    );
  });
}

function execIn(ns: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
  return execFileText('ip', ['netns', 'exec', ns, ...argv], opts);
}

function writeGuestResolvConf(guestNs: string): void {
  const dir = `${NETNS_ETC}/${guestNs}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/resolv.conf`, GUEST_RESOLV_CONF);
}

function removeGuestEtc(guestNs: string): void {
  rmSync(`${NETNS_ETC}/${guestNs}`, { recursive: true, force: true });
  try {
    rmdirSync(NETNS_ETC); // only when empty: other tests' namespaces may still use it
  } catch {
    // not empty, or already gone
  }
}

async function cleanupAsync(guestNs: string, serviceNs: string, children: Set<ChildProcess>): Promise<void> {
  await Promise.all([...children].map(endChild));
  for (const ns of [guestNs, serviceNs]) {
    // Anything still running in our namespaces was started by this topology (a grandchild).
    for (const pid of await namespacePids(ns)) killPid(pid, 'SIGKILL');
    await execFileText('ip', ['netns', 'del', ns], { check: false });
  }
  removeGuestEtc(guestNs);
}

function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function namespacePids(ns: string): Promise<number[]> {
  const { stdout } = await execFileText('ip', ['netns', 'pids', ns], { check: false });
  return stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** For process exit and signals: no awaiting possible, so everything is synchronous and forceful. */
function cleanupSync(guestNs: string, serviceNs: string, children: Set<ChildProcess>): void {
  for (const child of children) if (child.pid !== undefined) killPid(child.pid, 'SIGKILL');
  for (const ns of [guestNs, serviceNs]) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: 'pipe' });
      for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
        if (pid > 1 && pid !== process.pid) killPid(pid, 'SIGKILL');
      }
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already deleted
    }
  }
  removeGuestEtc(guestNs);
}

// The safety net behind t.after: a test process that exits or is interrupted (Ctrl-C, the runner's
// timeout) still leaves no namespace behind.
function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  const cleanupAll = (): void => {
    for (const entry of live) entry.cleanupSync();
    live.clear();
  };
  process.once('exit', cleanupAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupAll();
      process.kill(process.pid, signal);
    });
  }
}
