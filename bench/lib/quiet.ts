// Other workloads share this machine (reference/node-http-bench.md "Noise"): before each measurement,
// wait — up to a bound — for a moment when the machine is idle, since every server of the benchmark
// is idle between runs. A run that still overlaps other work is marked noisy by its CPU window.
import { machineCpuSeconds } from './processes.js';

const SAMPLE_MS = 500;
/** Idle enough: less than this many cores busy over a sample. */
const QUIET_CORES = 0.15;

/** Resolves once the machine was idle for one sample, or after `maxWaitMs`; returns the time waited. */
export async function waitForQuiet(maxWaitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = machineCpuSeconds().busy;
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const cores = (machineCpuSeconds().busy - before) / (SAMPLE_MS / 1000);
    const waited = performance.now() - started;
    if (cores < QUIET_CORES || waited >= maxWaitMs) return waited;
  }
}
