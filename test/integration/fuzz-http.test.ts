// The fuzz run of fuzz-guest-handler.test.ts, fewer runs, over real sockets against a running service
// (startService: direct listener of N1 on 127.0.0.1, signed listener, tagged UNIX socket), with the
// request head written byte for byte, so Node's HTTP parser and the listener limits (414, 431, 400)
// are in the path too. Properties: every request gets an answer with a documented status, no
// answer holds another instance's data, and the listeners still serve afterwards.
// The seed is printed (t.diagnostic) and in any failure; rerun one with FUZZ_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NetConnectOpts } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { foreignReads } from '../helpers/foreign-data.js';
import {
  allowedOwner,
  documentedStatuses,
  fillWorld,
  FUZZ_SECRET,
  N1,
  requestArb,
  WORLD,
  type FuzzRequest,
} from '../helpers/fuzz-guest.js';
import { tcpTarget } from '../helpers/raw-http.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const DOCUMENTED = documentedStatuses();
// Peers the direct listener can see: loopback source addresses only (NETWORK SAFETY).
const LOOPBACK_PEERS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.9'];

/** The request head and body as bytes; CR and LF in the target are escaped so the head keeps its shape. */
function rawRequest(req: FuzzRequest): Buffer {
  const target = req.url.replace(/\r/g, '%0d').replace(/\n/g, '%0a');
  const lines = [`${req.method} ${target} HTTP/1.1`, 'Host: x'];
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`);
  lines.push('Connection: close');
  if (req.body.length > 0) lines.push(`Content-Length: ${req.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), req.body]);
}

/** Writes the bytes and collects everything until the server closes (or 10 s pass). */
function exchange(opts: NetConnectOpts, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(opts);
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    // The server may answer (413/431/400) and close before it has read all we sent.
    socket.on('error', (err: NodeJS.ErrnoException) =>
      chunks.length > 0 || err.code === 'EPIPE' || err.code === 'ECONNRESET' ? done() : reject(err),
    );
    socket.end(bytes);
  });
}

test('listeners over HTTP: random requests get documented statuses, never another instance’s data, and the listeners keep serving', async (t) => {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  fillWorld(store);
  const socketPath = path.join(makeTmpDir(t), 'tagged.sock');
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: FUZZ_SECRET },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
      config.taggedSocket = socketPath;
      config.directListeners = [{ listen: '127.0.0.1:0', network: N1.name }];
    },
  });
  const direct = tcpTarget(service.address('direct')).port;
  const signed = tcpTarget(service.address('signed')).port;
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  t.diagnostic(`fast-check seed ${seed} (rerun with FUZZ_SEED=${seed})`);

  const arb = fc
    .tuple(requestArb, fc.constantFrom(...LOOPBACK_PEERS))
    .map(([req, peer]) => ({ ...req, peer }));
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      const to: NetConnectOpts =
        req.kind === 'tagged'
          ? { path: socketPath }
          : req.kind === 'signed'
            ? { host: '127.0.0.1', port: signed }
            : { host: '127.0.0.1', port: direct, localAddress: req.peer };
      const raw = await exchange(to, rawRequest(req));
      const head = raw.subarray(0, 64).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
      const what = `${req.kind} ${req.method} ${JSON.stringify(req.url.slice(0, 100))}`;
      assert.ok(DOCUMENTED.has(status), `${what}: answered ${JSON.stringify(head)}`);
      assert.notEqual(status, 500, `${what}: 500`);
      const owner = allowedOwner(req, [N1]);
      const sent = req.url + JSON.stringify(req.headers);
      assert.deepEqual(foreignReads(raw, owner?.uuid, WORLD, sent), [], `${what}: foreign data`);
    }),
    { seed, numRuns: 400 },
  );

  // Still serving, each listener its own instance.
  const after = await exchange(
    { host: '127.0.0.1', port: direct, localAddress: '127.0.0.2' },
    Buffer.from('GET /latest/user-data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
  );
  assert.match(after.toString('latin1'), /^HTTP\/1\.1 200 /);
  assert.ok(after.toString('latin1').endsWith(WORLD[1]!.input.userData!.toString('latin1')));
});
