// Scenario 1, the baseline: a minimal node:http server answering every request with the bytes of a
// real meta_data.json (a precomputed Buffer) — the limit of one Node process on this machine, measured
// in the same run and with the same load generator as everything it is compared with.
import { fileURLToPath } from 'node:url';
import { waitForHttpInNetns } from '../lib/curl-in-netns.js';
import { waitForHttp } from '../lib/http-get.js';
import { SERVER_CPU, startChild, type Child } from '../lib/processes.js';

const BASELINE_MAIN = fileURLToPath(new URL('../lib/baseline-server.js', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

export interface Baseline {
  child: Child;
  host: string;
  port: number;
}

/** Starts the baseline on the server CPU (in `netns` when given) and waits until it answers. */
export async function startBaseline(opts: {
  host: string;
  port: number;
  bodyFile: string;
  netns?: string;
}): Promise<Baseline> {
  const child = startChild([process.execPath, BASELINE_MAIN, opts.host, String(opts.port), opts.bodyFile], {
    cpu: SERVER_CPU,
    ...(opts.netns === undefined ? {} : { netns: opts.netns }),
  });
  try {
    if (opts.netns === undefined) {
      await waitForHttp({ host: opts.host, port: opts.port, path: '/' }, READY_TIMEOUT_MS);
    } else {
      await waitForHttpInNetns(opts.netns, `http://${opts.host}:${opts.port}/`, READY_TIMEOUT_MS);
    }
  } catch (err) {
    await child.stop();
    throw new Error(`The baseline server did not start: ${(err as Error).message} ${child.stderr()}`);
  }
  return { child, host: opts.host, port: opts.port };
}
