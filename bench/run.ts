// `npm run bench [-- --quick]`: measures openimds against the limit of this machine (a minimal
// node:http server, measured in the same run), prints the tables and writes
// bench/results/<timestamp>.json. docs/performance.md explains every scenario and how to read it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_HELP, parseBenchArgs, type BenchOptions } from './lib/args.js';
import { onCleanup } from './lib/cleanup.js';
import { benchNetwork, buildFixture, guestAddress, type Fixture, type Guest } from './lib/fixture.js';
import { httpGet } from './lib/http-get.js';
import { describeMachine } from './lib/machine.js';
import { waitForQuiet } from './lib/quiet.js';
import { THIS_CHECKOUT_MAIN, profiled, type OpenimdsBuild } from './lib/openimds-process.js';
import { freePort } from './lib/ports.js';
import { machineCpuSeconds } from './lib/processes.js';
import { medianRun } from './lib/stats.js';
import { formatReport } from './report.js';
import type { BenchResults } from './results.js';
import { startBaseline, type Baseline } from './scenarios/baseline.js';
import { discoverCrawl, medianStormRows, runBootStorm, type StormRow } from './scenarios/boot-storm.js';
import { directTargets, META_DATA_PATH } from './scenarios/direct.js';
import { measureFairness } from './scenarios/fairness.js';
import { namespaceUnavailable, startNamespaceTargets, type NamespaceSetup } from './scenarios/namespace.js';
import { startServiceUnderTest, type ServiceUnderTest } from './scenarios/service-under-test.js';
import { signedTarget } from './scenarios/signed.js';
import {
  buildScaleFixture,
  FIRST_VISIT_WARM_GUESTS,
  measureStoreScale,
  type ScaleRow,
} from './scenarios/store-scale.js';
import { measureNodeFloor, measureStartup } from './scenarios/startup.js';
import { proxyUnavailable, startTaggedProxy, type TaggedProxy } from './scenarios/tagged-proxy.js';
import { measureThroughput, type ThroughputTarget } from './scenarios/throughput.js';
import { verifyTarget } from './scenarios/verify.js';
import { checkTargets } from './targets.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
/** Extra storm guests that warm each server up before the measured storm (never measured). */
const STORM_WARM_GUESTS = 100;
const BASELINE_ID = 'baseline';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const parsed = parseBenchArgs(process.argv.slice(2), {
    resultsDir: RESULTS_DIR,
    openimdsMain: THIS_CHECKOUT_MAIN,
  });
  if (parsed === 'help') {
    process.stdout.write(`${BENCH_HELP}\n`);
    return;
  }
  const opts = parsed;
  const started = new Date();
  const stealAtStart = machineCpuSeconds().steal;
  const work = mkdtempSync(join(tmpdir(), 'openimds-bench-'));
  const forgetWork = onCleanup(`directory ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const results: BenchResults = {
    startedAt: started.toISOString(),
    durationSeconds: 0,
    stolenCores: 0,
    quick: opts.quick,
    machine: describeMachine(),
    settings: settingsOf(opts),
    fixtures: [],
    crawl: [],
    throughput: [],
    storm: [],
    scale: [],
    startup: [],
    fairness: [],
    unavailable: [],
    targets: [],
  };
  log(
    `openimds bench (${opts.quick ? 'quick' : 'full'}): ${[...opts.only].join(', ')}; work directory ${work}`,
  );
  try {
    const bodyFile = join(work, 'meta_data.json');
    if (opts.only.has('throughput') || opts.only.has('storm'))
      await mainService(opts, work, bodyFile, results);
    if (opts.only.has('scale') || opts.only.has('startup')) await largeStores(opts, work, results);
    if (opts.only.has('fairness')) await fairnessPhase(opts, work, results);
  } finally {
    rmSync(work, { recursive: true, force: true });
    forgetWork();
  }
  results.durationSeconds = (Date.now() - started.getTime()) / 1000;
  results.stolenCores = (machineCpuSeconds().steal - stealAtStart) / results.durationSeconds;
  results.targets = checkTargets(results);
  mkdirSync(opts.resultsDir, { recursive: true });
  const file = join(opts.resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(results)}\nResults: ${file}\n`);
}

