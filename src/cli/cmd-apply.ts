import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ImdsError } from '../errors.js';
import { applyInventoryFile } from '../inventory/apply-inventory.js';
import { formatPlan } from '../inventory/diff-inventory.js';
import { exportInventory } from '../inventory/export-inventory.js';
import { makeContext, openStore, run, runWithStore, withCommonOptions } from './common.js';

export function applyCommand(): Command {
  return withCommonOptions(new Command('apply'))
    .summary('make the store match an inventory file')
    .description(
      'Reads a YAML inventory (networks, routers, instances with their ports and keys), shows the difference\n' +
        'against the store, and applies it in one transaction. The file is the whole truth: objects in the\n' +
        'store that it does not list are removed. An invalid file changes nothing and lists every error\n' +
        'with its path, e.g.  inventory.yaml: instances[2].ports[0].ip: "10.0.0.300" is not an IPv4 address\n\n' +
        'Format: docs/inventory.md. A running `openimds serve` sees the change on its next request.',
    )
    .requiredOption('-f, --file <inventory.yaml>', 'inventory file ("-" for standard input)')
    .option('--dry-run', 'show the plan and change nothing')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  openimds apply -f inventory.yaml --dry-run\n  openimds export > backup.yaml && openimds apply -f new.yaml',
    )
    .action((opts: Record<string, unknown>) =>
      run(opts, () => {
        const ctx = makeContext(opts);
        const file = String(opts['file']);
        const text = readInventory(file);
        const store = openStore(ctx.config);
        try {
          const base = file === '-' ? process.cwd() : dirname(resolve(file));
          const { plan, applied } = applyInventoryFile({
            store,
            text,
            file: file === '-' ? '(stdin)' : file,
            readFile: (p) => readFileSync(resolve(base, p)),
            dryRun: opts['dryRun'] === true,
            newId: randomUUID,
            randomBytes,
          });
          if (opts['json'] === true)
            ctx.io.out(
              JSON.stringify(
                { applied, empty: plan.empty, plan: formatPlan(plan).split('\n').filter(Boolean) },
                null,
                2,
              ) + '\n',
            );
          else
            ctx.io.out(
              formatPlan(plan) + (plan.empty ? '' : applied ? 'Applied.\n' : 'Dry run: nothing changed.\n'),
            );
        } finally {
          store.close();
        }
      }),
    );
}

export function exportCommand(): Command {
  return withCommonOptions(new Command('export'))
    .summary('write the store as an inventory')
    .description(
      'Writes every router, network and instance as YAML that `openimds apply -f` accepts unchanged\n(ids, MACs and EC2 ids included, so a round trip changes nothing).',
    )
    .action((opts: Record<string, unknown>) =>
      runWithStore(opts, (ctx, store) => {
        ctx.io.out(exportInventory(store.snapshot()));
      }),
    );
}

function readInventory(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new ImdsError(
      'INVENTORY_UNREADABLE',
      `Cannot read inventory "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'Check the path and its permissions',
      },
    );
  }
}
