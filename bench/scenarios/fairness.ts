// Fair admission (issue 7 §4): one guest floods the direct listener while other guests boot, and the
// booting guests' p99 is compared with their p99 when nobody floods. The flooder is wrk from
// 127.0.0.1 (keep-alive, many connections, one instance); the victims are fresh guests crawling as
// cloud-init does (a new connection per request). Measured twice: with the service's default
// admission (per-instance bucket, per-guest connection cap) and with it off, the control that shows
// what admission buys. Both clients share the client CPU, so the victims' latency also carries some
// client-side queueing under the flood: read the ratio with admission on against the one without.
import { join } from 'node:path';
import { benchNetwork, buildFixture, guestAddress, type Guest } from '../lib/fixture.js';
import { runGuestLoad } from '../lib/guest-load.js';
import type { OpenimdsBuild } from '../lib/openimds-process.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { startServiceUnderTest } from './service-under-test.js';
import { META_DATA_PATH } from './direct.js';

export interface FairnessRow {
  admission: 'default' | 'off';
  flood: boolean;
  victims: number;
  victimRequests: number;
  victimErrors: number;
  victimP50Ms: number;
  victimP99Ms: number;
  /** victimP99Ms over the same admission's p99 without the flood. */
  p99Ratio: number;
  floodRps: number | null;
  /** Flood answers that were not 2xx/3xx (429s from admission) or failed. */
  floodRefused: number | null;
}

export interface FairnessOptions {
  crawl: readonly string[];
  victims: number;
  concurrency: number;
  floodConnections: number;
  floodSeconds: number;
  build: OpenimdsBuild;
}

const FLOOD_RAMP_MS = 1000;

export async function measureFairness(
  work: string,
  opts: FairnessOptions,
  log: (line: string) => void,
): Promise<FairnessRow[]> {
  // 127.0.0.1 floods; four fresh victim sets (alone and flooded, for each admission setting).
  const addresses = ['127.0.0.1', ...Array.from({ length: 4 * opts.victims }, (_, i) => guestAddress(i))];
  const fixture = buildFixture(join(work, 'fairness.sqlite'), benchNetwork('127.0.0.0/8'), addresses);
  const sets = [0, 1, 2, 3].map((k) =>
    fixture.guests.slice(1 + k * opts.victims, 1 + (k + 1) * opts.victims),
  );
  const rows: FairnessRow[] = [];
  for (const [n, admission] of (['default', 'off'] as const).entries()) {
    const service = await startServiceUnderTest(fixture, join(work, `fairness-${admission}`), {
      ...opts.build,
      fairAdmission: admission === 'default',
    });
    try {
      const victimJob = (guests: readonly Guest[]) => ({
        host: service.host,
        port: service.directPort,
        addresses: guests.map((g) => g.address),
        paths: opts.crawl,
        mode: 'close' as const,
        client: 'raw' as const,
        concurrency: opts.concurrency,
        rampGuests: 0,
        requestTimeoutMs: 10_000,
        deadlineMs: (opts.floodSeconds * 1000 * 2) / 3,
      });
      log(`fairness (admission ${admission}): ${opts.victims} guests booting alone`);
      const alone = await runGuestLoad(victimJob(sets[2 * n]!), [service.child.pid]);
      log(
        `fairness (admission ${admission}): the same with 127.0.0.1 flooding (${opts.floodConnections} connections)`,
      );
      const flood = runWrk({
        url: `http://${service.host}:${service.directPort}${META_DATA_PATH}`,
        connections: opts.floodConnections,
        durationSeconds: opts.floodSeconds,
        close: false,
        serverPids: [service.child.pid],
      });
      await new Promise((r) => setTimeout(r, FLOOD_RAMP_MS));
      const flooded = await runGuestLoad(victimJob(sets[2 * n + 1]!), [service.child.pid]);
      const floodResult: WrkResult = await flood;
      const row = (r: typeof alone, withFlood: boolean): FairnessRow => ({
        admission,
        flood: withFlood,
        victims: opts.victims,
        victimRequests: r.requests,
        victimErrors: r.errors,
        victimP50Ms: r.latency.p50Ms,
        victimP99Ms: r.latency.p99Ms,
        p99Ratio: r.latency.p99Ms / alone.latency.p99Ms,
        floodRps: withFlood ? floodResult.rps : null,
        floodRefused: withFlood ? floodResult.errors : null,
      });
      rows.push(row(alone, false), row(flooded, true));
    } finally {
      await service.child.stop();
    }
  }
  return rows;
}
