// Runs a GuestJob in its own process on the client CPU, so the guest client never competes with the
// server it measures, and reports its CPU next to the server's.
import { fileURLToPath } from 'node:url';
import { openCpuWindow, type CpuUse } from './cpu-window.js';
import type { GuestJob, GuestRunResult } from './guest-client.js';
import { CLIENT_CPU, startChild } from './processes.js';

const CLIENT_MAIN = fileURLToPath(new URL('./guest-client-main.js', import.meta.url));

export async function runGuestLoad(
  job: GuestJob,
  serverPids: readonly number[],
): Promise<GuestRunResult & { cpu: CpuUse }> {
  const child = startChild([process.execPath, CLIENT_MAIN], {
    cpu: CLIENT_CPU,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const result = new Promise<GuestRunResult>((resolve, reject) => {
    child.process.once('message', (msg) => resolve(msg as GuestRunResult));
    void child.exited.then(() =>
      reject(new Error(`The guest client exited without a result: ${child.stderr().trim()}`)),
    );
  });
  const window = openCpuWindow(serverPids);
  window.watchClient(child.pid);
  child.process.send(job);
  try {
    const outcome = await result;
    return { ...outcome, cpu: window.stop() };
  } finally {
    await child.stop();
  }
}
