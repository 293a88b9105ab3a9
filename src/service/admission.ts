// Fair admission: a token bucket per instance. The burst is sized so that a whole cloud-init boot
// (the OpenStack crawl, the EC2 sub-crawl, retries) never waits; beyond it a guest gets a steady rate
// and 429 with Retry-After for the rest, so one flooding guest cannot take the service from others.
// Pure: the clock is passed in.

export interface AdmissionOptions {
  /** Requests per second refilled per instance; 0 turns admission control off. */
  ratePerSecond: number;
  /** Bucket size: requests an idle instance may make at once. */
  burst: number;
  now: () => number;
  /** Buckets kept at once; full buckets are dropped first (default 100,000). */
  maxInstances?: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface Admitter {
  admit(instanceUuid: string): Admission;
  /** Buckets held (for tests and diagnostics). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const ADMITTED: Admission = { ok: true };

export function createAdmitter(opts: AdmissionOptions): Admitter {
  const { ratePerSecond, burst } = opts;
  const maxInstances = opts.maxInstances ?? 100_000;
  const buckets = new Map<string, Bucket>();
  if (ratePerSecond <= 0) return { admit: () => ADMITTED, size: () => 0 };
  const perMs = ratePerSecond / 1000;
  // After this long idle a bucket is full again, so forgetting it changes nothing.
  const refillMs = burst / perMs;

  const prune = (now: number): void => {
    for (const [key, b] of buckets) if (now - b.at >= refillMs) buckets.delete(key);
    // Still full of busy guests: forget the least recently created (they restart with a full bucket).
    while (buckets.size >= maxInstances) buckets.delete(buckets.keys().next().value!);
  };

  return {
    admit(instanceUuid) {
      const now = opts.now();
      let b = buckets.get(instanceUuid);
      if (b === undefined) {
        if (buckets.size >= maxInstances) prune(now);
        b = { tokens: burst, at: now };
        buckets.set(instanceUuid, b);
      } else {
        b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
        b.at = now;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return ADMITTED;
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
    size: () => buckets.size,
  };
}
