// wrk, the load generator for one client address (keep-alive and Connection: close), pinned to the
// client CPU and optionally run inside a network namespace; its text report parsed into numbers.
import { openCpuWindow, type CpuUse } from './cpu-window.js';
import { CLIENT_CPU, startChild } from './processes.js';

export const WRK = '/usr/bin/wrk';

export interface WrkOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  close: boolean;
  headers?: Record<string, string>;
  netns?: string;
  /** Pids of the measured server side, for CPU per request. */
  serverPids: readonly number[];
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
  errors: number;
  cpu: CpuUse;
}

export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const headers = { ...opts.headers, ...(opts.close ? { Connection: 'close' } : {}) };
  const argv = [
    WRK,
    '-t1',
    `-c${opts.connections}`,
    `-d${opts.durationSeconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    opts.url,
  ];
  const window = openCpuWindow(opts.serverPids);
  const child = startChild(argv, {
    cpu: CLIENT_CPU,
    ...(opts.netns === undefined ? {} : { netns: opts.netns }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  window.watchClient(child.pid);
  let out = '';
  child.process.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => void child.stop(), (opts.durationSeconds + 30) * 1000);
  await child.exited;
  clearTimeout(timer);
  const cpu = window.stop();
  if (child.process.exitCode !== 0) {
    throw new Error(`wrk failed (exit ${child.process.exitCode}): ${child.stderr().trim() || out.trim()}`);
  }
  return { ...parseWrk(out), cpu };
}

/** The numbers of a `wrk --latency` report. */
export function parseWrk(text: string): Omit<WrkResult, 'cpu'> {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (total === null || rps === null) throw new Error(`Cannot read the wrk report:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const errors =
    (socket === null ? 0 : socket.slice(1, 5).reduce((a, v) => a + Number(v), 0)) +
    (non2xx === null ? 0 : Number(non2xx[1]));
  return {
    requests: Number(total[1]),
    seconds: toMs(total[2]!, total[3]!) / 1000,
    rps: Number(rps[1]),
    p50Ms: latency(text, /^[ \t]+50%[ \t]+([\d.]+)(us|ms|s|m)[ \t]*$/m),
    p99Ms: latency(text, /^[ \t]+99%[ \t]+([\d.]+)(us|ms|s|m)[ \t]*$/m),
    maxMs: latency(text, /^[ \t]+Latency[ \t]+\S+[ \t]+\S+[ \t]+([\d.]+)(us|ms|s|m)[ \t]/m),
    errors,
  };
}

function latency(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m === null ? NaN : toMs(m[1]!, m[2]!);
}

function toMs(value: string, unit: string): number {
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(value) * scale[unit]!;
}
