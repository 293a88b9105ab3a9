// The openimds process the throughput and boot-storm scenarios load: one `openimds serve` with a direct
// listener on the bench network (127.0.0.0/8, as the demo's), the signed listener and the tagged
// listener's UNIX socket, over the main fixture. Each scenario uses one listener at a time.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Fixture } from '../lib/fixture.js';
import { waitForHttp } from '../lib/http-get.js';
import { startServe, type OpenimdsBuild } from '../lib/openimds-process.js';
import { freePort } from '../lib/ports.js';
import type { Child } from '../lib/processes.js';

const READY_TIMEOUT_MS = 30_000;

export interface ServiceUnderTest {
  child: Child;
  host: string;
  directPort: number;
  signedPort: number;
  taggedSocket: string;
  sharedSecret: string;
}

export async function startServiceUnderTest(
  fixture: Fixture,
  workDir: string,
  build: OpenimdsBuild,
): Promise<ServiceUnderTest> {
  const host = '127.0.0.1';
  const directPort = await freePort();
  const signedPort = await freePort();
  const taggedSocket = join(workDir, 'tagged.sock');
  const sharedSecret = randomBytes(16).toString('hex');
  const child = startServe({
    dataDir: join(workDir, 'service'),
    database: fixture.database,
    direct: [{ listen: `${host}:${directPort}`, network: fixture.network.name }],
    signedListen: `${host}:${signedPort}`,
    taggedSocket,
    sharedSecret,
    build,
  });
  try {
    // GET / is answered before identification on every listener (docs/api.md).
    await waitForHttp({ host, port: directPort, path: '/' }, READY_TIMEOUT_MS);
    await waitForHttp({ host, port: signedPort, path: '/' }, READY_TIMEOUT_MS);
  } catch (err) {
    await child.stop();
    throw new Error(`openimds serve did not start: ${(err as Error).message}\n${child.stderr()}`);
  }
  return { child, host, directPort, signedPort, taggedSocket, sharedSecret };
}
