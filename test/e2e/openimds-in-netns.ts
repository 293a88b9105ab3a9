// Runs the built openimds (dist/src/cli/main.js) for an e2e test: `apply` registers the inventory,
// then `serve` runs INSIDE the topology's service namespace with a direct listener on
// 169.254.169.254:80, and the call returns once a connection from the guest namespace is answered.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { METADATA_ADDRESS, type Topology } from '../helpers/netns.js';

/** The repository root, from dist/test/e2e/ where this file runs compiled. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO_ROOT, 'dist/src/cli/main.js');
const READY_TIMEOUT_MS = 15_000;
const PROBE_INTERVAL_MS = 100;

// A bare HTTP exchange from inside the guest namespace: exit 0 once anything HTTP answers on :80.
// GET / needs no identification, so this says "listening and reachable", nothing more.
const PROBE = [
  'import socket, sys',
  `s = socket.create_connection(("${METADATA_ADDRESS}", 80), timeout=1)`,
  's.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")',
  'sys.exit(0 if s.recv(8).startswith(b"HTTP/1.") else 1)',
].join('\n');

export interface ServiceOptions {
  /** The inventory YAML (`openimds apply -f`). */
  inventory: string;
  /** Network whose ports the direct listener resolves by peer address. */
  network: string;
  /** Static vendor data (Nova's vendordata_jsonfile_path), written to a file. */
  vendorData?: Record<string, unknown>;
}

export interface RunningOpenimds {
  /** Everything the service wrote to stdout and stderr so far (JSON log lines). */
  logs(): string;
}

export async function startOpenimds(
  t: TestContext,
  net: Topology,
  opts: ServiceOptions,
): Promise<RunningOpenimds> {
  const dir = makeTmpDir(t, 'openimds-e2e-');
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'inventory.yaml'), opts.inventory);
  await node(['apply', '-f', join(dir, 'inventory.yaml'), '--data-dir', dataDir]);
  const serveArgs = [
    ...['serve', '--data-dir', dataDir, '--direct', `${METADATA_ADDRESS}:80=${opts.network}`],
    ...['--signed-listen', '', '--admin-listen', '', '--log-format', 'json'],
  ];
  if (opts.vendorData !== undefined) {
    writeFileSync(join(dir, 'vendor_data.json'), JSON.stringify(opts.vendorData));
    serveArgs.push('--vendordata-json-file', join(dir, 'vendor_data.json'));
  }
  const child = net.spawn(net.serviceNs, [process.execPath, MAIN, ...serveArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new Error(`openimds serve ${exited} before answering:\n${output}`);
    const probe = await net.run(net.guestNs, ['/usr/bin/python3', '-c', PROBE], {
      check: false,
      timeoutMs: 5000,
    });
    if (probe.code === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `openimds did not answer on ${METADATA_ADDRESS}:80 from the guest within ${READY_TIMEOUT_MS} ms:\n` +
          `${probe.stderr}\n${output}`,
      );
    }
    await sleep(PROBE_INTERVAL_MS);
  }
  return { logs: () => output };
}

function node(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MAIN, ...argv], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openimds ${argv[0]} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}
