// Property-based fuzzing (fast-check) of the guest handler in memory, wired as `openimds serve` wires
// it (test/helpers/in-process-guest.ts) over a real SQLite store holding four marked instances:
// random paths (bytes, escapes, dot segments, NUL, unicode, very long), headers (identity headers
// with valid and forged values, token headers, random names, huge values), methods and bodies, on
// the peer (direct/namespace), signed and tagged identifiers. Properties: nothing throws, every status
// is one docs/api.md documents, no answer holds another instance's data, and the heap stays bounded.
// The seed is printed (t.diagnostic) and in any failure; rerun one with FUZZ_SEED=<seed>.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { BODY_MAX_BYTES, type GuestRequest, type GuestResponse } from '../../src/http/guest-request.js';
import { peerAddress } from '../../src/http/peer-address.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { foreignReads } from '../helpers/foreign-data.js';
import {
  allowedOwner,
  documentedStatuses,
  fillWorld,
  FUZZ_SECRET,
  headerRecord,
  N1,
  requestArb,
  WORLD,
  type FuzzRequest,
} from '../helpers/fuzz-guest.js';
import { inProcessGuest, type InProcessGuest } from '../helpers/in-process-guest.js';

const DOCUMENTED = documentedStatuses();

function seedFor(t: TestContext): number {
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  t.diagnostic(`fast-check seed ${seed} (rerun with FUZZ_SEED=${seed})`);
  return seed;
}

function setup(t: TestContext): InProcessGuest {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  fillWorld(store);
  // A render cache of two instances for four: eviction and reloads happen all the time.
  return inProcessGuest({ store, secret: FUZZ_SECRET, cacheInstances: 2 });
}

/** The request as guest-server.ts hands it over: peer normalised, body capped. */
function guestRequest(req: FuzzRequest): GuestRequest {
  const headers: Record<string, string> = headerRecord(req.headers);
  if (req.body.length > 0) headers['content-length'] = String(req.body.length);
  const socketPeer = req.kind === 'peer' ? req.peer : req.kind === 'signed' ? '127.0.0.1' : '';
  return {
    method: req.method,
    url: req.url,
    headers,
    peerAddress: socketPeer === '' ? '' : (peerAddress(socketPeer) ?? socketPeer),
    body: req.body.subarray(0, BODY_MAX_BYTES),
    bodyTooLarge: req.body.length > BODY_MAX_BYTES,
  };
}

async function answer(guest: InProcessGuest, req: FuzzRequest): Promise<GuestResponse> {
  const handler = req.kind === 'peer' ? guest.peer([N1.id]) : guest[req.kind];
  return await handler(guestRequest(req));
}

function checkAnswer(req: FuzzRequest, res: GuestResponse): void {
  const what = `${req.kind} ${req.method} ${JSON.stringify(req.url.slice(0, 200))}`;
  assert.ok(DOCUMENTED.has(res.status), `${what}: status ${res.status} is not in docs/api.md`);
  // 500 is documented only for a fatal dynamic vendor data failure, which is not configured here.
  assert.notEqual(res.status, 500, `${what}: 500 ${res.body.toString()}`);
  assert.ok(Buffer.isBuffer(res.body), `${what}: body is a Buffer`);
  assert.equal(typeof res.headers['content-type'], 'string', `${what}: content-type`);
  const owner = allowedOwner(req, [N1]);
  const sent = req.url + JSON.stringify(req.headers);
  assert.deepEqual(foreignReads(res.body, owner?.uuid, WORLD, sent), [], `${what}: foreign data`);
}

test('guest handler (in memory): random requests never throw, get documented statuses and never another instance’s data', async (t) => {
  // The parser found the tables (the set grows with the docs, e.g. 429 once rate limits are documented).
  for (const status of [200, 400, 401, 403, 404, 405, 409, 414, 431]) {
    assert.ok(DOCUMENTED.has(status), `docs/api.md documents ${status}: ${[...DOCUMENTED].join(', ')}`);
  }
  const guest = setup(t);
  let owned = 0;
  await fc.assert(
    fc.asyncProperty(requestArb, async (req) => {
      const res = await answer(guest, req);
      checkAnswer(req, res);
      if (res.status === 200 && allowedOwner(req, [N1]) !== undefined) owned++;
    }),
    { seed: seedFor(t), numRuns: 2_000 },
  );
  t.diagnostic(`${owned} runs read an instance's own data`);
  // The run must also have reached instances' data, or "no foreign data" would hold vacuously.
  assert.ok(owned > 50, `only ${owned} runs read an instance's own data`);
});

test('guest handler (in memory): the heap does not grow with the number of requests', async (t) => {
  const guest = setup(t);
  const run = (numRuns: number, seed: number) =>
    fc.assert(
      fc.asyncProperty(requestArb, async (req) => checkAnswer(req, await answer(guest, req))),
      { seed, numRuns },
    );
  const seed = seedFor(t);
  await run(500, seed); // warm-up: caches filled, code optimised
  const gc = collector();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  await run(4_000, seed + 1);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const growthMb = (after - before) / 2 ** 20;
  t.diagnostic(
    `heapUsed ${(before / 2 ** 20).toFixed(1)} MB → ${(after / 2 ** 20).toFixed(1)} MB (${gc ? 'after GC' : 'no GC'})`,
  );
  // Coarse on purpose; without a forced GC the young generation and unswept garbage add tens of MB.
  // A leak of 10 KiB a request would still show as 40 MB.
  const boundMb = gc ? 16 : 64;
  assert.ok(growthMb < boundMb, `heap grew by ${growthMb.toFixed(1)} MB over 4,000 requests`);
});

/** global.gc, obtained at run time (the test runner does not pass --expose-gc); undefined if refused. */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}
