// Runs one isolated network's dnsmasq: writes its files, starts it, rereads them on change (SIGHUP:
// dnsmasq reloads --dhcp-hostsfile and --dhcp-optsfile without a restart), restarts it with backoff
// when it exits, and logs each event. One supervisor per network; processes and time are injected.
import { spawn as spawnChild } from 'node:child_process';
import type { Logger } from '../log.js';
import type { Network } from '../model/network.js';
import { dnsmasqConfig, type DnsmasqConfig } from './dnsmasq-config.js';
import { classifyDnsmasqLine, eachLine } from './dnsmasq-output.js';
import type { DnsmasqDirs } from './dnsmasq-paths.js';
import type { HostedPort } from './hosted-ports.js';
import { stopStaleDnsmasq } from './stop-stale-dnsmasq.js';
import { writeDnsmasqFiles } from './write-dnsmasq-files.js';

/** The part of a ChildProcess the supervisor uses (a test double is an EventEmitter). */
export interface DnsmasqChild {
  readonly pid?: number | undefined;
  readonly stderr: NodeJS.ReadableStream | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

export type SpawnDnsmasq = (argv: readonly string[]) => DnsmasqChild;

export const spawnDnsmasq: SpawnDnsmasq = (argv) =>
  spawnChild(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });

export interface RestartPolicy {
  /** First restart delay; doubles on each exit in a row, up to maxMs. */
  firstMs: number;
  maxMs: number;
  /** A dnsmasq that ran this long before exiting starts the backoff again from firstMs. */
  stableMs: number;
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: number;
}

export const DNSMASQ_RESTART: RestartPolicy = {
  firstMs: 1000,
  maxMs: 60_000,
  stableMs: 30_000,
  stopGraceMs: 5000,
};

export interface DnsmasqSupervisorDeps {
  log: Logger;
  dirs: DnsmasqDirs;
  spawn?: SpawnDnsmasq;
  /** Ends a dnsmasq an earlier openimds left running; returns its pid (default stopStaleDnsmasq). */
  stopStale?: (pidFile: string) => Promise<number | undefined>;
  now?: () => number;
  /** Runs fn after ms; returns a cancel function. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  restart?: Partial<RestartPolicy>;
}

export interface DnsmasqSupervisor {
  start(network: Network, ports: readonly HostedPort[]): Promise<void>;
  /** New files + SIGHUP; a restart only when the command line changes (interface, subnets, …). */
  update(network: Network, ports: readonly HostedPort[]): Promise<void>;
  stop(): Promise<void>;
  /** The running dnsmasq's pid, if one runs now. */
  pid(): number | undefined;
}

interface Running {
  child: DnsmasqChild;
  startedAt: number;
  /** dnsmasq loaded its files once: start-up is over, a SIGHUP is no longer ignored. */
  ready: boolean;
  pendingHup: boolean;
  /** Ended on purpose (stop, or a restart for a new command line). */
  ending: boolean;
  tail: string[];
  exited: Promise<void>;
}

const TAIL_LINES = 10;

