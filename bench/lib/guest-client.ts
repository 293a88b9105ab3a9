// The per-guest load generator: many simulated guests, each from its own source address (127/8, bound
// with `localAddress`), each requesting its list of paths in order, as cloud-init does. In `close` mode
// every request is a new connection with Connection: close; in `keepalive` mode a guest keeps one
// connection for its whole crawl. How many guests run at once ramps up linearly over the first
// `rampGuests` guests, then stays at `concurrency`. Transport: `raw` (raw-http.ts, the default: cheap
// enough that the server saturates first) or `http` (http.request, agent: false / a keep-alive Agent).
import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { RawConnection, type RawTarget } from './raw-http.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface GuestJob {
  host: string;
  port: number;
  /** One guest per source address, started in this order. */
  addresses: readonly string[];
  /** The requests every guest makes, in order. */
  paths: readonly string[];
  /** Extra request headers (the same for every request). */
  headers?: Record<string, string>;
  mode: 'close' | 'keepalive';
  client: 'raw' | 'http';
  concurrency: number;
  rampGuests: number;
  /** A request not answered within this is an error (and its guest moves on). */
  requestTimeoutMs: number;
  /** No guest starts after this; those left count as errors. */
  deadlineMs: number;
}

export interface GuestRunResult {
  requests: number;
  errors: number;
  /** The first few distinct error descriptions. */
  errorSamples: string[];
  guestsNotStarted: number;
  elapsedMs: number;
  latency: LatencySummary;
  /** CPU seconds this client used (user + system). */
  cpuSeconds: number;
}

const ERROR_SAMPLES = 5;
const TIMEOUT_SWEEP_MS = 250;

export async function runGuests(job: GuestJob): Promise<GuestRunResult> {
  const total = job.addresses.length * job.paths.length;
  const latencies = new Float64Array(total);
  let done = 0;
  let errors = 0;
  const samples = new Set<string>();
  const fail = (why: string): void => {
    errors++;
    if (samples.size < ERROR_SAMPLES) samples.add(why);
  };
  const headers: OutgoingHttpHeaders = {
    ...job.headers,
    ...(job.mode === 'close' ? { connection: 'close' } : {}),
  };
  const cpuStart = process.cpuUsage();
  const started = performance.now();

  const record = (t0: number, path: string, address: string, outcome: number | string): void => {
    latencies[done++] = performance.now() - t0;
    if (outcome !== 200) fail(`${path} from ${address}: ${outcome}`);
  };
  const rawTarget = (address: string): RawTarget => ({
    host: job.host,
    port: job.port,
    localAddress: address,
    headerLines: Object.entries(job.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join(''),
  });
  // Requests in flight on raw connections, for the timeout sweep.
  const inFlightRaw = new Map<RawConnection, number>();
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [conn, t0] of inFlightRaw) {
      if (now - t0 > job.requestTimeoutMs) conn.abort(`timeout after ${job.requestTimeoutMs} ms`);
    }
  }, TIMEOUT_SWEEP_MS);
  const runRawGuest = async (address: string): Promise<void> => {
    const target = rawTarget(address);
    const close = job.mode === 'close';
    let conn: RawConnection | undefined;
    try {
      for (const path of job.paths) {
        const t0 = performance.now();
        conn ??= new RawConnection(target);
        inFlightRaw.set(conn, t0);
        const outcome = await conn.get(path, close);
        inFlightRaw.delete(conn);
        record(t0, path, address, outcome);
        if (close || outcome !== 200) {
          conn.abort('done');
          conn = undefined;
        }
      }
    } finally {
      conn?.abort('done');
    }
  };

  const runHttpGuest = async (address: string): Promise<void> => {
    const agent = job.mode === 'keepalive' ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    try {
      for (const path of job.paths) {
        const t0 = performance.now();
        record(t0, path, address, await get(job, agent, address, path, headers));
      }
    } finally {
      if (agent !== false) agent.destroy();
    }
  };

  const runGuest = job.client === 'raw' ? runRawGuest : runHttpGuest;
  let next = 0;
  let inFlight = 0;
  const cap = (k: number): number =>
    Math.min(
      job.concurrency,
      Math.max(1, Math.ceil((job.concurrency * (k + 1)) / Math.max(1, job.rampGuests))),
    );
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const late = performance.now() - started > job.deadlineMs;
      while (!late && next < job.addresses.length && inFlight < cap(next)) {
        inFlight++;
        void runGuest(job.addresses[next++]!).finally(() => {
          inFlight--;
          pump();
        });
      }
      if (inFlight === 0 && (late || next === job.addresses.length)) resolve();
    };
    pump();
  });

  clearInterval(sweep);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const guestsNotStarted = job.addresses.length - next;
  if (guestsNotStarted > 0)
    samples.add(`${guestsNotStarted} guests not started before the ${job.deadlineMs} ms deadline`);
  return {
    requests: done,
    errors: errors + guestsNotStarted * job.paths.length,
    errorSamples: [...samples],
    guestsNotStarted,
    elapsedMs,
    latency: summarizeLatencies(latencies.subarray(0, done)),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** One GET; resolves with the status, or a description of what went wrong (never rejects). */
function get(
  job: GuestJob,
  agent: Agent | false,
  localAddress: string,
  path: string,
  headers: OutgoingHttpHeaders,
): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      { host: job.host, port: job.port, path, method: 'GET', agent, localAddress, headers },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', (err) => resolve(errorText(err)));
      },
    );
    req.setTimeout(job.requestTimeoutMs, () =>
      req.destroy(new Error(`timeout after ${job.requestTimeoutMs} ms`)),
    );
    req.on('error', (err) => resolve(errorText(err)));
    req.end();
  });
}

function errorText(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