/** Throughput and boot storm: one service over the main fixture, and the baseline beside it. */
async function mainService(
  opts: BenchOptions,
  work: string,
  bodyFile: string,
  results: BenchResults,
): Promise<void> {
  // 127.0.0.1 (wrk's guest), fresh guests for each storm level and repetition, and the warm-up guests.
  const stormTotal = opts.stormGuests * opts.stormConcurrency.length * opts.reps;
  const addresses = [
    '127.0.0.1',
    ...Array.from({ length: stormTotal + STORM_WARM_GUESTS }, (_, i) => guestAddress(i)),
  ];
  const fixture = buildFixture(join(work, 'main.sqlite'), benchNetwork('127.0.0.0/8'), addresses);
  results.fixtures.push({ name: 'main', instances: addresses.length, buildSeconds: fixture.buildSeconds });
  log(`main store: ${addresses.length} instances in ${fixture.buildSeconds.toFixed(2)} s`);
  const service = await startServiceUnderTest(fixture, work, profiled(buildOf(opts), 'main'));
  let baseline: Baseline | undefined;
  try {
    // The baseline answers with the bytes of a real meta_data.json of this fixture.
    const doc = await httpGet({ host: service.host, port: service.directPort, path: META_DATA_PATH });
    writeFileSync(bodyFile, doc.body);
    baseline = await startBaseline({ host: '127.0.0.1', port: await freePort(), bodyFile });
    if (opts.only.has('throughput'))
      await throughputPhase(opts, work, bodyFile, fixture, service, baseline, results);
    if (opts.only.has('storm')) await stormPhase(opts, fixture, service, baseline, results);
  } finally {
    await baseline?.child.stop();
    await service.child.stop();
  }
}

async function throughputPhase(
  opts: BenchOptions,
  work: string,
  bodyFile: string,
  fixture: Fixture,
  service: ServiceUnderTest,
  baseline: Baseline,
  results: BenchResults,
): Promise<void> {
  const guest = fixture.guests[0]!; // 127.0.0.1, where wrk comes from
  const targets: ThroughputTarget[] = [
    {
      id: BASELINE_ID,
      wayIn: 'baseline (node:http, fixed Buffer)',
      path: '(any)',
      url: `http://${baseline.host}:${baseline.port}${META_DATA_PATH}`,
      serverPids: [baseline.child.pid],
      baselineId: BASELINE_ID,
    },
    ...directTargets(service, BASELINE_ID),
    signedTarget(service, guest, BASELINE_ID),
  ];
  const wanted = (id: string): boolean =>
    id === BASELINE_ID || opts.targets.size === 0 || opts.targets.has(id);
  let proxy: TaggedProxy | undefined;
  let namespace: NamespaceSetup | undefined;
  try {
    const noProxy = proxyUnavailable(buildOf(opts));
    if (!wanted('tagged-proxy-meta-data')) {
      // not asked for
    } else if (noProxy === undefined) {
      proxy = await startTaggedProxy(
        service,
        fixture.network.id,
        BASELINE_ID,
        profiled(buildOf(opts), 'proxy'),
      );
      targets.push(proxy.target);
    } else {
      results.unavailable.push({
        scenario: 'throughput',
        reason: `tagged listener via openimds proxy: ${noProxy}`,
      });
    }
    const noNamespace = namespaceUnavailable();
    if (!wanted('namespace-meta-data') && !wanted('baseline-veth')) {
      // not asked for
    } else if (noNamespace === undefined) {
      namespace = await startNamespaceTargets(
        work,
        bodyFile,
        BASELINE_ID,
        profiled(buildOf(opts), 'namespace'),
      );
      targets.push(...namespace.targets);
    } else {
      results.unavailable.push({ scenario: 'throughput', reason: `namespace listener: ${noNamespace}` });
    }
    for (const u of results.unavailable) log(`skipped: ${u.reason}`);
    const measured = targets.filter((t) => wanted(t.id));
    for (const t of measured) await verifyTarget(t);
    log(
      `throughput: ${measured.length} targets × keep-alive/close × ${opts.reps} rep(s) of ${opts.wrkSeconds} s`,
    );
    results.throughput = await measureThroughput(measured, opts, log);
  } finally {
    await proxy?.child.stop();
    await namespace?.stop();
  }
}

