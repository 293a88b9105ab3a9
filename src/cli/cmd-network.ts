import { Command } from 'commander';
import { formatPlan } from '../inventory/diff-inventory.js';
import type { Network } from '../model/network.js';
import { addItem, editInventory, removeEntity } from '../service/inventory-edit.js';
import { ImdsError } from '../errors.js';
import { editDeps, runWithStore, withCommonOptions } from './common.js';
import { table } from './output.js';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function networkCommand(): Command {
  const cmd = new Command('network')
    .summary('add, list, show and remove networks')
    .description(
      'A network has one or more subnets (CIDR, gateway, DNS, DHCP on/off, host routes), an MTU and\n' +
        'optionally a router. Guests are identified by (network, address), so the same address may be used\n' +
        'on different networks. For several subnets or IPv6 address modes, use an inventory (docs/inventory.md).',
    );
  cmd.addCommand(
    withCommonOptions(new Command('add'))
      .summary('add a network with one subnet')
      .argument('<name>', 'unique network name')
      .requiredOption('--cidr <cidr>', 'subnet, e.g. 10.0.0.0/24 or 2001:db8::/64')
      .option('--gateway <ip>', 'gateway address')
      .option('--dns <ips>', 'DNS servers, comma-separated', list)
      .option('--mtu <bytes>', 'link MTU', (v) => Number(v))
      .option('--dhcp', 'DHCP serves this subnet (network_data.json then says ipv4_dhcp)')
      .option('--router <name>', 'router the network is attached to')
      .option('--id <uuid>', 'network UUID (default: generated); X-Neutron-Network-ID')
      .addHelpText(
        'after',
        '\nExample:\n  openimds network add private --cidr 10.0.0.0/24 --gateway 10.0.0.1 --dns 10.0.0.2',
      )
      .action((name: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const item: Record<string, unknown> = { name, cidr: opts['cidr'] };
          for (const [flag, key] of [
            ['gateway', 'gateway'],
            ['dns', 'dns'],
            ['mtu', 'mtu'],
            ['router', 'router'],
            ['id', 'id'],
          ] as const) {
            if (opts[flag] !== undefined) item[key] = opts[flag];
          }
          if (opts['dhcp'] === true) item['dhcp'] = true;
          ctx.io.out(formatPlan(editInventory(editDeps(store), (doc) => addItem(doc, 'networks', item))));
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('list'))
      .summary('list networks')
      .option('--json', 'JSON output')
      .action((opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const nets = store.listNetworks();
          if (opts['json'] === true) return void ctx.io.out(JSON.stringify(nets, null, 2) + '\n');
          ctx.io.out(
            table(
              nets.map((n) => [
                n.name,
                n.id,
                n.subnets.map((s) => s.cidr).join(','),
                n.routerId ?? '-',
                n.attach ? `${n.attach.mode}@${n.attach.namespace ?? 'host'}/${n.attach.interface}` : '-',
              ]),
              ['NAME', 'ID', 'SUBNETS', 'ROUTER', 'ATTACH'],
            ),
          );
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('show'))
      .summary('show one network')
      .argument('<name-or-id>')
      .option('--json', 'JSON output')
      .action((key: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const n = store.findNetwork(key);
          if (n === undefined)
            throw new ImdsError('NETWORK_NOT_FOUND', `Cannot find network "${key}"`, {
              hint: 'List them with: openimds network list',
            });
          ctx.io.out(opts['json'] === true ? JSON.stringify(n, null, 2) + '\n' : describeNetwork(n));
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('rm'))
      .summary('remove a network (it must have no ports)')
      .argument('<name-or-id>')
      .action((key: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          ctx.io.out(formatPlan(removeEntity(editDeps(store), 'networks', key)));
        }),
      ),
  );
  return cmd;
}

function describeNetwork(n: Network): string {
  const lines = [
    `name:    ${n.name}`,
    `id:      ${n.id}`,
    `mtu:     ${n.mtu ?? '-'}`,
    `router:  ${n.routerId ?? '-'}`,
  ];
  if (n.attach)
    lines.push(
      `attach:  ${n.attach.mode} on ${n.attach.interface} in ${n.attach.namespace ?? 'the host namespace'}`,
    );
  for (const s of n.subnets) {
    lines.push(
      `subnet:  ${s.cidr} gateway ${s.gateway ?? '-'} dns ${s.dns.join(',') || '-'} dhcp ${s.dhcp ? 'on' : 'off'}${s.ipv6AddressMode ? ` ${s.ipv6AddressMode}` : ''}`,
    );
    for (const r of s.hostRoutes) lines.push(`         route ${r.destination} via ${r.nexthop}`);
  }
  return lines.join('\n') + '\n';
}
