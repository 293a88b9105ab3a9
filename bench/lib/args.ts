// The benchmark's command line: `npm run bench [-- --quick] [-- --only storm,scale] …`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['throughput', 'storm', 'scale', 'startup', 'fairness'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  only: Set<ScenarioName>;
  /** Throughput targets to measure (ids as in the JSON); the baseline is always measured. Empty: all. */
  targets: Set<string>;
  /** Repetitions of each wrk measurement (interleaved); the table shows the median. */
  reps: number;
  /** Seconds of each timed wrk run, and of the keep-alive warm-up before each target. */
  wrkSeconds: number;
  warmSeconds: number;
  /** Longest wait for an idle machine before each measurement (other workloads share it). */
  quietWaitMs: number;
  /** wrk -c: connections kept busy. */
  connections: number;
  /** Boot storm: guests, most guests booting at once, guests over which concurrency ramps up. */
  stormGuests: number;
  /** Guests booting at once at the top of the ramp; one storm (with fresh guests) per level. */
  stormConcurrency: number[];
  /** Transport of the per-guest client (storm and scale): raw sockets, or node:http's client. */
  guestClient: 'raw' | 'http';
  /** Store scale: the two store sizes, and guest visits (one crawl over one connection each). */
  scaleSmall: number;
  scaleLarge: number;
  scaleVisits: number;
  /** Start-up: repetitions of spawn → first answer. */
  startupReps: number;
  /** Run the service under `node --cpu-prof` and keep the profiles here (one subdirectory per scenario). */
  cpuProfDir: string | undefined;
  /** render_cache_instances for every service (default: the service's own default, 20,000). */
  renderCacheInstances: number | undefined;
  /** dist/src/cli/main.js of the openimds under test (another checkout's, with --openimds DIR). */
  openimdsMain: string;
  resultsDir: string;
}

const HELP = `npm run bench [-- options]
  --quick                 a run under two minutes (fewer guests, shorter and single wrk runs)
  --only LIST             scenarios to run, comma-separated: ${SCENARIOS.join(', ')}
  --targets LIST          throughput targets only (e.g. direct-meta-data,signed-meta-data)
  --reps N                repetitions per measurement: wrk runs, and boot storms (baseline and
                          openimds alternating; the median run is reported) (full 3, quick 1)
  --seconds S             seconds per timed wrk run (full 6, quick 2)
  --guests N              boot-storm guests (full 2000, quick 400)
  --storm-concurrency L   guests booting at once at the top of the ramp, one storm per level
                          (full 64,256; quick 64)
  --client raw|http       per-guest client transport (raw: default; http: http.request, whose CPU cost
                          saturates the client core before the server, see docs/performance.md)
  --scale-visits N        store-scale guest visits per row (full 21000, quick 1000)
  --cpu-prof DIR          run the services under node --cpu-prof, profiles into DIR/<scenario>
                          (read them with: node dist/bench/profile-top.js FILE.cpuprofile)
  --render-cache N         render_cache_instances of every service started (default: its default)
  --openimds DIR          benchmark the build of another checkout (DIR/dist/src/cli/main.js)
  --results DIR           where <timestamp>.json goes (bench/results)`;

export function parseBenchArgs(
  argv: string[],
  defaults: { resultsDir: string; openimdsMain: string },
): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      targets: { type: 'string' },
      reps: { type: 'string' },
      seconds: { type: 'string' },
      guests: { type: 'string' },
      'storm-concurrency': { type: 'string' },
      'scale-visits': { type: 'string' },
      client: { type: 'string' },
      'cpu-prof': { type: 'string' },
      openimds: { type: 'string' },
      'render-cache': { type: 'string' },
      results: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const int = (name: string, raw: string | undefined, fallback: number | undefined, min = 1): number => {
    if (raw === undefined) return fallback!;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`Cannot use --${name} ${raw}: it must be an integer ≥ ${min}`);
    return n;
  };
  const client = values.client ?? 'raw';
  if (client !== 'raw' && client !== 'http')
    throw new Error(`Cannot use --client ${client}: it must be raw or http`);
  const only = new Set<ScenarioName>();
  for (const name of (values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim())) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`Cannot run scenario "${name}": known ones are ${SCENARIOS.join(', ')}`);
    }
    only.add(name as ScenarioName);
  }
  return {
    quick,
    only,
    targets: new Set(
      (values.targets ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    reps: int('reps', values.reps, quick ? 1 : 3),
    wrkSeconds: int('seconds', values.seconds, quick ? 2 : 6),
    warmSeconds: quick ? 1 : 2,
    quietWaitMs: quick ? 1000 : 10_000,
    connections: 64,
    stormGuests: int('guests', values.guests, quick ? 400 : 2000),
    guestClient: client,
    stormConcurrency: (values['storm-concurrency'] ?? (quick ? '64' : '64,256'))
      .split(',')
      .map((v) => int('storm-concurrency', v.trim(), 0)),
    scaleSmall: 1000,
    scaleLarge: 100_000,
    scaleVisits: int('scale-visits', values['scale-visits'], quick ? 1000 : 21_000),
    startupReps: quick ? 3 : 5,
    renderCacheInstances:
      values['render-cache'] === undefined
        ? undefined
        : int('render-cache', values['render-cache'], undefined, 0),
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    openimdsMain:
      values.openimds === undefined
        ? defaults.openimdsMain
        : resolve(values.openimds, 'dist/src/cli/main.js'),
    resultsDir: resolve(values.results ?? defaults.resultsDir),
  };
}

export { HELP as BENCH_HELP };
