// A namespace's neighbour table (ARP/NDP), kept in memory for the neighbour check (docs/network.md
// "Neighbour check"): one long-running `ip monitor neigh` follows every change, an `ip -j neigh show`
// fills the table once it listens, so a request never runs a command (an IPv4 check reads the kernel's
// table from /proc/<monitor pid>/net/arp, which cannot trail the kernel as the monitor can). If the monitor
// dies the table is dropped (unknown, not stale) and rebuilt after 1 s, 2, 4, … up to 30 s; a run of
// 30 s resets the delay. Processes and time are injected, as in the dnsmasq supervisor.
import { spawn as spawnChild } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isIpv4 } from '../ip/address.js';
import type { Logger } from '../log.js';
import type { Exec } from './exec.js';
import { eachLine } from './dnsmasq-output.js';
import {
  arpTableMac,
  parseNeighbourJson,
  parseNeighbourLine,
  type NeighbourEntry,
} from './neighbour-lines.js';
import { describeNamespace, ipArgv } from './plan-command.js';

/** The part of a ChildProcess the cache uses (a test double is an EventEmitter with a stdout stream). */
export interface MonitorChild {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

export type SpawnMonitor = (argv: readonly string[]) => MonitorChild;

export const spawnMonitor: SpawnMonitor = (argv) =>
  spawnChild(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });

export const NEIGHBOUR_RESTART = { firstMs: 1000, maxMs: 30_000, stableMs: 30_000 };
/**
 * The monitor subscribes to changes a moment after it starts; the table is read after that, so no
 * change falls between the two (a change seen by both is applied twice, in order: harmless).
 */
const SUBSCRIBE_MS = 50;

export interface NeighbourCacheDeps {
  namespace: string | null;
  exec: Exec;
  log: Logger;
  spawn?: SpawnMonitor;
  now?: () => number;
  /** Runs fn after ms; returns a cancel function. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  restart?: Partial<typeof NEIGHBOUR_RESTART>;
  /**
   * The namespace's IPv4 neighbour table as the kernel has it now: /proc/<pid>/net/arp of the monitor
   * (which runs in the namespace); undefined when it cannot be read.
   */
  readArp?: (pid: number) => string | undefined;
}

