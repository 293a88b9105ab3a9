// A small lab for the attach-* and paths-* end-to-end tests: throw-away network namespaces wired by
// veth pairs (and bridges), guests set up the way the seed report's CentOS guest was, openimds serve
// started in this very process (startService, as `openimds serve` wires it), and a curl that runs in a
// guest namespace. Nothing is ever sent from the machine's own namespace: every address and route
// lives inside namespaces the lab creates, and every command that carries traffic runs in one of them
// (`ip -n`, `ip netns exec`). Loopback and UNIX sockets are the only other paths used.
//
// One lab per test. Its cleanup is registered with t.after before anything is created and runs, in
// this order: the steps deferred with lab.defer (last first: stop the service, close the store…), the
// processes the lab spawned, anything still running inside the lab's namespaces (only the lab starts
// processes there: dnsmasq, haproxy, dhclient, openimds proxy), the namespaces themselves, their
// /etc/netns entries, the temporary directory. A process exit or signal still removes the namespaces.
//
// The service answers from this process: a request it must answer is never made with a synchronous
// exec (that would block its event loop); everything here is asynchronous.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from '../../src/cli/service-app.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { METADATA_ADDRESS, NAMESPACE_PREFIX, randomMac } from '../helpers/netns.js';

export { METADATA_ADDRESS, randomMac };

/** The built CLI, from dist/test/e2e/ where this file runs compiled. */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const META_DATA_JSON = '/openstack/latest/meta_data.json';
/** The seed report's route: CentOS network-scripts add it unless NOZEROCONF is set. */
export const ZEROCONF_ROUTE = ['169.254.0.0/16', 'scope', 'link', 'metric', '1002'] as const;
const NETNS_ETC = '/etc/netns';
const KILL_GRACE_MS = 3000;
// ip netns exec bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf: a resolver on the
// namespace's own loopback keeps DNS inside it and fails at once (and dhclient-script writes there,
// never to the host's file).
const RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

