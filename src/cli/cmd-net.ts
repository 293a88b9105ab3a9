// `openimds net plan|apply|remove`: the plumbing that makes 169.254.169.254 reachable from guests on
// attached networks, rendered by src/net and applied here without a shell (docs/network.md).
import { Command } from 'commander';
import { applyPlan, removePlan } from '../net/apply-plan.js';
import { createDnsmasqPool, type DnsmasqPool } from '../net/dnsmasq-pool.js';
import { createDnsmasqSupervisor } from '../net/dnsmasq-supervisor.js';
import { systemExec } from '../net/exec.js';
import { formatPlan } from '../net/format-plan.js';
import { hostedPorts } from '../net/hosted-ports.js';
import { networkPlan, type NetPlan } from '../net/plan.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Store } from '../store/store.js';
import { makeContext, openStore, run, runWithStore, withCommonOptions, type Context } from './common.js';

/** How often `net apply --dnsmasq` looks for changes in the store. */
const DNSMASQ_POLL_MS = 2000;

// Commander wraps descriptions at 80 columns; help text added 'after' is printed as written.
const NET_DESCRIPTION =
  'Guests fetch http://169.254.169.254/. For each network with an attach: mapping\n' +
  'in the inventory, openimds makes that address reachable in one of three modes.';

const MODES_HELP = `
Modes (attach.mode):
  onlink    169.254.169.254/32 (and attach.address) on the guest-facing interface:
            the service side answers ARP for it; the service listens on
            169.254.169.254:80. For a libvirt/Linux bridge, or any segment whose
            service side you own. Works with the zeroconf route 169.254.0.0/16.
  router    nft table "ip openimds" in the router namespace: TCP to
            169.254.169.254:80 arriving on the network's interface is redirected
            to :9697 (where the service listens); other TCP to :9697 is dropped,
            as Neutron's L3 agent does. For OpenStack-style router namespaces.
            Guests must send to their gateway: one with the zeroconf route ARPs
            for 169.254.169.254 and nobody answers.
  isolated  onlink, plus dnsmasq (DHCP only): each port's address reserved, and
            option 121/249 with 169.254.169.254/32 via attach.address, the host
            routes and the default route (RFC 3442). For networks with no router.

Apply twice and nothing doubles: addresses are replaced, the nft table is
replaced whole. Commands run without a shell; --dry-run prints them as a script.

Examples:
  openimds net plan
  sudo openimds net apply --dry-run
  sudo openimds net apply
  sudo openimds net remove --network storage

Details, pictures and inventory examples: docs/network.md
`;

export function netCommand(): Command {
  return new Command('net')
    .summary('render and apply the network plumbing of attached networks')
    .description(NET_DESCRIPTION)
    .addHelpText('after', MODES_HELP)
    .addCommand(planCommand())
    .addCommand(applyCommand())
    .addCommand(removeCommand());
}

function planCommand(): Command {
  return withCommonOptions(new Command('plan'))
    .summary('print the plumbing of attached networks as a commented shell script')
    .description(
      'Prints what `net apply` would run, each command under a "# why" comment, the\n' +
        'nft ruleset in full, and for isolated networks the dnsmasq command line and\n' +
        'files. Changes nothing. Modes: openimds net --help',
    )
    .option('--network <name>', 'only this network (name or id)')
    .addHelpText('after', '\nExamples:\n  openimds net plan\n  openimds net plan --network storage\n')
    .action((opts: Record<string, unknown>) =>
      runWithStore(opts, (ctx, store) => void ctx.io.out(formatPlan(planFor(ctx, store.snapshot(), opts)))),
    );
}

function applyCommand(): Command {
  return withCommonOptions(new Command('apply'))
    .summary('apply the plumbing of attached networks (idempotent)')
    .description(
      'Puts the addresses on the guest-facing interfaces and loads the nft tables.\n' +
        'It does not start dnsmasq for isolated networks: `openimds serve` runs and\n' +
        'supervises it. Without serve (or to debug DHCP), --dnsmasq runs it here, in\n' +
        'the foreground, following changes in the store until Ctrl-C. Needs root.',
    )
    .option('--network <name>', 'only this network (name or id)')
    .option('--dry-run', 'print exactly what would run, and run nothing')
    .option('--dnsmasq', 'then run dnsmasq for isolated networks in the foreground until interrupted')
    .addHelpText(
      'after',
      '\nExamples:\n  openimds net apply --dry-run\n  sudo openimds net apply --network private\n' +
        '  sudo openimds net apply --network storage --dnsmasq\n',
    )
    .action((opts: Record<string, unknown>) => run(opts, () => applyAction(opts)));
}

