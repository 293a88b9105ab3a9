// The real `openimds` program as child processes, for fault tests: `serve` started, killed with
// SIGKILL and restarted over the same data directory, and one-shot commands (apply, export) run
// without blocking the test's event loop (load clients run in the test process). Every child is
// killed when the test ends, even on failure. Everything listens on 127.0.0.1 or a UNIX socket.
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';

export const MAIN = 'dist/src/cli/main.js';

/** The environment of every child: JSON logs, no config file, nothing from the host's OPENIMDS_*. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENIMDS_')) env[k] = v;
  return { ...env, OPENIMDS_LOG_FORMAT: 'json', OPENIMDS_CONFIG: '/dev/null', ...extra };
}

export interface Daemon {
  process: ChildProcess;
  /** The parsed log line the daemon was waited for (service.started, proxy.started …). */
  started: Record<string, unknown>;
  /** Everything the child wrote to stderr so far (JSON log lines). */
  log(): string;
  /** SIGKILL (or another signal), resolved when the process has gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `openimds <args>` (serve, proxy, agent) and waits, at most `timeoutMs`, for the JSON log
 * line of `event`. The child is killed when the test ends.
 */
export async function startDaemon(
  t: TestContext,
  args: readonly string[],
  event: string,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Daemon> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const gone = exited(child);
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await gone;
  });
  let stderr = '';
  child.stdout!.resume();
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`openimds ${args[0]} did not log ${event} in time:\n${stderr}`)),
      opts.timeoutMs ?? 15_000,
    );
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const line = stderr.split('\n').find((l) => l.includes(`"event":"${event}"`));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void gone.then(() => {
      clearTimeout(timer);
      reject(new Error(`openimds ${args[0]} exited (${child.exitCode}) before ${event}:\n${stderr}`));
    });
  });
  return {
    process: child,
    started,
    log: () => stderr,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await gone;
    },
  };
}

export interface ServeChild extends Daemon {
  /** kind → address ("127.0.0.1:4567" or a socket path), from the service.started line. */
  endpoints: Record<string, string>;
}

/** Starts `openimds serve <args>` and waits for its service.started line. */
export async function startServe(
  t: TestContext,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ServeChild> {
  const daemon = await startDaemon(t, ['serve', ...args], 'service.started', opts);
  const endpoints = daemon.started['endpoints'] as Array<{ kind: string; address: string }>;
  return { ...daemon, endpoints: Object.fromEntries(endpoints.map((e) => [e.kind, e.address])) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliRun {
  process: ChildProcess;
  done: Promise<CliResult>;
}

/** Starts `openimds <args>` (asynchronously: the test's own servers and clients keep running). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): CliRun {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: childEnv(env),
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = exited(child).then(() => ({ code: child.exitCode, signal: child.signalCode, out, err }));
  return { process: child, done };
}

export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  return startCli(args, env, stdin).done;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}
