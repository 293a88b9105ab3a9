// Scenario 4, the boot storm: N guests, each from its own 127/8 address and registered on the bench
// network, each replaying cloud-init's OpenStack crawl in order with one new connection per request,
// while the number of guests booting at once ramps up. The same client, request count, concurrency
// and Connection: close are then run against the baseline; the ratio is of the total times.
import { CLOUD_INIT_OPENSTACK_VERSION, ec2Crawl, OPENSTACK_CRAWL } from '../lib/cloud-init-crawl.js';
import type { Guest } from '../lib/fixture.js';
import type { GuestJob, GuestRunResult } from '../lib/guest-client.js';
import { runGuestLoad } from '../lib/guest-load.js';
import { httpGet } from '../lib/http-get.js';
import { waitForQuiet } from '../lib/quiet.js';
import { medianRun } from '../lib/stats.js';
import type { CpuUse } from '../lib/cpu-window.js';

const REQUEST_TIMEOUT_MS = 10_000;
const DEADLINE_MS = 180_000;

export interface StormRow {
  server: string;
  guests: number;
  concurrency: number;
  requests: number;
  totalSeconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  errorSamples: string[];
  serverUsPerRequest: number;
  serverCores: number;
  clientCores: number;
  otherCores: number;
  /** Total time relative to the baseline's for the same requests (1.0 = as fast). */
  timeRatio: number;
  /** Server CPU per request relative to the baseline's: the same comparison, whichever side saturated. */
  serverCpuRatio: number;
  /** Total seconds of every run of this server at this level; the row is the median one. */
  runSeconds: number[];
}

/**
 * One row per server from repeated storms (each run: the baseline first, then the others): the run of
 * median total time, its ratios recomputed against the baseline's median run.
 */
export function medianStormRows(runs: readonly StormRow[][]): StormRow[] {
  const servers = runs[0]?.length ?? 0;
  const rows: StormRow[] = [];
  for (let i = 0; i < servers; i++) {
    const all = runs.map((run) => run[i]!);
    const row = { ...medianRun(all, (r) => r.totalSeconds)! };
    row.runSeconds = runs.map((run) => run[i]!.totalSeconds);
    // Errors of every run count (the target is 0 errors), not only the median run's.
    row.errors = all.reduce((sum, r) => sum + r.errors, 0);
    row.errorSamples = all.flatMap((r) => r.errorSamples).slice(0, 10);
    const base = rows[0] ?? row;
    row.timeRatio = row.totalSeconds / base.totalSeconds;
    row.serverCpuRatio = row.serverUsPerRequest / base.serverUsPerRequest;
    rows.push(row);
  }
  return rows;
}

export interface StormTarget {
  name: string;
  host: string;
  port: number;
  serverPids: number[];
}

/**
 * The crawl one guest makes, discovered by walking the service as `guest` (every guest of the fixture
 * has the same shape); each path must answer 200, as cloud-init needs every listed entry to be fetchable.
 */
export async function discoverCrawl(host: string, port: number, guest: Guest): Promise<string[]> {
  const fetchText = async (path: string): Promise<string> => {
    const r = await httpGet({ host, port, path, localAddress: guest.address });
    if (r.status !== 200)
      throw new Error(`GET ${path} as ${guest.address} answered ${r.status}: the crawl cannot be replayed`);
    return r.body.toString('utf8');
  };
  for (const path of OPENSTACK_CRAWL) await fetchText(path);
  const listing = await fetchText('/openstack');
  if (!listing.split('\n').includes(CLOUD_INIT_OPENSTACK_VERSION)) {
    throw new Error(
      `GET /openstack does not list ${CLOUD_INIT_OPENSTACK_VERSION}: cloud-init would read another version`,
    );
  }
  return [...OPENSTACK_CRAWL, ...(await ec2Crawl(fetchText))];
}

export interface StormOptions {
  crawl: readonly string[];
  guests: readonly Guest[];
  warmGuests: readonly Guest[];
  concurrency: number;
  quietWaitMs: number;
  client: 'raw' | 'http';
}

/**
 * Runs the storm against each target in order (fresh `guests`, already registered); the first target is
 * the baseline the others are compared to.
 */
export async function runBootStorm(
  targets: readonly StormTarget[],
  opts: StormOptions,
  log: (line: string) => void,
): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  for (const target of targets) {
    // Warm-up on guests of its own, so the measured guests still boot into a cold render cache.
    await runGuestLoad(job(target, opts, opts.warmGuests), target.serverPids);
    await waitForQuiet(opts.quietWaitMs);
    const result = await runGuestLoad(job(target, opts, opts.guests), target.serverPids);
    const row = toRow(target, opts, result);
    const base = rows[0] ?? row;
    row.timeRatio = row.totalSeconds / base.totalSeconds;
    row.serverCpuRatio = row.serverUsPerRequest / base.serverUsPerRequest;
    rows.push(row);
    log(
      `  ${target.name}: ${row.requests.toLocaleString('en-US')} requests in ${row.totalSeconds.toFixed(2)} s, p99 ${row.p99Ms.toFixed(1)} ms, ${row.errors} errors`,
    );
  }
  return rows;
}

function job(target: StormTarget, opts: StormOptions, guests: readonly Guest[]): GuestJob {
  return {
    host: target.host,
    port: target.port,
    addresses: guests.map((g) => g.address),
    paths: opts.crawl,
    mode: 'close',
    client: opts.client,
    concurrency: opts.concurrency,
    // Guests come up over the first quarter of the storm: 1, 2, … up to `concurrency` booting at once.
    rampGuests: Math.max(1, Math.floor(guests.length / 4)),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deadlineMs: DEADLINE_MS,
  };
}

function toRow(target: StormTarget, opts: StormOptions, r: GuestRunResult & { cpu: CpuUse }): StormRow {
  const seconds = r.elapsedMs / 1000;
  return {
    server: target.name,
    guests: opts.guests.length,
    concurrency: opts.concurrency,
    requests: r.requests,
    totalSeconds: seconds,
    rps: r.requests / seconds,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    maxMs: r.latency.maxMs,
    errors: r.errors,
    errorSamples: r.errorSamples,
    serverUsPerRequest: (r.cpu.serverSeconds / Math.max(1, r.requests)) * 1e6,
    serverCores: r.cpu.serverSeconds / r.cpu.wallSeconds,
    clientCores: r.cpuSeconds / seconds,
    otherCores: r.cpu.otherCores,
    timeRatio: NaN,
    serverCpuRatio: NaN,
    runSeconds: [seconds],
  };
}
