// A plan for people (`openimds net plan`, `--dry-run`): a shell script that does exactly what
// applyPlan or removePlan would do, each command under a `# why` comment, stdin as a here-document.
// The dnsmasq part is shown in comments: a supervisor runs it, not the script.
import { shellQuote } from './shell-quote.js';
import { DNSMASQ_BINARY } from './dnsmasq-argv.js';
import type { DnsmasqConfig } from './dnsmasq-config.js';
import type { PlanCommand } from './plan-command.js';
import type { NetPlan, PlanSection } from './plan.js';

export type PlanDirection = 'apply' | 'remove';

const NOTHING =
  '# No attached network: nothing to do. Give a network an attach: mapping in the inventory\n' +
  '# (docs/network.md).\n';

export function formatPlan(plan: NetPlan, direction: PlanDirection = 'apply'): string {
  if (plan.sections.length === 0) return NOTHING;
  return plan.sections.map((s) => formatSection(s, direction)).join('\n');
}

function formatSection(section: PlanSection, direction: PlanDirection): string {
  const lines = [`# === ${section.title}`];
  for (const cmd of section[direction]) lines.push(...formatCommand(cmd));
  if (section.dnsmasq !== null) lines.push(...formatDnsmasq(section.dnsmasq, direction));
  return lines.join('\n') + '\n';
}

/** One command: its why, then the shell line (and its stdin as a quoted here-document). */
export function formatCommand(cmd: PlanCommand): string[] {
  const line = shellQuote(cmd.argv);
  if (cmd.input === undefined) return [`# ${cmd.why}`, line];
  return [`# ${cmd.why}`, `${line} <<'EOF'`, ...cmd.input.replace(/\n$/, '').split('\n'), 'EOF'];
}

function formatDnsmasq(config: DnsmasqConfig, direction: PlanDirection): string[] {
  const who =
    'run and supervised by `openimds serve` (or `openimds net apply --dnsmasq`), not by this script';
  if (direction === 'remove')
    return [`# dnsmasq for "${config.networkName}" is ${who}: stopping serve stops it`];
  return [
    `# dnsmasq for "${config.networkName}", ${who}:`,
    ...argvLines(config.argv).map((l) => `#   ${l}`),
    ...config.files.flatMap((f) => [
      `# ${f.path}:`,
      ...(f.content === ''
        ? ['#   (empty)']
        : f.content
            .replace(/\n$/, '')
            .split('\n')
            .map((l) => `#   ${l}`)),
    ]),
  ];
}

/** The program on the first line, then one option per line, continued with backslashes. */
function argvLines(argv: readonly string[]): string[] {
  const first = argv.indexOf(DNSMASQ_BINARY) + 1;
  const head = argv.slice(0, first);
  const options = argv.slice(first).map((a) => `  ${shellQuote([a])}`);
  return [shellQuote(head), ...options].map((l, i, all) => (i < all.length - 1 ? `${l} \\` : l));
}