async function stormPhase(
  opts: BenchOptions,
  fixture: Fixture,
  service: ServiceUnderTest,
  baseline: Baseline,
  results: BenchResults,
): Promise<void> {
  const stormTotal = opts.stormGuests * opts.stormConcurrency.length * opts.reps;
  const warmGuests: Guest[] = fixture.guests.slice(1 + stormTotal);
  // Discovered as the last warm-up guest, so no measured guest's documents are rendered beforehand.
  results.crawl = await discoverCrawl(service.host, service.directPort, warmGuests[warmGuests.length - 1]!);
  const targets = [
    {
      name: 'baseline (node:http, fixed Buffer)',
      host: baseline.host,
      port: baseline.port,
      serverPids: [baseline.child.pid],
    },
    {
      name: 'openimds, direct listener',
      host: service.host,
      port: service.directPort,
      serverPids: [service.child.pid],
    },
  ];
  for (const [level, concurrency] of opts.stormConcurrency.entries()) {
    log(
      `boot storm: ${opts.stormGuests} guests × ${results.crawl.length} requests, up to ${concurrency} at once, ${opts.reps} run(s)`,
    );
    // Baseline and openimds alternate, run after run, so that a slow spell of this (virtual) machine
    // weighs on both; each side's median run is reported.
    const runs: StormRow[][] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      // Fresh guests for each level and run, so every storm boots into a cold render cache.
      const first = 1 + (level * opts.reps + rep) * opts.stormGuests;
      const guests = fixture.guests.slice(first, first + opts.stormGuests);
      runs.push(
        await runBootStorm(
          targets,
          {
            crawl: results.crawl,
            guests,
            warmGuests,
            concurrency,
            quietWaitMs: opts.quietWaitMs,
            client: opts.guestClient,
          },
          log,
        ),
      );
    }
    results.storm.push(...medianStormRows(runs));
  }
}

/** Fair admission: guests booting while one guest floods, with admission on and off. */
async function fairnessPhase(opts: BenchOptions, work: string, results: BenchResults): Promise<void> {
  if (results.crawl.length === 0) {
    const small = buildScaleFixture(work, 2);
    results.crawl = await crawlOf(small, work, buildOf(opts));
  }
  results.fairness = await measureFairness(
    work,
    {
      crawl: results.crawl,
      victims: opts.quick ? 50 : 200,
      concurrency: 8,
      floodConnections: 32,
      floodSeconds: opts.quick ? 8 : 20,
      build: profiled(buildOf(opts), 'fairness'),
    },
    log,
  );
}

