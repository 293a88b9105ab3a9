// Child processes of the benchmark: started pinned to a CPU (taskset), read through /proc, and
// stopped by their own pid. Every child is registered for cleanup, so none outlives a failed run.
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { onCleanup } from './cleanup.js';

/** Pinning needs taskset and a second core; otherwise everything shares whatever the kernel gives. */
export const CAN_PIN = existsSync('/usr/bin/taskset') && availableParallelism() >= 2;
/** The measured server side (service, proxy, baseline) runs here… */
export const SERVER_CPU = 0;
/** …and the load generator (wrk, the guest client) here, as in reference/node-http-bench.md. */
export const CLIENT_CPU = 1;

const CLOCK_TICKS_PER_SECOND =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const STOP_GRACE_MS = 3000;

export interface StartOptions {
  cpu?: number;
  /** Runs the command inside this network namespace (`ip netns exec`, which execs: the pid stays). */
  netns?: string;
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  /** Kept for error messages: the last few KiB of stderr. */
  captureStderr?: boolean;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Tail of stderr when captured. */
  stderr(): string;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** The argv that runs `argv` on `cpu` (and in `netns`), as far as this machine allows. */
export function commandLine(argv: readonly string[], opts: Pick<StartOptions, 'cpu' | 'netns'>): string[] {
  const pinned = opts.cpu !== undefined && CAN_PIN ? ['taskset', '-c', String(opts.cpu), ...argv] : [...argv];
  return opts.netns === undefined ? pinned : ['ip', 'netns', 'exec', opts.netns, ...pinned];
}

export function startChild(argv: readonly string[], opts: StartOptions = {}): Child {
  const [file, ...args] = commandLine(argv, opts);
  const proc = spawn(file!, args, {
    env: opts.env ?? process.env,
    stdio: opts.stdio ?? ['ignore', 'ignore', opts.captureStderr === false ? 'ignore' : 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`Cannot start ${argv.join(' ')}`);
  const pid = proc.pid;
  let tail = '';
  proc.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4096);
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const forget = onCleanup(`process ${pid} (${argv[0]})`, () => kill(pid, 'SIGKILL'));
  void exited.then(forget);
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    kill(pid, 'SIGTERM');
    const timer = setTimeout(() => kill(pid, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  return { process: proc, pid, stderr: () => tail, exited, stop };
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resident set size of one process in MiB (VmRSS), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, or NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ": utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of the whole machine from /proc/stat: `busy` is user + nice + system, the time that
 * processes' own utime + stime add up to (interrupt and softirq time is kept apart, as the kernel
 * does not charge it to the process it interrupted).
 */
export function machineCpuSeconds(): { busy: number; total: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, ...rest] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = [user!, nice!, system!, ...rest].reduce((a, b) => a + b, 0);
  // The 8th field: time a virtual machine's CPUs were runnable but the hypervisor ran something else.
  const steal = rest[4] ?? 0;
  return {
    busy: (user! + nice! + system!) / CLOCK_TICKS_PER_SECOND,
    total: total / CLOCK_TICKS_PER_SECOND,
    steal: steal / CLOCK_TICKS_PER_SECOND,
  };
}
