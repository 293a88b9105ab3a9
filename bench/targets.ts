// The targets of issue 6, checked against one run's figures. A target whose scenario did not run (or
// ran at a reduced size, as --quick does) says so instead of passing.
import { defaultConfig } from '../src/config.js';
import { RECORD_OVERHEAD_BYTES } from '../src/service/render-cache.js';
import type { BenchResults } from './results.js';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

function baselineOf(r: BenchResults, concurrency: number) {
  return r.storm.find((s) => !s.server.startsWith('openimds') && s.concurrency === concurrency);
}

const RSS_LIMIT_MIB = 300e6 / 2 ** 20; // 300 MB
const FULL_STORM_GUESTS = 2000;
/** The service's default render_cache_instances (README "Configuration"). */
const DEFAULT_RENDER_CACHE_INSTANCES = 20_000;
/** The service's default render_cache_mib: every cached instance costs at least RECORD_OVERHEAD_BYTES of it. */
const DEFAULT_RENDER_CACHE_INSTANCES_BY_SIZE = Math.floor(
  (defaultConfig({ uid: 0, home: '/' }).renderCacheMib * 2 ** 20) / RECORD_OVERHEAD_BYTES,
);

export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const close = r.throughput.find((t) => t.id === 'direct-meta-data' && t.mode === 'close');
  checks.push({
    target: 'direct listener, meta_data.json, Connection: close ≥ 85% of baseline',
    measured:
      close === undefined
        ? 'not run'
        : `${Math.round(close.ratio * 100)}% (${Math.round(close.rps)} vs ${Math.round(close.rps / close.ratio)} req/s)`,
    met: close === undefined ? null : close.ratio >= 0.85,
  });
  const storms = r.storm.filter((s) => s.server.startsWith('openimds'));
  if (storms.length === 0) {
    checks.push({
      target: 'boot storm of 2,000 guests (0 errors, p99 ≤ 50 ms, ≤ 1.3 × baseline)',
      measured: 'not run',
      met: null,
    });
  }
  for (const storm of storms) {
    // A reduced storm (--quick, --guests) is reported, but does not count as meeting the target.
    const reduced = storm.guests < FULL_STORM_GUESTS ? `; only ${storm.guests} guests` : '';
    const met = (ok: boolean): boolean | null => (reduced === '' ? ok : ok ? null : false);
    const at = `${storm.concurrency} at once`;
    checks.push(
      {
        target: `boot storm, 2,000 guests, ${at}: 0 errors`,
        measured: `${storm.errors} errors${reduced}`,
        met: met(storm.errors === 0),
      },
      {
        target: `boot storm, ${at}: p99 ≤ 50 ms`,
        measured: `p99 ${storm.p99Ms.toFixed(1)} ms (baseline ${baselineOf(r, storm.concurrency)?.p99Ms.toFixed(1) ?? '–'} ms)${reduced}`,
        met: met(storm.p99Ms <= 50),
      },
      {
        target: `boot storm, ${at}: total ≤ 1.3 × the baseline's time`,
        measured: `${storm.timeRatio.toFixed(2)} × (${storm.totalSeconds.toFixed(2)} s)${reduced}`,
        met: met(storm.timeRatio <= 1.3),
      },
    );
  }
  const mixed = r.scale.filter((s) => s.kind === 'mixed');
  const small = mixed.find((s) => s.instances === 1000);
  const large = mixed.find((s) => s.instances === 100_000 && s.guestPool === s.instances);
  const control = mixed.find((s) => s.instances === 100_000 && s.guestPool < s.instances);
  const firstSmall = r.scale.find((s) => s.kind === 'first' && s.instances === 1000);
  const firstLarge = r.scale.find((s) => s.kind === 'first' && s.instances === 100_000);
  const bound = r.settings['renderCacheInstances'];
  // Visiting more instances than either bound admits fills the cache (the size bound: at the least).
  const cacheFilled =
    large !== undefined &&
    large.distinctGuests >
      Math.min(
        typeof bound === 'number' ? bound : DEFAULT_RENDER_CACHE_INSTANCES,
        DEFAULT_RENDER_CACHE_INSTANCES_BY_SIZE,
      );
  checks.push(
    {
      target: '100,000 instances: RSS ≤ 300 MB after load',
      measured:
        large === undefined
          ? 'not run'
          : `${Math.round((large.rssAfterMiB * 2 ** 20) / 1e6)} MB (${Math.round(large.rssAfterMiB)} MiB)` +
            (cacheFilled
              ? ''
              : `; only ${large.distinctGuests} instances visited, the render cache never filled`),
      // Below the cache bound the worst case was not reached: a pass says nothing, a failure does.
      met:
        large === undefined ? null : large.rssAfterMiB <= RSS_LIMIT_MIB ? (cacheFilled ? true : null) : false,
    },
    {
      // Like for like: the same traffic, only the store's size differs. First visits identify and
      // render every document; repeat visits of the same 1,000 guests are answered from the cache.
      target: '100,000 instances: throughput within 10% of 1,000, same traffic',
      measured:
        firstLarge === undefined || firstSmall === undefined || control === undefined || small === undefined
          ? 'not run'
          : `first visits of ${firstLarge.guestPool} guests: ${Math.round(firstLarge.ratio * 100)}% (${Math.round(firstLarge.rps)} vs ${Math.round(firstSmall.rps)} req/s); ` +
            `repeat visits of ${control.guestPool} guests: ${Math.round(control.ratio * 100)}% (${Math.round(control.rps)} vs ${Math.round(small.rps)} req/s)`,
      met:
        firstLarge === undefined || firstSmall === undefined || control === undefined
          ? null
          : firstLarge.ratio >= 0.9 && control.ratio >= 0.9,
    },
    {
      // 21,000 visits: over 1,000 guests (after the first round, all from the render cache) against
      // over 100,000 (nearly every visit renders): the cache's hit rate, more than the store's size.
      target: '100,000 instances: throughput within 10% of 1,000, visits over every guest',
      measured:
        large === undefined || small === undefined
          ? 'not run'
          : `${Math.round(large.ratio * 100)}% (${Math.round(large.rps)} vs ${Math.round(small.rps)} req/s)` +
            ` (${large.distinctGuests} distinct guests against ${small.distinctGuests})` +
            (cacheFilled ? '' : '; the render cache never filled'),
      met:
        large === undefined || small === undefined
          ? null
          : large.ratio >= 0.9
            ? cacheFilled
              ? true
              : null
            : false,
    },
  );
  const flooded = r.fairness.find((f) => f.admission === 'default' && f.flood);
  checks.push({
    target: "one flooding guest moves another guest's p99 by at most 2×",
    measured:
      flooded === undefined
        ? 'not run'
        : `${flooded.p99Ratio.toFixed(2)} × (${flooded.victimP99Ms.toFixed(1)} ms), ${flooded.victimErrors} errors` +
          (() => {
            const off = r.fairness.find((f) => f.admission === 'off' && f.flood);
            return off === undefined ? '' : `; without admission ${off.p99Ratio.toFixed(2)} ×`;
          })(),
    met: flooded === undefined ? null : flooded.p99Ratio <= 2 && flooded.victimErrors === 0,
  });
  const start = r.startup.find((s) => s.instances === 100_000);
  checks.push({
    target: 'start to first answer ≤ 300 ms (100,000 instances)',
    measured:
      start === undefined ? 'not run' : `${Math.round(start.medianMs)} ms (median of ${start.runs.length})`,
    met: start === undefined ? null : start.medianMs <= 300,
  });
  return checks;
}