export interface RunResult {
  /** Exit code; null when ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LabChild {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once `pattern` shows in the output; rejects if the process exits first or after `ms`. */
  waitOutput(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

export interface VethEnd {
  ns: string;
  dev: string;
  mac?: string;
}

export interface GuestOptions {
  /** The guest's address with prefix, e.g. 10.1.2.10/24; none for a DHCP client. */
  address?: string;
  /** Default route via this address. */
  gateway?: string;
  /** The seed report's 169.254.0.0/16 dev eth0 scope link metric 1002 (default true). */
  zeroconf?: boolean;
}

export interface Lab {
  readonly id: string;
  /** A random 10.X.Y prefix ("10.37.201"); the subnet exists only inside the lab's namespaces. */
  readonly prefix: string;
  /** Temporary directory (0755, so dnsmasq can reach the run directory below it), removed at cleanup. */
  readonly dir: string;
  /** Creates `oimds-<id>-<role>` with lo up and its own resolv.conf. */
  namespace(role: string): Promise<string>;
  /** A veth pair created inside `a.ns`, its peer moved straight into `b.ns`; both ends up. */
  veth(a: VethEnd, b: VethEnd): Promise<void>;
  /** `ip -n <ns> args…`; rejects on failure. */
  ip(ns: string, ...args: string[]): Promise<RunResult>;
  /** `ip netns exec <ns> argv…`, collected; rejects on failure unless check is false. */
  run(
    ns: string,
    argv: readonly string[],
    opts?: { check?: boolean; timeoutMs?: number },
  ): Promise<RunResult>;
  /** A long-running process in `ns` (or here, with null), ended at cleanup. */
  spawn(ns: string | null, argv: readonly string[], opts?: SpawnOptions): LabChild;
  /** The guest side of a veth: MAC, address, routes (default route, zeroconf route). */
  guest(ns: string, dev: string, opts: GuestOptions): Promise<void>;
  /** A cleanup step, run before processes and namespaces go (last deferred, first run). */
  defer(step: () => unknown): void;
}

const live = new Set<() => void>();
let safetyNetInstalled = false;

export function createLab(t: TestContext): Lab {
  const id = randomBytes(3).toString('hex');
  const namespaces: string[] = [];
  const children = new Set<LabChild>();
  const deferred: Array<() => unknown> = [];
  const dir = mkdtempSync(join(tmpdir(), 'oimds-lab-'));

  const syncCleanup = (): void => {
    for (const c of children) if (c.child.pid !== undefined) killPid(c.child.pid, 'SIGKILL');
    for (const ns of namespaces) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: 'pipe' });
        for (const pid of parsePids(pids)) killPid(pid, 'SIGKILL');
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
      removeNetnsEtc(ns);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  installSafetyNet();
  live.add(syncCleanup);
  t.after(async () => {
    const failures: unknown[] = [];
    for (const step of deferred.reverse()) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    await Promise.all([...children].map((c) => c.stop()));
    for (const ns of namespaces) {
      for (const pid of parsePids((await run('ip', ['netns', 'pids', ns], { check: false })).stdout)) {
        killPid(pid, 'SIGKILL');
      }
      await run('ip', ['netns', 'del', ns], { check: false });
      removeNetnsEtc(ns);
    }
    live.delete(syncCleanup);
    rmSync(dir, { recursive: true, force: true });
    if (failures.length > 0) throw failures[0];
  });
  chmodSync(dir, 0o755); // dnsmasq, as "nobody", must reach the run directory below it

  const lab: Lab = {
    id,
    prefix: `10.${randomInt(16, 250)}.${randomInt(1, 255)}`,
    dir,
    async namespace(role) {
      const ns = `${NAMESPACE_PREFIX}${id}-${role}`;
      namespaces.push(ns); // before it exists: cleanup must find it even if the next step fails
      mkdirSync(join(NETNS_ETC, ns), { recursive: true });
      writeFileSync(join(NETNS_ETC, ns, 'resolv.conf'), RESOLV_CONF);
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      return ns;
    },
    async veth(a, b) {
      await run('ip', [
        '-n',
        a.ns,
        'link',
        'add',
        a.dev,
        'type',
        'veth',
        'peer',
        'name',
        b.dev,
        'netns',
        b.ns,
      ]);
      for (const end of [a, b]) {
        if (end.mac !== undefined)
          await run('ip', ['-n', end.ns, 'link', 'set', end.dev, 'address', end.mac]);
        await run('ip', ['-n', end.ns, 'link', 'set', end.dev, 'up']);
      }
    },
    ip: (ns, ...args) => run('ip', ['-n', ns, ...args]),
    run: (ns, argv, opts) => run('ip', ['netns', 'exec', ns, ...argv], opts),
    spawn(ns, argv, opts) {
      const [file, args] = ns === null ? [argv[0]!, argv.slice(1)] : ['ip', ['netns', 'exec', ns, ...argv]];
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      const labChild = wrapChild(child);
      children.add(labChild);
      return labChild;
    },
    async guest(ns, dev, opts) {
      if (opts.address !== undefined) await run('ip', ['-n', ns, 'addr', 'add', opts.address, 'dev', dev]);
      if (opts.gateway !== undefined) {
        await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', opts.gateway, 'dev', dev]);
      }
      if (opts.zeroconf !== false) await addZeroconfRoute(lab, ns, dev);
    },
    defer: (step) => void deferred.push(step),
  };
  return lab;
}

export async function addZeroconfRoute(lab: Lab, ns: string, dev: string): Promise<void> {
  const [dst, ...rest] = ZEROCONF_ROUTE;
  await lab.ip(ns, 'route', 'add', dst, 'dev', dev, ...rest);
}

export async function deleteZeroconfRoute(lab: Lab, ns: string, dev: string): Promise<void> {
  await lab.ip(ns, 'route', 'del', ZEROCONF_ROUTE[0], 'dev', dev);
}

function wrapChild(child: ChildProcess): LabChild {
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => waiters.forEach((w) => w()));
  return {
    child,
    output: () => out,
    waitOutput(pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}:\n${out}`)), ms);
        const check = () => {
          if (pattern.test(out)) finish();
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${out}`));
          }
        };
        const finish = (err?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err === undefined) resolve();
          else reject(err);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

function run(
  file: string,
  argv: readonly string[],
  opts: { check?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string }) | null;
        const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
        if (failure !== null && opts.check !== false) {
          reject(
            new Error(`Command failed (${code ?? failure.message}): ${file} ${argv.join(' ')}\n${stderr}`),
          );
        } else {
          resolve({ code, stdout, stderr });
        }
      },
    );
  });
}

function parsePids(text: string): number[] {
  return text
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

function removeNetnsEtc(ns: string): void {
  rmSync(join(NETNS_ETC, ns), { recursive: true, force: true });
  try {
    rmdirSync(NETNS_ETC); // only when empty: other tests' namespaces may still use it
  } catch {
    // not empty, or already gone
  }
}

function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  const all = () => {
    for (const cleanup of live) cleanup();
    live.clear();
  };
  process.once('exit', all);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      all();
      process.kill(process.pid, signal);
    });
  }
}

// --- the guest's view

export interface Fetched {
  /** curl's exit code (0 ok, 7 refused/unreachable, 28 timed out). */
  exit: number | null;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  body: string;
  /** How long curl took, seconds. */
  seconds: number;
  stderr: string;
}

