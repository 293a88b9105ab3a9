// What one run records: written as bench/results/<timestamp>.json and printed as tables.
import type { Machine } from './lib/machine.js';
import type { StormRow } from './scenarios/boot-storm.js';
import type { FairnessRow } from './scenarios/fairness.js';
import type { ScaleRow } from './scenarios/store-scale.js';
import type { StartupRow } from './scenarios/startup.js';
import type { ThroughputRow } from './scenarios/throughput.js';
import type { TargetCheck } from './targets.js';

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  /**
   * CPU the hypervisor took from this (virtual) machine during the run, in cores on average: other
   * guests of the host. Invisible to "other cores", and it slows every figure of the run.
   */
  stolenCores: number;
  quick: boolean;
  machine: Machine;
  settings: Record<string, number | string | boolean>;
  /** Store fixtures: instances and the seconds their one transaction took. */
  fixtures: Array<{ name: string; instances: number; buildSeconds: number }>;
  /** The storm's crawl: what each guest requests, in order. */
  crawl: string[];
  throughput: ThroughputRow[];
  storm: StormRow[];
  scale: ScaleRow[];
  startup: StartupRow[];
  fairness: FairnessRow[];
  /** Scenarios or rows that could not run, and why. */
  unavailable: Array<{ scenario: string; reason: string }>;
  targets: TargetCheck[];
}
