// Scenario 3b, the tagged listener behind `openimds proxy`: Neutron's path. The proxy takes the guest's
// request (here on loopback), tags it with X-Forwarded-For and the network id, and forwards it over
// the tagged listener's UNIX socket. The proxy runs on the server CPU beside the service: the ratio is
// what the whole server side achieves on one core, hop included.
import { spawnSync } from 'node:child_process';
import { waitForHttp } from '../lib/http-get.js';
import { openimdsArgv, type OpenimdsBuild } from '../lib/openimds-process.js';
import { freePort } from '../lib/ports.js';
import { SERVER_CPU, startChild, type Child } from '../lib/processes.js';
import { META_DATA_PATH } from './direct.js';
import type { ServiceUnderTest } from './service-under-test.js';
import type { ThroughputTarget } from './throughput.js';

const READY_TIMEOUT_MS = 15_000;
const NEEDED_FLAGS = ['--listen', '--network-id', '--socket'];

/** Why `openimds proxy` cannot be benchmarked in this build, or undefined when it can. */
export function proxyUnavailable(build: OpenimdsBuild): string | undefined {
  const text = proxyHelp(build);
  const missing = NEEDED_FLAGS.filter((flag) => !text.includes(flag));
  if (missing.length === 0) return undefined;
  return `openimds proxy in this build has no ${missing.join(', ')} option (src/cli/cmd-proxy.ts is not finished)`;
}

export interface TaggedProxy {
  child: Child;
  target: ThroughputTarget;
}

export async function startTaggedProxy(
  service: ServiceUnderTest,
  networkId: string,
  baselineId: string,
  build: OpenimdsBuild,
): Promise<TaggedProxy> {
  const port = await freePort();
  const argv = [
    ...openimdsArgv(build),
    'proxy',
    '--listen',
    `${service.host}:${port}`,
    '--network-id',
    networkId,
    '--socket',
    service.taggedSocket,
    ...(proxyHelp(build).includes('--log-level') ? ['--log-level', 'warn'] : []),
  ];
  const child = startChild(argv, { cpu: SERVER_CPU });
  try {
    await waitForHttp({ host: service.host, port, path: '/' }, READY_TIMEOUT_MS);
  } catch (err) {
    await child.stop();
    throw new Error(`openimds proxy did not start: ${(err as Error).message}\n${child.stderr()}`);
  }
  return {
    child,
    target: {
      id: 'tagged-proxy-meta-data',
      wayIn: 'openimds proxy → tagged listener',
      path: META_DATA_PATH,
      url: `http://${service.host}:${port}${META_DATA_PATH}`,
      serverPids: [service.child.pid, child.pid],
      baselineId,
    },
  };
}

function proxyHelp(build: OpenimdsBuild): string {
  const help = spawnSync(process.execPath, [build.main, 'proxy', '--help'], { encoding: 'utf8' });
  return `${help.stdout ?? ''}${help.stderr ?? ''}`;
}
