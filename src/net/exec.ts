// How src/net runs programs: an argv list, never a shell (STYLE.md habit 6), with stdin for
// `nft -f -`. Injected everywhere (habit 7) so plans are tested without running anything.
import { execFile } from 'node:child_process';

export interface ExecResult {
  /** Exit status; null when the program could not be started or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv[0] with argv[1..]; resolves whatever the outcome (the caller decides what failure means). */
export type Exec = (argv: readonly string[], opts?: { input?: string }) => Promise<ExecResult>;

const EXEC_TIMEOUT_MS = 30_000;

/** The real thing: child_process.execFile, no shell. */
export const systemExec: Exec = (argv, opts = {}) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = execFile(
      file!,
      args,
      { timeout: EXEC_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string }) | null;
        const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
        // Not started at all (ENOENT, EACCES): say so where a program's own message would be.
        const why = failure !== null && code === null && !stderr ? `${failure.message}\n` : '';
        resolve({ code, stdout, stderr: stderr + why });
      },
    );
    child.stdin?.on('error', () => {}); // a program that exits without reading its input (EPIPE)
    child.stdin?.end(opts.input ?? '');
  });
