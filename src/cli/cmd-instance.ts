import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { ImdsError } from '../errors.js';
import { formatPlan } from '../inventory/diff-inventory.js';
import type { Instance } from '../model/instance.js';
import type { Port } from '../model/port.js';
import { addItem, editInventory, removeEntity } from '../service/inventory-edit.js';
import { editDeps, runWithStore, withCommonOptions } from './common.js';
import { table } from './output.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const ec2 = (prefix: string, n: number | null): string =>
  n === null ? '-' : `${prefix}-${n.toString(16).padStart(8, '0')}`;

export function instanceCommand(): Command {
  const cmd = new Command('instance')
    .summary('add, list, show and remove instances')
    .description(
      'An instance is what a guest reads about itself: identity, hostname, keys, user data, ports.\nFor every field Nova exposes (devices, block devices, dedicated CPUs…) use an inventory (docs/inventory.md).',
    );
  cmd.addCommand(addInstanceCommand());
  cmd.addCommand(
    withCommonOptions(new Command('list'))
      .summary('list instances')
      .option('--json', 'JSON output')
      .action((opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const ports = store.listPorts();
          const rows = store
            .listInstances()
            .map((i) => ({ instance: i, ports: ports.filter((p) => p.instanceUuid === i.uuid) }));
          if (opts['json'] === true)
            return void ctx.io.out(JSON.stringify(rows.map(jsonInstance), null, 2) + '\n');
          ctx.io.out(
            table(
              rows.map(({ instance: i, ports: ps }) => [
                i.name,
                i.uuid,
                ec2('i', i.ec2Id),
                ps.flatMap((p) => p.fixedIps).join(',') || '-',
              ]),
              ['NAME', 'UUID', 'EC2 ID', 'ADDRESSES'],
            ),
          );
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('show'))
      .summary('show one instance with its ports')
      .argument('<name-or-uuid>')
      .option('--json', 'JSON output')
      .action((key: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          const i = store.findInstance(key);
          if (i === undefined)
            throw new ImdsError('INSTANCE_NOT_FOUND', `Cannot find instance "${key}"`, {
              hint: 'List them with: openimds instance list',
            });
          const ports = store.listPorts(i.uuid);
          ctx.io.out(
            opts['json'] === true
              ? JSON.stringify(jsonInstance({ instance: i, ports }), null, 2) + '\n'
              : describeInstance(i, ports),
          );
        }),
      ),
  );
  cmd.addCommand(
    withCommonOptions(new Command('rm'))
      .summary('remove an instance and its ports')
      .argument('<name-or-uuid>')
      .action((key: string, opts: Record<string, unknown>) =>
        runWithStore(opts, (ctx, store) => {
          ctx.io.out(formatPlan(removeEntity(editDeps(store), 'instances', key)));
        }),
      ),
  );
  return cmd;
}

function addInstanceCommand(): Command {
  return withCommonOptions(new Command('add'))
    .summary('add an instance with one port')
    .argument('<name>', 'unique instance name (also the hostname unless --hostname)')
    .requiredOption('--network <name>', 'network of its port')
    .requiredOption('--ip <address>', 'fixed IP of its port, inside the network')
    .option('--mac <mac>', 'port MAC (default: generated fa:16:3e:…)')
    .option('--floating-ip <address>', 'public IPv4 (EC2 public-ipv4)')
    .option('--hostname <name>', 'short hostname (the FQDN adds the dhcp domain)')
    .option('--uuid <uuid>', 'instance UUID (default: generated); should equal the VM SMBIOS UUID')
    .option('--project-id <id>', 'owning project (X-Tenant-ID)')
    .option('--availability-zone <az>', 'availability zone')
    .option('--flavor <name>', 'flavor name (EC2 instance-type)')
    .option('--image-id <uuid>', 'image UUID (EC2 ami-id)')
    .option(
      '--tokens <policy>',
      'session-token policy (http_tokens): optional, audit or required; default: the service setting',
    )
    .option('--key-file <file>', 'SSH public key file (name from --key-name or the file name)')
    .option('--key-name <name>', 'name of the key')
    .option('--user-data-file <file>', 'user data (raw bytes, at most 65,535)')
    .option('--metadata <key=value>', 'user metadata, repeatable', collect)
    .option('--security-group <name>', 'security group name, repeatable', collect)
    .addHelpText(
      'after',
      '\nExample:\n  openimds instance add web-1 --network private --ip 10.0.0.15 --key-file ~/.ssh/id_ed25519.pub --user-data-file cloud-config.yaml',
    )
    .action((name: string, opts: Record<string, unknown>) =>
      runWithStore(opts, (ctx, store) => {
        const item = instanceItem(name, opts);
        ctx.io.out(formatPlan(editInventory(editDeps(store), (doc) => addItem(doc, 'instances', item))));
      }),
    );
}

