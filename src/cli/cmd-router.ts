import { Command } from 'commander';
import { formatPlan } from '../inventory/diff-inventory.js';
import { addItem, editInventory, removeEntity } from '../service/inventory-edit.js';
import { editDeps, runWithStore, withCommonOptions } from './common.js';
import { table } from './output.js';

export function routerCommand(): Command {
  const cmd = new Command('router')
    .summary('add, list and remove routers')
    .description(
      'A router groups networks: a request tagged X-Neutron-Router-ID is resolved across every network\nattached to that router (router mode).',
    );
  cmd.addCommand(
    withCommonOptions(new Command('add'))
      .summary('add a router')
      .argument('<name>', 'unique router name')
      .option('--id <uuid>', 'router UUID (default: generated); X-Neutron-Router-ID')
      .action((name: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const item = opts['id'] === undefined ? { name } : { name, id: opts['id'] };
          ctx.io.out(formatPlan(editInventory(editDeps(store), (doc) => addItem(doc, 'routers', item))));
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('list'))
      .summary('list routers')
      .option('--json', 'JSON output')
      .action((opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const routers = store
            .listRouters()
            .map((r) => ({ ...r, networks: store.networkIdsOfRouter(r.id) }));
          if (opts['json'] === true) return void ctx.io.out(JSON.stringify(routers, null, 2) + '\n');
          ctx.io.out(
            table(
              routers.map((r) => [r.name, r.id, String(r.networks.length)]),
              ['NAME', 'ID', 'NETWORKS'],
            ),
          );
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('rm'))
      .summary('remove a router (no network may use it)')
      .argument('<name-or-id>')
      .action((key: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          ctx.io.out(formatPlan(removeEntity(editDeps(store), 'routers', key)));
        }),
      ),
  );
  return cmd;
}
