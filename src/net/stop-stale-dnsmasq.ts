// A dnsmasq left running by an openimds that died (its children outlive it) still holds the DHCP
// socket on the interface, so a new one would fail to bind. Before starting, end the process named
// in our pid file — but only if its command line carries that very pid file, so a recycled pid is
// never someone else's process.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const STALE_GRACE_MS = 2000;
const POLL_MS = 50;

/** Returns the pid it ended, or undefined when there was nothing of ours to end. */
export async function stopStaleDnsmasq(pidFile: string): Promise<number | undefined> {
  const pid = Number(readText(pidFile)?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const cmdline = readText(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
  if (!cmdline.includes(`--pid-file=${pidFile}`)) return undefined;
  signal(pid, 'SIGTERM');
  for (let waited = 0; waited < STALE_GRACE_MS && alive(pid); waited += POLL_MS) await sleep(POLL_MS);
  if (alive(pid)) signal(pid, 'SIGKILL');
  return pid;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  // A zombie (exited, not yet reaped by its parent) counts as gone.
  const stat = readText(`/proc/${pid}/stat`);
  return stat !== undefined && !/^\d+ \(.*\) Z/.test(stat);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
