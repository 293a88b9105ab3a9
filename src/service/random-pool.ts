// Fresh random bytes for every meta_data.json (random_seed, 512 bytes per request, as Nova sends).
// Drawing them one request at a time cost a call into the CSPRNG per request; drawing a block and
// handing out each byte exactly once costs one call per POOL_BYTES / n requests. Every caller gets
// its own copy, so nothing it keeps is ever overwritten by a later refill.

/** 128 meta_data.json seeds per refill. */
export const RANDOM_POOL_BYTES = 65_536;

export function createRandomPool(
  randomFill: (buffer: Buffer) => void,
  poolBytes: number = RANDOM_POOL_BYTES,
): (n: number) => Buffer {
  const pool = Buffer.alloc(poolBytes);
  let used = poolBytes;
  return (n) => {
    if (n > poolBytes) {
      const big = Buffer.alloc(n);
      randomFill(big);
      return big;
    }
    if (used + n > poolBytes) {
      randomFill(pool);
      used = 0;
    }
    const out = Buffer.from(pool.subarray(used, used + n));
    // Wipe what was handed out, so the pool never holds a copy of a seed already sent.
    pool.fill(0, used, used + n);
    used += n;
    return out;
  };
}
