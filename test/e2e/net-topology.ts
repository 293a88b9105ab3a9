// Small tools for the src/net end-to-end tests, on top of test/helpers/netns.ts: a TCP listener and
// a TCP probe that run inside a namespace (Node itself, nothing to install), the addresses on an
// interface, and a throw-away ISC dhclient whose leases, pid and script stay out of the host's
// /var/lib/dhcp (its resolv.conf goes to /etc/netns/<guest>/resolv.conf, which the topology owns).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Topology } from '../helpers/netns.js';

export const DHCLIENT = '/sbin/dhclient';
export const DHCLIENT_SCRIPT = '/sbin/dhclient-script';

// Answers each connection with "hello <local port>" (a redirected connection lands on 9697).
const SERVER = `
const [host, port] = process.argv.slice(1);
require('net')
  .createServer((s) => s.end('hello ' + s.localPort + '\\n'))
  .listen(Number(port), host, () => console.log('listening'));`;

// Prints "ok <reply>", "timeout" or "error <code>"; always exits 0.
const CLIENT = `
const [host, port, ms] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port), timeout: Number(ms) });
let data = '';
s.on('data', (d) => (data += d));
s.on('end', () => { console.log('ok ' + data.trim()); process.exit(0); });
s.on('timeout', () => { console.log('timeout'); process.exit(0); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });`;

/** A TCP server in `ns` on host:port; resolves once it listens; ended by the topology's cleanup. */
export async function listenIn(net: Topology, ns: string, host: string, port: number): Promise<void> {
  const child = net.spawn(ns, [process.execPath, '-e', SERVER, host, String(port)]);
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`listener on ${host}:${port} exited (${code}): ${out}`)));
  });
  await listening;
}

/** One TCP connection from `ns`: "ok hello <port>", "timeout" or "error <code>". */
export async function connectFrom(net: Topology, ns: string, host: string, port: number, timeoutMs = 1500) {
  const r = await net.run(ns, [process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 5000,
  });
  return r.stdout.trim();
}

/** The IPv4 addresses on `dev` in `ns`, as "a.b.c.d/n". */
export async function addressesOf(net: Topology, ns: string, dev: string): Promise<string[]> {
  const r = await net.run(ns, ['ip', '-4', '-j', 'addr', 'show', 'dev', dev]);
  const links = JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return links.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
}

export interface Dhclient {
  leaseFile: string;
  /** Ends it (SIGTERM: no release sent) and waits for it. */
  stop(): Promise<void>;
}

const DHCLIENT_TIMEOUT_MS = 20_000;

/**
 * `dhclient -d -1` (foreground, one try) on `dev` in `ns`; resolves once it is bound. In the
 * foreground it stays our child, so it is reaped when it ends (a daemonised one is reparented to
 * init, which in a container may never reap it).
 */
export async function runDhclient(
  net: Topology,
  ns: string,
  dev: string,
  dir: string,
  opts: { name: string; confFile?: string; script?: string },
): Promise<Dhclient> {
  const leaseFile = join(dir, `${opts.name}.leases`);
  const files = ['-lf', leaseFile, '-pf', join(dir, `${opts.name}.pid`)];
  const conf = opts.confFile === undefined ? [] : ['-cf', opts.confFile];
  const script = ['-sf', opts.script ?? DHCLIENT_SCRIPT];
  const child = net.spawn(ns, [DHCLIENT, '-d', '-1', '-v', ...script, ...files, ...conf, dev]);
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dhclient got no lease in time:\n${out}`)),
      DHCLIENT_TIMEOUT_MS,
    );
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
      if (!/^bound to /m.test(out)) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`dhclient exited (${child.exitCode}) without a lease:\n${out}`));
    });
  });
  return {
    leaseFile,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `ms` with `what`. */
export async function waitFor(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}