export function readProcArp(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/net/arp`, 'latin1');
  } catch {
    return undefined;
  }
}

export interface NeighbourCache {
  /** Starts following the table (idempotent: the first request on a checked network calls it). */
  start(): void;
  stop(): Promise<void>;
  /**
   * The MAC the kernel has for `address` on `dev`; undefined when unresolved, absent, or not synced.
   * IPv4 is read from the kernel's table at the time of the call; IPv6 from the followed table.
   */
  find(dev: string, address: string): string | undefined;
  /** Resolves once `address` has a resolved entry, or after `ms`, whichever comes first. */
  settle(address: string, ms: number): Promise<void>;
}

export function createNeighbourCache(deps: NeighbourCacheDeps): NeighbourCache {
  const policy = { ...NEIGHBOUR_RESTART, ...deps.restart };
  const spawn = deps.spawn ?? spawnMonitor;
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? defaultTimer;
  const readArp = deps.readArp ?? readProcArp;
  const where = describeNamespace(deps.namespace);
  /** address → dev → entry: a lookup by address is one Map get. */
  const table = new Map<string, Map<string, NeighbourEntry>>();
  const waiters = new Map<string, Set<() => void>>();
  let synced = false;
  let started = false;
  let stopping = false;
  let child: MonitorChild | undefined;
  let exited: Promise<void> = Promise.resolve();
  let attempts = 0;
  let cancelTimer: (() => void) | undefined;

  const resolvedFor = (address: string): boolean => {
    const devs = synced ? table.get(address) : undefined;
    if (devs !== undefined) for (const e of devs.values()) if (e.mac !== null) return true;
    return false;
  };
  const put = (entry: NeighbourEntry): void => {
    const devs = table.get(entry.address) ?? new Map<string, NeighbourEntry>();
    table.set(entry.address, devs.set(entry.dev, entry));
  };
  const remove = (entry: NeighbourEntry): void => {
    const devs = table.get(entry.address);
    devs?.delete(entry.dev);
    if (devs?.size === 0) table.delete(entry.address);
  };
  const wake = (address?: string): void => {
    const sets = address === undefined ? [...waiters.values()] : [waiters.get(address) ?? new Set()];
    for (const set of sets) for (const w of [...set]) w();
  };

  const apply = (line: string): void => {
    const change = parseNeighbourLine(line);
    if (change === undefined) return;
    const { entry } = change;
    if (change.kind === 'deleted') remove(entry);
    else put(entry);
    wake(entry.address);
  };

  const launch = (): void => {
    cancelTimer = undefined;
    const startedAt = now();
    const monitor = spawn(ipArgv(deps.namespace, 'monitor', 'neigh'));
    const early: string[] = [];
    child = monitor;
    if (monitor.stdout !== null)
      eachLine(monitor.stdout, (line) => (synced ? apply(line) : early.push(line)));
    exited = exitOf(monitor).then((how) => onExit(monitor, startedAt, how));
    cancelTimer = setTimer(() => void load(monitor, early), SUBSCRIBE_MS);
  };

  const load = async (monitor: MonitorChild, early: string[]): Promise<void> => {
    cancelTimer = undefined;
    const dump = await deps.exec(ipArgv(deps.namespace, '-j', 'neigh', 'show'));
    if (child !== monitor) return; // stopped or restarted meanwhile
    let entries: NeighbourEntry[];
    try {
      if (dump.code !== 0) throw new Error(dump.stderr.trim() || `exit status ${dump.code}`);
      entries = parseNeighbourJson(dump.stdout);
    } catch (err) {
      deps.log.warn(
        'neighbour.read_failed',
        `Cannot read the neighbour table of ${where}: ${(err as Error).message}`,
        {
          namespace: deps.namespace,
        },
      );
      monitor.kill('SIGTERM'); // the exit restarts both, with backoff
      return;
    }
    table.clear();
    entries.forEach(put);
    synced = true;
    early.splice(0).forEach(apply);
    deps.log.debug('neighbour.synced', `Following the neighbour table of ${where}`, {
      namespace: deps.namespace,
      entries: entries.length,
    });
    wake();
  };

  const onExit = (monitor: MonitorChild, startedAt: number, how: string): void => {
    if (child === monitor) child = undefined;
    synced = false;
    table.clear();
    if (stopping) return;
    if (now() - startedAt >= policy.stableMs) attempts = 0;
    const delay = Math.min(policy.maxMs, policy.firstMs * 2 ** attempts);
    attempts += 1;
    deps.log.warn(
      'neighbour.monitor_exited',
      `ip monitor neigh in ${where} ${how}; restarting in ${delay} ms`,
      {
        namespace: deps.namespace,
        restartInMs: delay,
      },
    );
    cancelTimer?.();
    cancelTimer = setTimer(launch, delay);
  };

  return {
    start() {
      if (started) return;
      started = true;
      launch();
    },
    async stop() {
      stopping = true;
      cancelTimer?.();
      child?.kill('SIGTERM');
      await exited;
      wake();
    },
    find(dev, address) {
      if (!synced) return undefined;
      // The monitor's lines can trail the kernel by a scheduling delay: on a busy host, a guest that
      // took a neighbour's address could be checked against the neighbour's old entry. The kernel
      // updated its entry from the guest's ARP before the guest's first TCP segment was sent, so the
      // table read now is never behind. (NDP has no such file; IPv6 relies on the monitor.)
      const pid = child?.pid;
      if (pid !== undefined && isIpv4(address)) {
        const arp = readArp(pid);
        if (arp !== undefined) return arpTableMac(arp, dev, address);
      }
      return table.get(address)?.get(dev)?.mac ?? undefined;
    },
    settle(address, ms) {
      if (resolvedFor(address) || stopping) return Promise.resolve();
      return new Promise((resolve) => {
        const set = waiters.get(address) ?? new Set<() => void>();
        waiters.set(address, set);
        const done = (): void => {
          cancel();
          set.delete(check);
          if (set.size === 0) waiters.delete(address);
          resolve();
        };
        const check = (): void => {
          if (resolvedFor(address) || stopping) done();
        };
        const cancel = setTimer(done, ms);
        set.add(check);
      });
    },
  };
}

function exitOf(child: MonitorChild): Promise<string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`));
    child.once('error', (err) => resolve(`could not start: ${err.message}`));
  });
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
