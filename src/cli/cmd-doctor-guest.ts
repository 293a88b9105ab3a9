// `openimds doctor guest-script | analyze | guest`: the guest side of the doctor. The script collects
// (src/doctor/guest-script.ts), the analyzer explains (src/doctor/analyze-guest.ts); this file only
// reads argv and files, runs the collector, prints, and sets the exit code.
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ImdsError } from '../errors.js';
import { analyzeGuest } from '../doctor/analyze-guest.js';
import { BUNDLE_MAX_BYTES } from '../doctor/bundle-sections.js';
import { hasProblems, type DoctorReport } from '../doctor/finding.js';
import { COLLECT_TIMEOUT_MS, collectNamespaceBundle } from '../doctor/guest-collect.js';
import { guestScript } from '../doctor/guest-script.js';
import { formatReport, formatReportJson } from '../doctor/report.js';
import { run } from './common.js';

const COLLECTS = `
What the script collects (read-only, POSIX sh, busybox is enough; a missing
tool is noted in the bundle, never fatal):
  routes            ip -4 route, else route -n, else /proc/net/route
  route-get         ip route get 169.254.169.254 (the route really used)
  addresses         ip -4 addr
  neighbours        ip neigh, before and after the probe
  leases            dhclient, dhcpcd, systemd-networkd, NetworkManager leases
  sysconfig         /etc/sysconfig/network, zeroconf lines of ifup-eth
  cloud-init        datasource, ds-identify log, last WARNING/ERROR lines
  probe             GET http://169.254.169.254/ with curl or wget (3 s connect
                    timeout): refused, timed out or connected, and the status
`;

const IN_A_GUEST = `
In a guest (a VM you can log in to):
  openimds doctor guest-script > /tmp/c.sh
  scp /tmp/c.sh guest:/tmp/c.sh
  ssh guest 'sudo sh /tmp/c.sh' > bundle.txt     # or run it on the console
  openimds doctor analyze bundle.txt

For a guest that is a network namespace, in one step:
  sudo openimds doctor guest --namespace qguest-1

Exit codes: 0 nothing wrong, 1 something is (see each finding's fix), 2 usage.
Finding ids and their fixes: docs/doctor.md
`;

export function doctorGuestCommands(): Command[] {
  return [guestScriptCommand(), analyzeCommand(), guestCommand()];
}

function guestScriptCommand(): Command {
  return new Command('guest-script')
    .summary('print the POSIX sh script that collects a guest bundle')
    .description(
      'Prints a shell script to run inside a guest. It collects what decides whether the\n' +
        'guest reaches http://169.254.169.254/ into one text bundle on stdout, for\n' +
        '`openimds doctor analyze`. It changes nothing in the guest.',
    )
    .addHelpText('after', COLLECTS + IN_A_GUEST)
    .action(() => run({}, () => void process.stdout.write(guestScript())));
}

function analyzeCommand(): Command {
  return new Command('analyze')
    .summary('explain a bundle collected by the guest script')
    .description(
      'Reads a bundle written by `openimds doctor guest-script` (use - for stdin) and\n' +
        'reports each cause with its evidence and fix; what could not be read is said.',
    )
    .argument('<bundle>', 'bundle file, or - for stdin')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', IN_A_GUEST)
    .action((file: string, flags: { json?: boolean }) =>
      run(flags, () => print(analyzeGuest(readBundle(file)), flags.json === true)),
    );
}

function guestCommand(): Command {
  return new Command('guest')
    .summary('collect and explain in one go, for a guest that is a network namespace')
    .description(
      'Runs the guest script inside a network namespace (ip netns exec NS sh -s, as\n' +
        'root), then analyzes what it collected. The namespace shares this host’s files:\n' +
        'point --files-root at the guest’s own root when it has one.',
    )
    .requiredOption('--namespace <ns>', 'network namespace of the guest', namespaceName)
    .option(
      '--files-root <dir>',
      "read the guest's files (leases, sysconfig, cloud-init) under this directory",
    )
    .option(
      '--save <file>',
      'also write the collected bundle to this file (for `doctor analyze`, or a bug report)',
    )
    .option(
      '--timeout <seconds>',
      `stop the script after this long (default ${COLLECT_TIMEOUT_MS / 1000})`,
      seconds,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText('after', COLLECTS + IN_A_GUEST)
    .action(
      (flags: { namespace: string; filesRoot?: string; save?: string; timeout?: number; json?: boolean }) =>
        run(flags, async () => {
          const bundle = await collectNamespaceBundle({
            namespace: flags.namespace,
            ...(flags.filesRoot !== undefined ? { filesRoot: flags.filesRoot } : {}),
            ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
          });
          if (flags.save !== undefined) writeFileSync(flags.save, bundle);
          return print(analyzeGuest(bundle), flags.json === true);
        }),
    );
}

function print(report: DoctorReport, json: boolean): number {
  process.stdout.write(json ? formatReportJson(report) : formatReport(report));
  return hasProblems(report) ? 1 : 0;
}

function readBundle(file: string): Buffer {
  try {
    // Bounded before it is parsed: at most one byte more than the analyzer reads (so it can say so).
    const fd = file === '-' ? 0 : openSync(file, 'r');
    try {
      const buf = Buffer.alloc(BUNDLE_MAX_BYTES + 1);
      let size = 0;
      for (;;) {
        const n = readSync(fd, buf, size, buf.length - size, null);
        if (n === 0 || (size += n) === buf.length) break;
      }
      return buf.subarray(0, size);
    } finally {
      if (fd !== 0) closeSync(fd);
    }
  } catch (err) {
    throw new ImdsError(
      'CONFIG_INVALID',
      `Cannot read the bundle "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { hint: 'Give the file the guest script wrote: sh collect.sh > bundle.txt' },
    );
  }
}

function namespaceName(value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value) || value === '.' || value === '..') {
    throw new InvalidArgumentError(`"${value}" is not a namespace name (letters, digits, _ . -)`);
  }
  return value;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 600) {
    throw new InvalidArgumentError(`must be 1..600 seconds: current value is "${value}"`);
  }
  return n;
}
