// The machine a run was measured on: figures only mean something next to this.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { CAN_PIN, CLIENT_CPU, SERVER_CPU } from './processes.js';
import { WRK } from './wrk.js';

export interface Machine {
  nproc: number;
  cpuModel: string;
  kernel: string;
  node: string;
  wrk: string;
  memoryGiB: number;
  placement: string;
  /** 1-minute load average when the run started: a busy machine makes every figure lower. */
  loadAverageAtStart: number;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpuModel: model,
    kernel: release(),
    node: process.version,
    wrk: wrkVersion(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    placement: CAN_PIN
      ? `servers on CPU ${SERVER_CPU}, load generators on CPU ${CLIENT_CPU} (taskset)`
      : 'not pinned (taskset or a second CPU missing)',
    loadAverageAtStart: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  };
}

function wrkVersion(): string {
  // `wrk -v` prints its version, then its usage, and exits 1.
  const r = spawnSync(WRK, ['-v'], { encoding: 'utf8' });
  return /wrk (\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'not found';
}
