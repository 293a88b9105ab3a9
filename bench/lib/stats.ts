// Latency and throughput summaries. Percentiles are read from sorted samples (nearest rank), never
// interpolated, so a p99 is a latency some request really had.

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summary of latencies in milliseconds (the array is sorted in place). */
export function summarizeLatencies(samplesMs: Float64Array): LatencySummary {
  samplesMs.sort();
  let sum = 0;
  for (const v of samplesMs) sum += v;
  return {
    count: samplesMs.length,
    p50Ms: percentile(samplesMs, 0.5),
    p99Ms: percentile(samplesMs, 0.99),
    maxMs: samplesMs.length === 0 ? NaN : samplesMs[samplesMs.length - 1]!,
    meanMs: samplesMs.length === 0 ? NaN : sum / samplesMs.length,
  };
}

/** Median of a few repetitions. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The run whose `key` is the median (the lower middle one of an even count): a whole row, not a mean. */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T | undefined {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
