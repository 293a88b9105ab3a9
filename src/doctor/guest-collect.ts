// Runs the guest script inside a network namespace "guest" (`ip netns exec NS sh -s`, the script on
// stdin) and returns its bundle. Bounded: a deadline (the probe itself takes a few seconds) and a
// cap on what is kept; a script cut short still gives a bundle that says what it lacks.
import { spawn as nodeSpawn } from 'node:child_process';
import { ImdsError } from '../errors.js';
import { BUNDLE_MAX_BYTES } from './bundle-sections.js';
import { guestScript } from './guest-script.js';

/** Long enough for the probe (connect timeout + request) and a slow `ip`; short enough to wait for. */
export const COLLECT_TIMEOUT_MS = 20_000;

export interface CollectOptions {
  namespace: string;
  /** Where the guest's files are (leases, sysconfig, cloud-init); the namespace shares the host's. */
  filesRoot?: string;
  timeoutMs?: number;
  spawn?: typeof nodeSpawn;
}

export function collectNamespaceBundle(opts: CollectOptions): Promise<string> {
  const spawn = opts.spawn ?? nodeSpawn;
  const env = { ...process.env, OPENIMDS_FILES_ROOT: opts.filesRoot ?? '' };
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', opts.namespace, 'sh', '-s'], { env, stdio: 'pipe' });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? COLLECT_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      if (size <= BUNDLE_MAX_BYTES) out.push(d);
      size += d.length;
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(
        new ImdsError('CONFIG_INVALID', `Cannot run "ip netns exec ${opts.namespace} sh -s": ${e.message}`, {
          hint: 'Install iproute2 (ip) and run as root',
        }),
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const bundle = Buffer.concat(out).toString('utf8');
      if (bundle === '' && !timedOut) {
        reject(
          new ImdsError(
            'CONFIG_INVALID',
            `Cannot run the guest script in namespace "${opts.namespace}" (exit ${code}): ${err.trim() || 'no output'}`,
            { hint: 'Check the name with: ip netns list (and run as root)' },
          ),
        );
        return;
      }
      resolve(
        timedOut
          ? `${bundle}\n## collect: stopped after ${opts.timeoutMs ?? COLLECT_TIMEOUT_MS} ms\n`
          : bundle,
      );
    });
    child.stdin?.on('error', () => {
      // the child exited before reading the whole script: reported by 'close'
    });
    child.stdin?.end(guestScript());
  });
}
