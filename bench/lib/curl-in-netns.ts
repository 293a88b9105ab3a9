// A GET from inside a network namespace (the orchestrator lives in the machine's own): curl, run with
// `ip netns exec`, for readiness checks and verification only — never for load.
import { execFile } from 'node:child_process';

export interface NetnsGetResult {
  status: number;
  body: string;
}

export function curlInNetns(ns: string, url: string): Promise<NetnsGetResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, 'curl', '-s', '-m', '2', '-w', '\n%{http_code}', url],
      { timeout: 5000 },
      (err, stdout) => {
        const cut = stdout.lastIndexOf('\n');
        const status = Number(stdout.slice(cut + 1));
        if (err !== null && !(status > 0)) reject(err);
        else resolve({ status, body: stdout.slice(0, cut) });
      },
    );
  });
}

export async function waitForHttpInNetns(ns: string, url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const r = await curlInNetns(ns, url);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message.split('\n')[0]!;
    }
    if (performance.now() > deadline) {
      throw new Error(`Nothing answered GET ${url} in namespace ${ns} within ${timeoutMs} ms (${last})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