export interface FetchOptions {
  headers?: ReadonlyArray<readonly [string, string]>;
  method?: string;
  connectTimeout?: number;
  maxTime?: number;
}

/** curl from inside `ns` (never through a proxy); a failure is a result, not an exception. */
export async function fetchFrom(
  lab: Lab,
  ns: string,
  url: string,
  opts: FetchOptions = {},
): Promise<Fetched> {
  const argv = ['curl', '-sS', '--noproxy', '*', '-w', '\n%{http_code}'];
  argv.push('--connect-timeout', String(opts.connectTimeout ?? 2), '-m', String(opts.maxTime ?? 3));
  if (opts.method !== undefined) argv.push('-X', opts.method);
  for (const [name, value] of opts.headers ?? []) argv.push('-H', `${name}: ${value}`);
  argv.push(url);
  const started = Date.now();
  const r = await lab.run(ns, argv, { check: false, timeoutMs: ((opts.maxTime ?? 3) + 5) * 1000 });
  const seconds = (Date.now() - started) / 1000;
  const cut = r.stdout.lastIndexOf('\n');
  return {
    exit: r.code,
    status: Number(r.stdout.slice(cut + 1)) || 0,
    body: cut < 0 ? '' : r.stdout.slice(0, cut),
    seconds,
    stderr: r.stderr,
  };
}

/** GET meta_data.json from `ns` at 169.254.169.254 and return its uuid; fails on anything but 200. */
export async function metadataUuid(lab: Lab, ns: string, opts: FetchOptions = {}): Promise<string> {
  const r = await fetchFrom(lab, ns, `http://${METADATA_ADDRESS}${META_DATA_JSON}`, opts);
  assert.equal(r.status, 200, `meta_data.json from ${ns}: curl exit ${r.exit}, ${r.stderr}${r.body}`);
  return (JSON.parse(r.body) as { uuid: string }).uuid;
}

/** Polls until a GET of meta_data.json from `ns` succeeds, then returns its uuid. */
export async function waitForMetadata(lab: Lab, ns: string, what: string, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await fetchFrom(lab, ns, `http://${METADATA_ADDRESS}${META_DATA_JSON}`, {
      connectTimeout: 1,
      maxTime: 2,
    });
    if (r.status === 200) return (JSON.parse(r.body) as { uuid: string }).uuid;
    if (Date.now() > deadline)
      assert.fail(`${what}: no answer in ${ms} ms (curl exit ${r.exit}: ${r.stderr})`);
    await sleep(100);
  }
}

export interface Neighbour {
  lladdr?: string;
  state: string[];
}

/** `ip -n ns neigh show <address> dev <dev>`: the guest's neighbour entries for that address. */
export async function neighbours(lab: Lab, ns: string, dev: string, address = METADATA_ADDRESS) {
  const r = await lab.ip(ns, '-j', 'neigh', 'show', address, 'dev', dev);
  return (r.stdout.trim() === '' ? [] : JSON.parse(r.stdout)) as Neighbour[];
}

/** The MAC of `dev` in `ns`. */
export async function macOf(lab: Lab, ns: string, dev: string): Promise<string> {
  const r = await lab.ip(ns, '-j', 'link', 'show', 'dev', dev);
  return (JSON.parse(r.stdout) as Array<{ address: string }>)[0]!.address;
}

/** The IPv4 addresses on `dev` in `ns`, as "a.b.c.d/n". */
export async function addressesOf(lab: Lab, ns: string, dev: string): Promise<string[]> {
  const r = await lab.ip(ns, '-4', '-j', 'addr', 'show', 'dev', dev);
  const links = JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return links.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
}

/** `ip route get <address>` in `ns`, first line. */
export async function routeTo(lab: Lab, ns: string, address = METADATA_ADDRESS): Promise<string> {
  return (await lab.ip(ns, 'route', 'get', address)).stdout.split('\n')[0]!.trim();
}

/** Polls an async condition; fails with `what` (and `detail()` when given) after `ms`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(50);
  }
}

// --- openimds serve, in this process

export interface Served {
  service: RunningService;
  store: Store;
  /** The database file (for `openimds agent --database`). */
  database: string;
  dataDir: string;
  /** The service's log, JSON lines (debug level). */
  logs(): string[];
  /** Log lines whose event is `event`. */
  events(event: string): Array<Record<string, unknown>>;
  /** Stops the service (also done at cleanup; idempotent). */
  close(): Promise<void>;
}

/**
 * A store in the lab's directory, filled by `fill`, then `startService` with every TCP listener off
 * unless `configure` turns it on, plumbing applied by serve, the store polled every 100 ms.
 */
