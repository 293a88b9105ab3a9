// Scenario 6, start-up: from the spawn of `node dist/src/cli/main.js serve …` to the first answered
// guest request (meta_data.json from 127.0.0.1 on the direct listener), polled every 2 ms. The baseline
// server's spawn → first answer is the floor: Node itself starting.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Fixture } from '../lib/fixture.js';
import { httpGet } from '../lib/http-get.js';
import { startServe, type OpenimdsBuild } from '../lib/openimds-process.js';
import { freePort } from '../lib/ports.js';
import { SERVER_CPU, startChild, type Child } from '../lib/processes.js';
import { median } from '../lib/stats.js';
import { META_DATA_PATH } from './direct.js';

const POLL_MS = 2;
const GIVE_UP_MS = 60_000;
const BASELINE_MAIN = fileURLToPath(new URL('../lib/baseline-server.js', import.meta.url));

export interface StartupRow {
  what: string;
  instances: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number[];
}

export async function measureStartup(
  fixture: Fixture,
  reps: number,
  workDir: string,
  build: OpenimdsBuild,
): Promise<StartupRow> {
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const port = await freePort();
    runs.push(
      await timeToFirstAnswer(port, () =>
        startServe({
          dataDir: join(workDir, `startup-service-${fixture.guests.length}`),
          database: fixture.database,
          direct: [{ listen: `127.0.0.1:${port}`, network: fixture.network.name }],
          build,
        }),
      ),
    );
  }
  return row(`openimds serve`, fixture.guests.length, runs);
}

/** The floor: the baseline server (node:http, nothing to load) from spawn to first answer. */
export async function measureNodeFloor(reps: number, bodyFile: string): Promise<StartupRow> {
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const port = await freePort();
    runs.push(
      await timeToFirstAnswer(port, () =>
        startChild([process.execPath, BASELINE_MAIN, '127.0.0.1', String(port), bodyFile], {
          cpu: SERVER_CPU,
        }),
      ),
    );
  }
  return row('baseline node:http server (floor)', 0, runs);
}

async function timeToFirstAnswer(port: number, spawnIt: () => Child): Promise<number> {
  const t0 = performance.now();
  const child = spawnIt();
  try {
    for (;;) {
      const status = await httpGet({ host: '127.0.0.1', port, path: META_DATA_PATH, timeoutMs: 5000 }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return performance.now() - t0;
      if (performance.now() - t0 > GIVE_UP_MS || child.process.exitCode !== null) {
        throw new Error(
          `Nothing answered on 127.0.0.1:${port} within ${GIVE_UP_MS} ms (last status ${status}): ${child.stderr()}`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await child.stop();
  }
}

function row(what: string, instances: number, runs: number[]): StartupRow {
  return {
    what,
    instances,
    medianMs: median(runs),
    minMs: Math.min(...runs),
    maxMs: Math.max(...runs),
    runs: runs.map((v) => Math.round(v)),
  };
}
