// Slow and idle clients (issue 7 §5): a thousand connections that send nothing or trickle their
// headers a byte at a time do not stop the service from answering other guests, and the header
// timeout (10 s, enforced every second) cuts the tricklers with 408. Loopback only: the slow
// clients come from 127.0.1.0/24 (four connections per address, under the per-guest cap), the real
// guest is 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { GUEST_SERVER_DEFAULTS } from '../../src/http/limited-server.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { sendRaw, tcpTarget } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';

const SLOW = 1000;
const NET = sampleNetwork(1, {
  subnets: [{ ...sampleNetwork(1).subnets[0]!, id: testUuid(0xb, 1), cidr: '127.0.0.0/8', gateway: null }],
});

/** Client and server ends of SLOW connections live in this process: make room for them. */
function ensureFileLimit(wanted: number): void {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s+/)[3]);
  if (soft >= wanted) return;
  // Raising our own limit needs prlimit (util-linux) and, past the hard limit, root.
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${wanted}`]);
}

interface Slow {
  socket: Socket;
  /** Bytes the service sent back (a 408 page for a trickler it cut). */
  received: string;
  closed: boolean;
}

function open(address: string, from: string): Promise<Slow> {
  const { host, port } = tcpTarget(address);
  return new Promise((resolve, reject) => {
    const slow: Slow = { socket: connect({ host, port, localAddress: from }), received: '', closed: false };
    slow.socket.setEncoding('latin1');
    slow.socket.on('data', (d: string) => (slow.received += d));
    slow.socket.on('close', () => (slow.closed = true));
    slow.socket.once('connect', () => resolve(slow));
    slow.socket.once('error', reject);
  });
}

test('a thousand idle and trickling connections do not stop service to others, and the header timeout cuts them', async (t) => {
  ensureFileLimit(4 * SLOW + 1024);
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  const vm = sampleInstance(1);
  store.transaction(() => {
    store.putNetwork(NET);
    store.putInstance(vm);
    store.putPort(samplePort(1, vm.uuid, NET.id, ['127.0.0.1']));
  });
  const service = await startTestService(t, {
    store,
    configure: (c) => {
      c.directListeners = [{ listen: '127.0.0.1:0', network: NET.name }];
    },
  });
  const address = service.address('direct');
  const slow: Slow[] = [];
  const timers: NodeJS.Timeout[] = [];
  t.after(() => {
    timers.forEach(clearInterval);
    slow.forEach((s) => s.socket.destroy());
  });
  for (let i = 0; i < SLOW; i++) {
    const from = `127.0.1.${1 + Math.floor(i / 4)}`;
    const s = await open(address, from);
    slow.push(s);
    if (i % 2 === 1) {
      // A trickler: a request line, then one header byte every 500 ms, never finishing the head.
      s.socket.write('GET /openstack/latest/meta_data.json HTTP/1.1\r\nX-Slow: ');
      timers.push(setInterval(() => s.socket.writable && s.socket.write('a'), 500));
    }
  }
  const opened = Date.now();
  // While all of them are held, the real guest is served, request after request.
  for (let i = 0; i < 20; i++) {
    const res = await sendRaw(tcpTarget(address), {
      path: '/openstack/latest/meta_data.json',
      timeoutMs: 5000,
    });
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body.toString()) as { uuid: string }).uuid, vm.uuid);
  }
  // The header timeout ends every slow connection, idle or trickling, within it plus the check interval.
  const deadline = opened + GUEST_SERVER_DEFAULTS.headersTimeoutMs + 5000;
  while (slow.some((s) => !s.closed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const open_ = slow.filter((s) => !s.closed).length;
  assert.equal(open_, 0, `${open_} slow connections still open after the header timeout`);
  const tricklers = slow.filter((_, i) => i % 2 === 1);
  const answered408 = tricklers.filter((s) => s.received.startsWith('HTTP/1.1 408 ')).length;
  assert.equal(answered408, tricklers.length, 'every trickler is answered 408 Request Timeout');
  // And the service still answers.
  assert.equal((await sendRaw(tcpTarget(address), { path: '/healthcheck' })).status, 200);
});
