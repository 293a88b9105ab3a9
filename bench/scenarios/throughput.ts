// Requests per second through each way in, keep-alive and Connection: close, with wrk (-t1 -c64) on
// the client CPU. Repetitions are interleaved and the order rotates each pass, so a slow spell on the
// shared machine does not land on one target; the table shows the median of the clean runs.
import type { BenchOptions } from '../lib/args.js';
import { waitForQuiet } from '../lib/quiet.js';
import { median } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

/** Something wrk can load: a URL served by processes whose CPU is measured. */
export interface ThroughputTarget {
  id: string;
  /** How the request gets in, for the table ("direct listener", "signed listener", …). */
  wayIn: string;
  path: string;
  url: string;
  headers?: Record<string, string>;
  /** wrk runs inside this namespace (the guest's). */
  netns?: string;
  serverPids: number[];
  /** The baseline target (same run) its ratio is computed against. */
  baselineId: string;
}

export type Mode = 'keep-alive' | 'close';

export interface ThroughputRow {
  id: string;
  wayIn: string;
  path: string;
  mode: Mode;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Server-side CPU per request (µs) and how busy the server side kept its core(s). */
  serverUsPerRequest: number;
  serverCores: number;
  clientCores: number;
  /** CPU used by other processes on the machine during the run (cores): noise. */
  otherCores: number;
  ratio: number;
  baselineId: string;
  /** Requests/s of every repetition, clean or not. */
  runs: number[];
  /** Runs left out of the median because other processes used more than NOISY_CORES. */
  noisyRuns: number;
}

/** A run during which other processes used this much CPU on average is left out when a cleaner one exists. */
export const NOISY_CORES = 0.25;

export async function measureThroughput(
  targets: readonly ThroughputTarget[],
  opts: BenchOptions,
  log: (line: string) => void,
): Promise<ThroughputRow[]> {
  const runs = new Map<string, WrkResult[]>();
  for (let rep = 0; rep < opts.reps; rep++) {
    const order = targets.map((_, i) => targets[(i + rep) % targets.length]!);
    for (const target of order) {
      // Warm-up (JIT, caches, socket buffers); its numbers are discarded.
      await run(target, 'keep-alive', opts.warmSeconds, opts);
      for (const mode of ['keep-alive', 'close'] as const) {
        await waitForQuiet(opts.quietWaitMs);
        const result = await run(target, mode, opts.wrkSeconds, opts);
        const key = `${target.id}/${mode}`;
        runs.set(key, [...(runs.get(key) ?? []), result]);
        log(
          `  ${target.id.padEnd(22)} ${mode.padEnd(10)} rep ${rep + 1}/${opts.reps}: ${Math.round(result.rps).toLocaleString('en-US').padStart(7)} req/s` +
            (result.errors > 0 ? `, ${result.errors} errors` : '') +
            (result.cpu.otherCores > NOISY_CORES
              ? `, noisy (other processes: ${result.cpu.otherCores.toFixed(2)} cores)`
              : ''),
        );
      }
    }
  }
  const rows = targets.flatMap((t) =>
    (['keep-alive', 'close'] as const).map((mode) => summarize(t, mode, runs.get(`${t.id}/${mode}`)!)),
  );
  for (const row of rows) {
    const base = rows.find((r) => r.id === row.baselineId && r.mode === row.mode);
    row.ratio = base === undefined ? NaN : row.rps / base.rps;
  }
  return rows;
}

function run(target: ThroughputTarget, mode: Mode, seconds: number, opts: BenchOptions): Promise<WrkResult> {
  return runWrk({
    url: target.url,
    connections: opts.connections,
    durationSeconds: seconds,
    close: mode === 'close',
    ...(target.headers === undefined ? {} : { headers: target.headers }),
    ...(target.netns === undefined ? {} : { netns: target.netns }),
    serverPids: target.serverPids,
  });
}

function summarize(target: ThroughputTarget, mode: Mode, results: WrkResult[]): ThroughputRow {
  const clean = results.filter((r) => r.cpu.otherCores <= NOISY_CORES);
  const used = clean.length > 0 ? clean : results;
  const m = (f: (r: WrkResult) => number): number => median(used.map(f));
  return {
    id: target.id,
    wayIn: target.wayIn,
    path: target.path,
    mode,
    rps: m((r) => r.rps),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    errors: results.reduce((a, r) => a + r.errors, 0),
    serverUsPerRequest: m((r) => (r.cpu.serverSeconds / r.requests) * 1e6),
    serverCores: m((r) => r.cpu.serverSeconds / r.cpu.wallSeconds),
    clientCores: m((r) => r.cpu.clientSeconds / r.cpu.wallSeconds),
    otherCores: m((r) => r.cpu.otherCores),
    ratio: NaN,
    baselineId: target.baselineId,
    runs: results.map((r) => Math.round(r.rps)),
    noisyRuns: results.length - clean.length,
  };
}
