// Scenario 5, the scale of the store: the same traffic against a store of 1,000 and one of 100,000
// instances. Each guest visit is one guest crawling as cloud-init does over one keep-alive connection:
// identification runs on every request, rendering on the first visit of an instance whose documents
// are not cached. Visits go to the guests of a pool in shuffled rounds (each guest once per round).
// With the whole 100,000 as the pool, the visits reach more instances than render_cache_instances
// (20,000) holds, so the cache fills up and evicts, as in a large cloud; the control row visits only
// 1,000 guests of the 100,000-instance store, the same pattern as the 1,000-instance store, so that
// the store's size is the only difference. RSS is the service's VmRSS after the load.
import { join } from 'node:path';
import { benchNetwork, buildFixture, guestAddress, type Fixture } from '../lib/fixture.js';
import type { GuestJob } from '../lib/guest-client.js';
import { runGuestLoad } from '../lib/guest-load.js';
import { waitForHttp } from '../lib/http-get.js';
import { startServe, type OpenimdsBuild } from '../lib/openimds-process.js';
import { freePort } from '../lib/ports.js';
import { rssMiB } from '../lib/processes.js';
import { waitForQuiet } from '../lib/quiet.js';

const READY_TIMEOUT_MS = 60_000;
/** Guests crawling at once (as wrk -c64 elsewhere). */
const CONCURRENCY = 64;
const SEED = 0x5eed;

export interface ScaleRow {
  /**
   * mixed: visits in shuffled rounds over the pool, so a pool smaller than the render cache is served
   * from it after its first round; first: each guest of the pool visits once, on a fresh service, so
   * every visit identifies and renders (a boot wave), median of the repetitions.
   */
  kind: 'mixed' | 'first';
  instances: number;
  /** Guests the visits are spread over. */
  guestPool: number;
  buildSeconds: number;
  visits: number;
  distinctGuests: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  rssIdleMiB: number;
  rssAfterMiB: number;
  serverUsPerRequest: number;
  clientCores: number;
  otherCores: number;
  /** Requests/s relative to the smallest store. */
  ratio: number;
}

export function scaleAddresses(instances: number): string[] {
  return ['127.0.0.1', ...Array.from({ length: instances - 1 }, (_, i) => guestAddress(i))];
}

export function buildScaleFixture(workDir: string, instances: number): Fixture {
  return buildFixture(
    join(workDir, `scale-${instances}.sqlite`),
    benchNetwork('127.0.0.0/8'),
    scaleAddresses(instances),
  );
}

export interface ScaleOptions {
  crawl: readonly string[];
  visits: number;
  workDir: string;
  build: OpenimdsBuild;
  quietWaitMs: number;
  client: 'raw' | 'http';
  /** Visit only N guests of the store (default: all of them): the first N, or N spread evenly over it. */
  guestPool?: number;
  spread?: boolean;
  kind?: ScaleRow['kind'];
}

/** Guests that warm a fresh service up (its JIT) before first visits are measured; never in the pool. */
export const FIRST_VISIT_WARM_GUESTS = 200;

/** n guests evenly spread over the store, so that their rows are all over the file, as in a real cloud. */
function spreadGuests(all: readonly string[], n: number): string[] {
  if (n >= all.length) return [...all];
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]!);
}

export async function measureStoreScale(fixture: Fixture, opts: ScaleOptions): Promise<ScaleRow> {
  const { crawl, visits, workDir, build } = opts;
  const instances = fixture.guests.length;
  const port = await freePort();
  const child = startServe({
    dataDir: join(workDir, `scale-service-${instances}`),
    database: fixture.database,
    direct: [{ listen: `127.0.0.1:${port}`, network: fixture.network.name }],
    build,
  });
  try {
    await waitForHttp({ host: '127.0.0.1', port, path: '/' }, READY_TIMEOUT_MS);
    const rssIdleMiB = rssMiB(child.pid);
    // Each visit: one guest's crawl over one keep-alive connection, CONCURRENCY guests at once.
    const visitsOf = (addresses: string[], deadlineMs: number): GuestJob => ({
      host: '127.0.0.1',
      port,
      addresses,
      paths: crawl,
      mode: 'keepalive',
      client: opts.client,
      concurrency: CONCURRENCY,
      rampGuests: 1,
      requestTimeoutMs: 10_000,
      deadlineMs,
    });
    const everyGuest = fixture.guests.map((g) => g.address);
    const pool =
      opts.guestPool === undefined
        ? everyGuest
        : opts.spread === true
          ? spreadGuests(everyGuest, opts.guestPool)
          : everyGuest.slice(0, opts.guestPool);
    if (opts.kind === 'first') {
      // JIT warm-up on other guests, so that a short run measures the request path, not the compiler.
      const inPool = new Set(pool);
      const others = everyGuest.filter((a) => !inPool.has(a));
      await runGuestLoad(visitsOf(spreadGuests(others, FIRST_VISIT_WARM_GUESTS), 60_000), [child.pid]);
    }
    const addresses = shuffledRounds(pool, visits);
    await waitForQuiet(opts.quietWaitMs);
    const r = await runGuestLoad(visitsOf(addresses, 300_000), [child.pid]);
    const seconds = r.elapsedMs / 1000;
    return {
      kind: opts.kind ?? 'mixed',
      instances,
      guestPool: pool.length,
      buildSeconds: fixture.buildSeconds,
      visits,
      distinctGuests: new Set(addresses).size,
      requests: r.requests,
      rps: r.requests / seconds,
      p50Ms: r.latency.p50Ms,
      p99Ms: r.latency.p99Ms,
      errors: r.errors,
      rssIdleMiB,
      rssAfterMiB: rssMiB(child.pid),
      serverUsPerRequest: (r.cpu.serverSeconds / Math.max(1, r.requests)) * 1e6,
      clientCores: r.cpuSeconds / seconds,
      otherCores: r.cpu.otherCores,
      ratio: NaN,
    };
  } finally {
    await child.stop();
  }
}

/**
 * `count` visits: the pool in a seeded random order, again and again (each guest once per round), so
 * two pools of the same size get the same pattern of first and repeated visits.
 */
function shuffledRounds(pool: readonly string[], count: number): string[] {
  let state = SEED;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out: string[] = [];
  while (out.length < count) {
    const round = [...pool];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    out.push(...round.slice(0, count - out.length));
  }
  return out;
}
