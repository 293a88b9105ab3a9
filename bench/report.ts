// The tables a run prints (Markdown, so they paste into docs/performance.md unchanged).
import type { BenchResults } from './results.js';
import { fixed, int, markdownTable, percent } from './lib/table.js';
import { NOISY_CORES } from './scenarios/throughput.js';

export function formatReport(r: BenchResults): string {
  const sections = [
    `Machine: ${r.machine.nproc} CPU (${r.machine.cpuModel}), kernel ${r.machine.kernel}, Node ${r.machine.node}, wrk ${r.machine.wrk}; ${r.machine.placement}; load average at start ${r.machine.loadAverageAtStart}` +
      `\nRun: ${r.startedAt}, ${r.quick ? 'quick' : 'full'}, ${Math.round(r.durationSeconds)} s; CPU stolen by the hypervisor: ${fixed(r.stolenCores, 2)} cores on average` +
      `\nFixtures: ${r.fixtures.map((f) => `${f.name} ${int(f.instances)} instances in ${fixed(f.buildSeconds, 2)} s`).join('; ')}`,
  ];
  if (r.throughput.length > 0 || r.unavailable.some((u) => u.scenario === 'throughput')) {
    sections.push(
      `### Throughput (wrk -t1 -c${r.settings['connections']}, ${r.settings['wrkSeconds']} s runs, median of ${r.settings['reps']})\n\n${throughputTable(r)}`,
    );
  }
  if (r.storm.length > 0)
    sections.push(
      `### Boot storm (one new connection per request; the median of ${r.settings['reps']} runs, baseline and openimds alternating)\n\n${stormTable(r)}`,
    );
  if (r.scale.length > 0)
    sections.push(
      `### Scale of the store (keep-alive per guest visit, 64 guests at once)\n\n${scaleTable(r)}`,
    );
  if (r.startup.length > 0)
    sections.push(`### Start-up (spawn → first answered meta_data.json)\n\n${startupTable(r)}`);
  if (r.fairness.length > 0)
    sections.push(`### Fair admission (guests booting while 127.0.0.1 floods)\n\n${fairnessTable(r)}`);
  const notes = r.unavailable.map((u) => `- ${u.scenario}: not available — ${u.reason}`);
  if (notes.length > 0) sections.push(`### Not measured\n\n${notes.join('\n')}`);
  sections.push(`### Targets\n\n${targetsTable(r)}`);
  return sections.join('\n\n') + '\n';
}

function throughputTable(r: BenchResults): string {
  const rows = r.throughput.map((t) => [
    t.wayIn,
    t.path,
    t.mode,
    int(t.rps),
    fixed(t.p50Ms, 2),
    fixed(t.p99Ms, 2),
    t.id === t.baselineId ? '–' : `${percent(t.ratio)} of ${t.baselineId}`,
    String(t.errors),
    fixed(t.serverUsPerRequest, 1),
    fixed(t.serverCores, 2),
    t.noisyRuns > 0 ? `${t.noisyRuns} noisy run(s) left out` : '',
  ]);
  for (const u of r.unavailable.filter((u) => u.scenario === 'throughput')) {
    rows.push([u.reason.split(':')[0]!, '', '', 'n/a', '', '', '', '', '', '', 'not available (see below)']);
  }
  return markdownTable(
    [
      { title: 'way in' },
      { title: 'path' },
      { title: 'mode' },
      { title: 'req/s', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'vs baseline' },
      { title: 'errors', align: 'right' },
      { title: 'server µs/req', align: 'right' },
      { title: 'server cores', align: 'right' },
      { title: 'note' },
    ],
    rows,
  );
}