function removeCommand(): Command {
  return withCommonOptions(new Command('remove'))
    .summary('remove the plumbing that apply added')
    .description(
      'Deletes the addresses apply added and the nft table (for one network in a\n' +
        'shared router namespace, rewrites the table without it). What is already\n' +
        'gone is fine. dnsmasq is stopped by stopping whatever runs it.',
    )
    .option('--network <name>', 'only this network (name or id)')
    .option('--dry-run', 'print exactly what would run, and run nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  openimds net remove --dry-run\n  sudo openimds net remove --network private\n',
    )
    .action((opts: Record<string, unknown>) => run(opts, () => removeAction(opts)));
}

function planFor(ctx: Context, snapshot: Snapshot, opts: Record<string, unknown>): NetPlan {
  const network = opts['network'] as string | undefined;
  return networkPlan(snapshot, {
    dataDir: ctx.config.dataDir,
    runDir: ctx.config.runDir,
    ...(network ? { network } : {}),
  });
}

async function applyAction(opts: Record<string, unknown>): Promise<void> {
  await withStore(opts, async (ctx, store) => {
    const plan = planFor(ctx, store.snapshot(), opts);
    if (opts['dryRun'] === true) return void ctx.io.out(formatPlan(plan, 'apply'));
    await applyPlan(plan, systemExec);
    for (const s of plan.sections) ctx.io.out(`applied: ${s.title}\n`);
    const isolated = plan.sections.filter((s) => s.dnsmasq !== null);
    if (opts['dnsmasq'] === true) return runDnsmasq(ctx, store, opts);
    for (const s of isolated) {
      ctx.io.out(`note: dnsmasq for "${s.networks[0]}" runs under \`openimds serve\` (or add --dnsmasq)\n`);
    }
  });
}

async function removeAction(opts: Record<string, unknown>): Promise<void> {
  await withStore(opts, async (ctx, store) => {
    const plan = planFor(ctx, store.snapshot(), opts);
    if (opts['dryRun'] === true) return void ctx.io.out(formatPlan(plan, 'remove'));
    await removePlan(plan, systemExec);
    for (const s of plan.sections) ctx.io.out(`removed: ${s.title}\n`);
  });
}

/** `--dnsmasq`: one supervised dnsmasq per isolated network, following the store until a signal. */
async function runDnsmasq(ctx: Context, store: Store, opts: Record<string, unknown>): Promise<void> {
  const dirs = { dataDir: ctx.config.dataDir, runDir: ctx.config.runDir };
  const pool = createDnsmasqPool(() => createDnsmasqSupervisor({ log: ctx.log, dirs }));
  let mark = store.changeMark();
  await syncDnsmasq(pool, ctx, store, opts);
  if (pool.networkIds().length === 0) return void ctx.io.out('No isolated network: no dnsmasq to run.\n');
  let busy = false;
  const timer = setInterval(() => {
    if (busy || store.changeMark() === mark) return;
    mark = store.changeMark();
    busy = true;
    Promise.resolve()
      .then(() => applyPlan(planFor(ctx, store.snapshot(), opts), systemExec))
      .then(() => syncDnsmasq(pool, ctx, store, opts))
      .catch((err: unknown) => ctx.log.error('net.apply_failed', (err as Error).message, { err }))
      .finally(() => (busy = false));
  }, DNSMASQ_POLL_MS);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await pool.stop();
}

async function syncDnsmasq(pool: DnsmasqPool, ctx: Context, store: Store, opts: Record<string, unknown>) {
  const snapshot = store.snapshot();
  const plan = planFor(ctx, snapshot, opts);
  const ids = new Set(plan.sections.flatMap((s) => (s.dnsmasq === null ? [] : [s.dnsmasq.networkId])));
  const networks = snapshot.networks.filter((n) => ids.has(n.id));
  await pool.sync(
    networks.map((network) => ({ network, ports: hostedPorts(snapshot.instances, network.id) })),
  );
}

async function withStore(
  opts: Record<string, unknown>,
  body: (ctx: Context, store: Store) => Promise<void>,
): Promise<void> {
  const ctx = makeContext(opts);
  const store = openStore(ctx.config);
  try {
    await body(ctx, store);
  } finally {
    store.close();
  }
}