export async function serve(
  lab: Lab,
  fill: (store: Store) => void,
  opts: { configure?: (config: Config) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<Served> {
  const dataDir = join(lab.dir, 'data');
  mkdirSync(dataDir, { mode: 0o700, recursive: true });
  const database = join(dataDir, 'openimds.sqlite');
  const store = openSqliteStore({ path: database });
  lab.defer(() => store.close());
  store.transaction(() => fill(store));
  const lines: string[] = [];
  const echo = process.env['E2E_LOG'] !== undefined;
  const log = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => {
      lines.push(line);
      if (echo) process.stderr.write(line + '\n');
    },
  });
  const config: Config = {
    ...defaultConfig({ uid: 0, home: lab.dir }),
    dataDir,
    database,
    runDir: join(lab.dir, 'run'),
    adminTokenFile: join(dataDir, 'admin-token'),
    signedListen: '',
    adminListen: '',
    taggedSocket: '',
    directListeners: [],
    attachNetworks: true,
    applyPlumbing: true,
    attachPollMs: 100,
  };
  opts.configure?.(config);
  const service = await startService({ config, store, log, env: opts.env ?? {}, demo: false });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= service.close());
  lab.defer(close);
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    service,
    store,
    database,
    dataDir,
    logs: () => lines,
    events: (event) => parsed().filter((l) => l['event'] === event),
    close,
  };
}

/** The last `n` log lines, for failure messages. */
export function tailOf(lines: readonly string[], n = 30): string {
  return lines.slice(-n).join('\n');
}

// --- processes a scenario runs inside a namespace

/** The built CLI (`node dist/src/cli/main.js …`) in `ns` (or here), JSON logs, no config file. */
export function spawnCli(lab: Lab, ns: string | null, args: string[], env: NodeJS.ProcessEnv = {}): LabChild {
  return lab.spawn(ns, [process.execPath, CLI_MAIN, ...args], {
    env: { ...process.env, OPENIMDS_CONFIG: '/dev/null', OPENIMDS_LOG_FORMAT: 'json', ...env },
  });
}

/**
 * Neutron's namespace haproxy, as the DHCP agent writes its config (reference §3.4: neutron/common/
 * metadata.py METADATA_HAPROXY_GLOBAL + the unlimited listener template, ML2/OVS header rules), run in
 * the foreground (-db) inside `ns`. Left out: `daemon` and `pidfile` (foreground), `user`/`group` (runs
 * as the agent's user: root here), and the syslog lines (no /dev/log in a test machine).
 */
export function startHaproxy(
  lab: Lab,
  ns: string,
  opts: { bind: string; socket: string; networkId: string },
): LabChild {
  const cfg = join(lab.dir, `haproxy-${randomBytes(2).toString('hex')}.cfg`);
  writeFileSync(
    cfg,
    [
      'global',
      '    maxconn     1024',
      '',
      'defaults',
      '    mode http',
      '    option http-server-close',
      '    option forwardfor',
      '    retries                 3',
      '    timeout http-request    30s',
      '    timeout connect         30s',
      '    timeout client          32s',
      '    timeout server          32s',
      '    timeout http-keep-alive 30s',
      '',
      'listen listener',
      `    bind ${opts.bind}`,
      `    server metadata ${opts.socket}`,
      '    http-request del-header X-Neutron-Router-ID',
      `    http-request set-header X-Neutron-Network-ID ${opts.networkId}`,
      '',
    ].join('\n'),
  );
  return lab.spawn(ns, ['haproxy', '-f', cfg, '-db']);
}

export const DHCLIENT = '/sbin/dhclient';
export const DHCLIENT_SCRIPT = '/sbin/dhclient-script';

/**
 * Debian's ISC dhclient in the foreground (-d), one try (-1), with its lease and pid files in the lab's
 * directory; resolves once it is bound. Its resolv.conf lands in /etc/netns/<ns>/resolv.conf.
 */
export async function runDhclient(
  lab: Lab,
  ns: string,
  dev: string,
): Promise<{ leaseFile: string; client: LabChild }> {
  const leaseFile = join(lab.dir, `dhclient-${ns}.leases`);
  const pidFile = join(lab.dir, `dhclient-${ns}.pid`);
  const client = lab.spawn(ns, [
    DHCLIENT,
    '-d',
    '-1',
    '-v',
    '-sf',
    DHCLIENT_SCRIPT,
    '-lf',
    leaseFile,
    '-pf',
    pidFile,
    dev,
  ]);
  await client.waitOutput(/^bound to /m, 20_000);
  return { leaseFile, client };
}