function stormTable(r: BenchResults): string {
  return markdownTable(
    [
      { title: 'server' },
      { title: 'guests', align: 'right' },
      { title: 'at once', align: 'right' },
      { title: 'requests', align: 'right' },
      { title: 'total s', align: 'right' },
      { title: 'every run s', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'max ms', align: 'right' },
      { title: 'errors (all runs)', align: 'right' },
      { title: 'time vs baseline', align: 'right' },
      { title: 'server µs/req', align: 'right' },
      { title: 'server CPU vs baseline', align: 'right' },
      { title: 'client cores', align: 'right' },
      { title: 'other cores', align: 'right' },
    ],
    r.storm.map((s) => [
      s.server,
      int(s.guests),
      int(s.concurrency),
      int(s.requests),
      fixed(s.totalSeconds, 2),
      s.runSeconds.map((v) => fixed(v, 1)).join(' / '),
      int(s.rps),
      fixed(s.p50Ms, 1),
      fixed(s.p99Ms, 1),
      fixed(s.maxMs, 1),
      String(s.errors),
      `${fixed(s.timeRatio, 2)} ×`,
      fixed(s.serverUsPerRequest, 1),
      `${fixed(s.serverCpuRatio, 2)} ×`,
      fixed(s.clientCores, 2),
      noise(s.otherCores),
    ]),
  );
}

function scaleTable(r: BenchResults): string {
  return markdownTable(
    [
      { title: 'visits are' },
      { title: 'instances', align: 'right' },
      { title: 'store built in', align: 'right' },
      { title: 'visits', align: 'right' },
      { title: 'over guests', align: 'right' },
      { title: 'distinct visited', align: 'right' },
      { title: 'requests', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'vs 1,000 (same kind)', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'errors', align: 'right' },
      { title: 'server µs/req', align: 'right' },
      { title: 'RSS idle MiB', align: 'right' },
      { title: 'RSS after MiB', align: 'right' },
      { title: 'other cores', align: 'right' },
    ],
    r.scale.map((s) => [
      s.kind === 'first' ? 'first (fresh service)' : 'rounds over the guests',
      int(s.instances),
      `${fixed(s.buildSeconds, 1)} s`,
      int(s.visits),
      int(s.guestPool),
      int(s.distinctGuests),
      int(s.requests),
      int(s.rps),
      percent(s.ratio),
      fixed(s.p50Ms, 2),
      fixed(s.p99Ms, 2),
      String(s.errors),
      fixed(s.serverUsPerRequest, 1),
      int(s.rssIdleMiB),
      int(s.rssAfterMiB),
      noise(s.otherCores),
    ]),
  );
}

function startupTable(r: BenchResults): string {
  return markdownTable(
    [
      { title: 'process' },
      { title: 'instances', align: 'right' },
      { title: 'median ms', align: 'right' },
      { title: 'min–max ms', align: 'right' },
    ],
    r.startup.map((s) => [s.what, int(s.instances), int(s.medianMs), `${int(s.minMs)}–${int(s.maxMs)}`]),
  );
}

function targetsTable(r: BenchResults): string {
  return markdownTable(
    [{ title: 'target' }, { title: 'measured' }, { title: 'met' }],
    r.targets.map((t) => [t.target, t.measured, t.met === null ? 'not measured' : t.met ? 'yes' : '**no**']),
  );
}

function fairnessTable(r: BenchResults): string {
  return markdownTable(
    [
      { title: 'admission' },
      { title: 'flood' },
      { title: 'guests', align: 'right' },
      { title: 'requests', align: 'right' },
      { title: 'errors', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'p99 vs no flood', align: 'right' },
      { title: 'flood req/s', align: 'right' },
      { title: 'flood refused', align: 'right' },
    ],
    r.fairness.map((f) => [
      f.admission,
      f.flood ? 'yes' : 'no',
      int(f.victims),
      int(f.victimRequests),
      String(f.victimErrors),
      fixed(f.victimP50Ms, 2),
      fixed(f.victimP99Ms, 2),
      `${fixed(f.p99Ratio, 2)} ×`,
      f.floodRps === null ? '–' : int(f.floodRps),
      f.floodRefused === null ? '–' : int(f.floodRefused),
    ]),
  );
}

/** CPU other processes used during a single run; marked when enough to make the run suspect. */
function noise(cores: number): string {
  return cores > NOISY_CORES ? `${fixed(cores, 2)} (noisy)` : fixed(cores, 2);
}