export function createDnsmasqSupervisor(deps: DnsmasqSupervisorDeps): DnsmasqSupervisor {
  const policy = { ...DNSMASQ_RESTART, ...deps.restart };
  const spawn = deps.spawn ?? spawnDnsmasq;
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? defaultTimer;
  let config: DnsmasqConfig | undefined;
  let run: Running | undefined;
  let attempts = 0;
  let cancelRestart: (() => void) | undefined;
  let log = deps.log;

  const launch = (): void => {
    cancelRestart = undefined;
    if (config === undefined) return;
    const child = spawn(config.argv);
    const r: Running = {
      child,
      startedAt: now(),
      ready: child.stderr === null,
      pendingHup: false,
      ending: false,
      tail: [],
      exited: Promise.resolve(),
    };
    r.exited = exitOf(child).then((how) => onExit(r, how));
    if (child.stderr !== null) eachLine(child.stderr, (line) => onOutput(r, line));
    run = r;
    log.info('dnsmasq.started', `dnsmasq for network "${config.networkName}" started`, {
      pid: child.pid,
      attempt: attempts,
    });
  };

  const onOutput = (r: Running, line: string): void => {
    r.tail = [...r.tail.slice(1 - TAIL_LINES), line];
    const out = classifyDnsmasqLine(line);
    if (out.kind === 'lease') log.info('dnsmasq.dhcp', out.text);
    else if (out.kind === 'problem') log.warn('dnsmasq.warned', out.text, { hint: problemHint(out.text) });
    else log.debug('dnsmasq.output', out.text);
    if (out.loaded && !r.ready) {
      r.ready = true;
      if (r.pendingHup) hup(r);
    }
  };

  const onExit = (r: Running, { code, signal, error }: ChildExit): void => {
    if (run === r) run = undefined;
    const name = config?.networkName;
    if (r.ending)
      return void log.info('dnsmasq.stopped', `dnsmasq for network "${name}" stopped`, { pid: r.child.pid });
    if (now() - r.startedAt >= policy.stableMs) attempts = 0;
    const delay = Math.min(policy.maxMs, policy.firstMs * 2 ** attempts);
    attempts += 1;
    const how = error !== undefined ? `could not start: ${error.message}` : `exited with ${code ?? signal}`;
    log.warn('dnsmasq.exited', `dnsmasq for network "${name}" ${how}; restarting in ${delay} ms`, {
      pid: r.child.pid,
      code,
      signal,
      restartInMs: delay,
      lastOutput: r.tail,
    });
    cancelRestart = setTimer(launch, delay);
  };

  const hup = (r: Running): void => {
    r.pendingHup = false;
    r.child.kill('SIGHUP');
    log.info('dnsmasq.reloaded', 'dnsmasq rereads its hosts and options files (SIGHUP)', {
      pid: r.child.pid,
    });
  };

  const end = async (): Promise<void> => {
    cancelRestart?.();
    cancelRestart = undefined;
    const r = run;
    if (r === undefined) return;
    r.ending = true;
    r.child.kill('SIGTERM');
    const cancelKill = setTimer(() => r.child.kill('SIGKILL'), policy.stopGraceMs);
    await r.exited;
    cancelKill();
  };

  const start = async (network: Network, ports: readonly HostedPort[]): Promise<void> => {
    if (config !== undefined) return update(network, ports);
    config = dnsmasqConfig(network, ports, deps.dirs);
    log = deps.log.child({ network: network.name, namespace: config.namespace });
    writeDnsmasqFiles(config);
    const stale = await (deps.stopStale ?? stopStaleDnsmasq)(config.paths.pidFile);
    if (stale !== undefined)
      log.warn('dnsmasq.stale_stopped', `Ended dnsmasq ${stale}, left running by an earlier openimds`, {
        pid: stale,
      });
    attempts = 0;
    launch();
  };

  const update = async (network: Network, ports: readonly HostedPort[]): Promise<void> => {
    if (config === undefined) return start(network, ports);
    const next = dnsmasqConfig(network, ports, deps.dirs);
    const argvChanged = next.argv.join('\0') !== config.argv.join('\0');
    if (!argvChanged && JSON.stringify(next.files) === JSON.stringify(config.files)) return;
    config = next;
    writeDnsmasqFiles(next);
    if (argvChanged) {
      log = deps.log.child({ network: network.name, namespace: next.namespace });
      log.info('dnsmasq.reconfigured', 'dnsmasq restarts: its command line changed');
      await end();
      attempts = 0;
      return launch();
    }
    if (run === undefined) return; // a restart is pending; it reads the new files
    if (run.ready) hup(run);
    else run.pendingHup = true;
  };

  return {
    start,
    update,
    stop: async () => {
      await end();
      config = undefined;
    },
    pid: () => run?.child.pid,
  };
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

/** Resolves once, on 'exit' or on 'error' (a child that never started emits only 'error'). */
function exitOf(child: DnsmasqChild): Promise<ChildExit> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
}

function problemHint(text: string): string | undefined {
  if (/cannot read .*Permission denied/.test(text)) {
    return 'dnsmasq reads its files as user "nobody": make every directory above them searchable (chmod o+x)';
  }
  if (/Address (already )?in use/.test(text)) return 'Another DHCP server runs on this interface: stop it';
  return undefined;
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
