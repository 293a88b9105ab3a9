// Runs a plan: each command in order, no shell, stopping at the first failure with a message that
// names the command and a hint for the usual causes. Idempotent because the commands are
// (`ip addr replace`, the nft table replaced whole, removals that accept "already gone").
import { ImdsError } from '../errors.js';
import type { Exec, ExecResult } from './exec.js';
import type { PlanCommand } from './plan-command.js';
import type { NetPlan } from './plan.js';
import { shellQuote } from './shell-quote.js';

/** Makes the plumbing present. Does not start dnsmasq (see createDnsmasqSupervisor). */
export async function applyPlan(plan: NetPlan, exec: Exec): Promise<void> {
  for (const section of plan.sections) await runCommands(section.apply, exec);
}

/** Takes the plumbing away; what is already gone is fine. */
export async function removePlan(plan: NetPlan, exec: Exec): Promise<void> {
  for (const section of plan.sections) await runCommands(section.remove, exec);
}

export async function runCommands(commands: readonly PlanCommand[], exec: Exec): Promise<void> {
  for (const cmd of commands) {
    const result = await exec(cmd.argv, cmd.input === undefined ? {} : { input: cmd.input });
    if (result.code === 0 || cmd.okWhen?.test(result.stderr) === true) continue;
    throw commandFailed(cmd, result);
  }
}

// The usual causes, most specific first: stderr pattern → what to do.
const HINTS: ReadonlyArray<[RegExp, string]> = [
  [/Cannot open network namespace/, 'Create the namespace (ip netns add …) or correct attach.namespace'],
  [/Cannot find device|does not exist/, 'Create the interface or correct attach.interface in the inventory'],
  [/Operation not permitted|Permission denied/, 'Run as root: plumbing needs CAP_NET_ADMIN'],
  [/ENOENT/, 'Install the missing program (Debian: iproute2, nftables)'],
  [/Could not process rule/, 'Check that the kernel has nf_tables with NAT (modprobe nft_redirect nft_ct)'],
];

function commandFailed(cmd: PlanCommand, result: ExecResult): ImdsError {
  const line = shellQuote(cmd.argv);
  const stderr = result.stderr.trim() || `exit status ${result.code ?? 'none'}`;
  const hint = HINTS.find(([re]) => re.test(stderr))?.[1] ?? `Run it by hand to see more: ${line}`;
  return new ImdsError('PLUMBING_FAILED', `Cannot run "${line}": ${stderr}`, {
    hint,
    details: [`purpose: ${cmd.why}`],
  });
}