/** Store scale and start-up: stores of 1,000 and 100,000 instances, each with its own service. */
async function largeStores(opts: BenchOptions, work: string, results: BenchResults): Promise<void> {
  const fixtures = [opts.scaleSmall, opts.scaleLarge].map((n) => {
    const fixture = buildScaleFixture(work, n);
    results.fixtures.push({ name: `scale-${n}`, instances: n, buildSeconds: fixture.buildSeconds });
    log(`store of ${n} instances built in ${fixture.buildSeconds.toFixed(2)} s (one transaction)`);
    return fixture;
  });
  if (opts.only.has('scale')) {
    const crawl = results.crawl.length > 0 ? results.crawl : await crawlOf(fixtures[0]!, work, buildOf(opts));
    if (results.crawl.length === 0) results.crawl = crawl;
    // The small store; the large one visited all over; the large one visited on the small one's pattern.
    const runs = [
      { fixture: fixtures[0]!, guestPool: undefined },
      { fixture: fixtures[1]!, guestPool: undefined },
      { fixture: fixtures[1]!, guestPool: opts.scaleSmall },
    ];
    for (const { fixture, guestPool } of runs) {
      const pool = guestPool ?? fixture.guests.length;
      log(
        `store scale: ${fixture.guests.length} instances, ${opts.scaleVisits} visits over ${pool} guests × ${crawl.length} requests`,
      );
      const build = profiled(buildOf(opts), `scale-${fixture.guests.length}-${pool}`);
      results.scale.push(
        await measureStoreScale(fixture, {
          crawl,
          visits: opts.scaleVisits,
          workDir: work,
          build,
          quietWaitMs: opts.quietWaitMs,
          client: opts.guestClient,
          ...(guestPool === undefined ? {} : { guestPool }),
        }),
      );
    }
    // Boot waves: every guest of a pool visits once, on a fresh service (nothing cached) warmed up by
    // other guests, in the small store and spread over the large one; median of startupReps, the two
    // stores alternating run after run (so that a slow spell of the machine weighs on both).
    const firstPool = opts.scaleSmall - FIRST_VISIT_WARM_GUESTS;
    log(`store scale, first visits: ${firstPool} guests once each, ${opts.startupReps} runs per store`);
    const firstRuns = new Map<Fixture, ScaleRow[]>(fixtures.map((f) => [f, []]));
    for (let i = 0; i < opts.startupReps; i++) {
      for (const fixture of fixtures) {
        const reps = firstRuns.get(fixture)!;
        const build = profiled(buildOf(opts), `scale-first-${fixture.guests.length}-${i}`);
        reps.push(
          await measureStoreScale(fixture, {
            crawl,
            visits: firstPool,
            workDir: work,
            build,
            quietWaitMs: opts.quietWaitMs,
            client: opts.guestClient,
            guestPool: firstPool,
            spread: true,
            kind: 'first',
          }),
        );
      }
    }
    for (const reps of firstRuns.values()) results.scale.push(medianRun(reps, (r) => r.rps)!);
    for (const row of results.scale) {
      const small = results.scale.find((s) => s.kind === row.kind && s.instances === opts.scaleSmall)!;
      row.ratio = row.rps / small.rps;
    }
  }
  if (opts.only.has('startup')) {
    log(`start-up: ${opts.startupReps} runs each`);
    const floorBody = join(work, 'floor-body.json');
    writeFileSync(floorBody, '{}');
    await waitForQuiet(opts.quietWaitMs);
    results.startup.push(await measureNodeFloor(opts.startupReps, floorBody));
    for (const fixture of fixtures) {
      await waitForQuiet(opts.quietWaitMs);
      const build = profiled(buildOf(opts), `startup-${fixture.guests.length}`);
      results.startup.push(await measureStartup(fixture, opts.startupReps, work, build));
    }
  }
}

/** The crawl, when the storm did not run to discover it: from a short-lived service on `fixture`. */
async function crawlOf(fixture: Fixture, work: string, build: OpenimdsBuild): Promise<string[]> {
  const service = await startServiceUnderTest(fixture, join(work, 'crawl'), {
    ...build,
    cpuProfDir: undefined,
  });
  try {
    return await discoverCrawl(service.host, service.directPort, fixture.guests[fixture.guests.length - 1]!);
  } finally {
    await service.child.stop();
  }
}

function buildOf(opts: BenchOptions): OpenimdsBuild {
  return {
    main: opts.openimdsMain,
    cpuProfDir: opts.cpuProfDir,
    renderCacheInstances: opts.renderCacheInstances,
  };
}

function settingsOf(opts: BenchOptions): Record<string, number | string | boolean> {
  return {
    reps: opts.reps,
    wrkSeconds: opts.wrkSeconds,
    warmSeconds: opts.warmSeconds,
    quietWaitMs: opts.quietWaitMs,
    connections: opts.connections,
    stormGuests: opts.stormGuests,
    stormConcurrency: opts.stormConcurrency.join(','),
    guestClient: opts.guestClient,
    scaleSmall: opts.scaleSmall,
    scaleLarge: opts.scaleLarge,
    scaleVisits: opts.scaleVisits,
    startupReps: opts.startupReps,
    cpuProf: opts.cpuProfDir ?? '',
    openimds: opts.openimdsMain,
    renderCacheInstances: opts.renderCacheInstances ?? 'default',
  };
}

main().catch((err: unknown) => {
  log(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
