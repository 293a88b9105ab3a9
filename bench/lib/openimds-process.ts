// `openimds serve` (and `openimds proxy`) as separate processes on the server CPU, configured only by
// the flags and environment given here: an empty config file and no inherited OPENIMDS_* variable, so
// nothing on this machine (/etc/openimds/openimds.yaml) changes what is measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_CPU, startChild, type Child } from './processes.js';

/** The CLI of the checkout this benchmark was built in. */
export const THIS_CHECKOUT_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Which openimds to run, and how: `--openimds DIR` compares another checkout's build with the same harness. */
export interface OpenimdsBuild {
  /** dist/src/cli/main.js of the checkout under test. */
  main: string;
  /** Run under `node --cpu-prof`, writing the .cpuprofile here at exit. */
  cpuProfDir: string | undefined;
  /** render_cache_instances (OPENIMDS_RENDER_CACHE_INSTANCES); undefined: the service's default. */
  renderCacheInstances?: number | undefined;
  /** Keep the service's default fair admission (the fairness scenario); otherwise it is off. */
  fairAdmission?: boolean;
}

/** The build with its profiles (if any) kept in a subdirectory named for the scenario. */
export function profiled(build: OpenimdsBuild, scenario: string): OpenimdsBuild {
  return build.cpuProfDir === undefined ? build : { ...build, cpuProfDir: join(build.cpuProfDir, scenario) };
}

/** `node [--cpu-prof …] main.js`: the start of every openimds command line. */
export function openimdsArgv(build: OpenimdsBuild): string[] {
  return [
    process.execPath,
    ...(build.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${build.cpuProfDir}`]),
    build.main,
  ];
}

export interface ServeOptions {
  /** Holds the empty config file, the token key, and the CPU profile when asked for. */
  dataDir: string;
  database: string;
  direct?: Array<{ listen: string; network: string }>;
  signedListen?: string;
  taggedSocket?: string;
  sharedSecret?: string;
  build: OpenimdsBuild;
}

export function serveArgv(opts: ServeOptions): string[] {
  mkdirSync(opts.dataDir, { recursive: true });
  const config = join(opts.dataDir, 'empty-config.yaml');
  writeFileSync(config, '');
  return [
    ...openimdsArgv(opts.build),
    'serve',
    '--config',
    config,
    '--data-dir',
    opts.dataDir,
    '--database',
    opts.database,
    ...(opts.direct ?? []).flatMap((d) => ['--direct', `${d.listen}=${d.network}`]),
    '--signed-listen',
    opts.signedListen ?? '',
    '--tagged-socket',
    opts.taggedSocket ?? '',
    '--admin-listen',
    '',
    '--log-level',
    'warn',
    '--log-format',
    'json',
  ];
}

export function serveEnv(opts: ServeOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENIMDS_')) env[k] = v;
  if (opts.sharedSecret !== undefined) env['OPENIMDS_SHARED_SECRET'] = opts.sharedSecret;
  // The scenarios measure the request path: one instance asked thousands of times a second (wrk from
  // one address, many connections) is exactly what fair admission refuses with 429, so its
  // per-instance limits are off here (unknown to older builds, which ignore them), except in the
  // fairness scenario, which measures them.
  if (opts.build.fairAdmission !== true) {
    env['OPENIMDS_ADMISSION_RATE'] = '0';
    env['OPENIMDS_MAX_CONNECTIONS_PER_GUEST'] = '0';
  }
  if (opts.build.renderCacheInstances !== undefined) {
    env['OPENIMDS_RENDER_CACHE_INSTANCES'] = String(opts.build.renderCacheInstances);
  }
  return env;
}

/** Starts `openimds serve` on the server CPU (readiness is the caller's: it knows what to ask). */
export function startServe(opts: ServeOptions): Child {
  return startChild(serveArgv(opts), { cpu: SERVER_CPU, env: serveEnv(opts) });
}
