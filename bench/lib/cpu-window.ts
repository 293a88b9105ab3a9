// CPU spent during one measurement: by the server side (per request, and how busy its core was), by
// the load generator, and by everything else on the machine — the noise that makes a run suspect
// (reference/node-http-bench.md "Noise": other workloads share this machine).
import { cpuSeconds, machineCpuSeconds } from './processes.js';

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds of the measured server processes (service, proxy). */
  serverSeconds: number;
  /** CPU seconds of the load generator (sampled every 100 ms until it exits). */
  clientSeconds: number;
  /** CPU seconds of everything else, in cores on average over the window. */
  otherCores: number;
}

export interface CpuWindow {
  /** The load generator, whose /proc entry vanishes when it exits: sampled until then. */
  watchClient(pid: number): void;
  stop(): CpuUse;
}

const CLIENT_SAMPLE_MS = 100;

export function openCpuWindow(serverPids: readonly number[]): CpuWindow {
  const startWall = performance.now();
  const startMachine = machineCpuSeconds();
  const startServer = serverPids.map(cpuSeconds);
  const clients = new Map<number, { first: number; last: number }>();
  const timer = setInterval(sampleClients, CLIENT_SAMPLE_MS);
  timer.unref();

  function sampleClients(): void {
    for (const [pid, seen] of clients) {
      const now = cpuSeconds(pid);
      if (!Number.isNaN(now)) seen.last = now;
    }
  }

  return {
    watchClient(pid) {
      const first = cpuSeconds(pid);
      clients.set(pid, { first: Number.isNaN(first) ? 0 : first, last: Number.isNaN(first) ? 0 : first });
    },
    stop() {
      clearInterval(timer);
      sampleClients();
      const wallSeconds = (performance.now() - startWall) / 1000;
      const machine = machineCpuSeconds();
      const serverSeconds = serverPids
        .map((pid, i) => cpuSeconds(pid) - startServer[i]!)
        .filter((v) => !Number.isNaN(v))
        .reduce((a, b) => a + b, 0);
      const clientSeconds = [...clients.values()].reduce((a, c) => a + (c.last - c.first), 0);
      const busy = machine.busy - startMachine.busy;
      const other = Math.max(0, busy - serverSeconds - clientSeconds);
      return { wallSeconds, serverSeconds, clientSeconds, otherCores: other / wallSeconds };
    },
  };
}