function instanceItem(name: string, opts: Record<string, unknown>): Record<string, unknown> {
  const port: Record<string, unknown> = { network: opts['network'], ip: opts['ip'] };
  if (opts['mac'] !== undefined) port['mac'] = opts['mac'];
  if (opts['floatingIp'] !== undefined) port['floating_ip'] = opts['floatingIp'];
  const item: Record<string, unknown> = { name, ports: [port] };
  const simple = [
    ['hostname', 'hostname'],
    ['uuid', 'uuid'],
    ['projectId', 'project_id'],
    ['availabilityZone', 'availability_zone'],
    ['flavor', 'flavor'],
    ['imageId', 'image_id'],
    ['tokens', 'http_tokens'],
  ] as const;
  for (const [flag, key] of simple) if (opts[flag] !== undefined) item[key] = opts[flag];
  if (opts['userDataFile'] !== undefined) item['user_data_file'] = resolve(String(opts['userDataFile']));
  if (opts['keyFile'] !== undefined) {
    const file = String(opts['keyFile']);
    let key: string;
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ImdsError(
        'VALIDATION_FAILED',
        `Cannot read key file "${file}": ${(err as NodeJS.ErrnoException).code}`,
      );
    }
    item['keys'] = [
      {
        name: (opts['keyName'] as string | undefined) ?? basename(file).replace(/\.pub$/, ''),
        public_key: key,
      },
    ];
  }
  const metadata = (opts['metadata'] as string[] | undefined) ?? [];
  if (metadata.length > 0) {
    item['metadata'] = Object.fromEntries(
      metadata.map((kv) => {
        const eq = kv.indexOf('=');
        if (eq < 1)
          throw new ImdsError('VALIDATION_FAILED', `Cannot use --metadata "${kv}" as it is not key=value`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    );
  }
  if (opts['securityGroup'] !== undefined) item['security_groups'] = opts['securityGroup'];
  return item;
}

function jsonInstance({ instance, ports }: { instance: Instance; ports: Port[] }): unknown {
  const { userData, password, ...rest } = instance;
  return {
    ...rest,
    ec2InstanceId: ec2('i', instance.ec2Id),
    userDataBytes: userData === null ? 0 : userData.length,
    passwordSet: password !== null,
    ports,
  };
}

function describeInstance(i: Instance, ports: Port[]): string {
  const lines = [
    `name:        ${i.name}`,
    `uuid:        ${i.uuid}`,
    `ec2 id:      ${ec2('i', i.ec2Id)}   image ${ec2('ami', i.ec2ImageId)}`,
    `hostname:    ${i.hostname}`,
    `project:     ${i.projectId}`,
    `zone:        ${i.availabilityZone ?? '-'}   flavor ${i.flavor}`,
    `keys:        ${i.keypairs.map((k) => k.name).join(', ') || '-'}`,
    `user data:   ${i.userData === null ? '-' : `${i.userData.length} bytes`}`,
    `password:    ${i.password === null ? 'not set' : 'set by the guest'}`,
    `tokens:      ${i.httpTokens ?? 'service default (http_tokens)'}`,
    `revision:    ${i.revision}`,
  ];
  for (const p of ports)
    lines.push(
      `port:        ${p.id} ${p.mac} ${p.fixedIps.join(',')}${p.floatingIp ? ` floating ${p.floatingIp}` : ''} on ${p.networkId}`,
    );
  return lines.join('\n') + '\n';
}
