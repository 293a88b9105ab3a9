// Starts openimds (startService, the composition root of `openimds serve`) for one test: a fresh
// data directory, nothing listening unless the test asks for it, everything on 127.0.0.1 port 0 or a
// UNIX socket in the temp directory, and close() registered with t.after so it runs even on failure.
import type { TestContext } from 'node:test';
import { startService, type RunningService } from '../../src/cli/service-app.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { SILENT_LOGGER } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import { makeTmpDir } from './tmp-dir.js';

export interface TestServiceOptions {
  store: Store;
  /** Adjusts the config; by default every listener is off. */
  configure?: (config: Config, dataDir: string) => void;
  env?: NodeJS.ProcessEnv;
  today?: () => string;
  /** Reuse a data directory (e.g. to restart over the same token key); default a fresh one. */
  dataDir?: string;
}

export interface TestService extends RunningService {
  dataDir: string;
  /** The address of the first endpoint of this kind ("127.0.0.1:4567" or a socket path). */
  address(kind: RunningService['endpoints'][number]['kind']): string;
}

export async function startTestService(t: TestContext, opts: TestServiceOptions): Promise<TestService> {
  const dataDir = opts.dataDir ?? makeTmpDir(t);
  const config = defaultConfig({ uid: process.getuid?.() ?? 1000, home: dataDir });
  config.dataDir = dataDir;
  config.database = `${dataDir}/unused.sqlite`;
  config.adminTokenFile = `${dataDir}/admin-token`;
  config.signedListen = '';
  config.adminListen = '';
  config.taggedSocket = '';
  config.directListeners = [];
  opts.configure?.(config, dataDir);
  const service = await startService({
    config,
    store: opts.store,
    log: SILENT_LOGGER,
    env: opts.env ?? {},
    demo: false,
    ...(opts.today === undefined ? {} : { today: opts.today }),
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await service.close();
  };
  t.after(close);
  return {
    ...service,
    close,
    dataDir,
    address(kind) {
      const found = service.endpoints.find((e) => e.kind === kind);
      if (found === undefined) throw new Error(`No ${kind} endpoint: ${JSON.stringify(service.endpoints)}`);
      return found.address;
    },
  };
}
