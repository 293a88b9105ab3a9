// Every SQL statement the SQLite store runs, prepared once at open. The request-path ones are marked;
// test/unit/store-sqlite.test.ts checks with EXPLAIN QUERY PLAN that they are index-backed.
import type Database from 'better-sqlite3';
import type {
  InstanceRow,
  NetworkRow,
  PortMatchRow,
  PortRow,
  RecordPortRow,
  RouterRow,
} from './sqlite-rows.js';

const PORT_COLUMNS = `p.id, p.instance_uuid, p.network_id, p.mac, p.floating_ip, p.vif_type, p.devname,
  (SELECT json_group_array(a.address ORDER BY a.ord) FROM port_addresses a WHERE a.port_id = p.id) AS fixed_ips`;

const NETWORK_COLUMNS = 'id, name, router_id, mtu, subnets, attach';

/** The statements the request path runs on every guest request (or every cache miss). */
export const HOT_SQL = {
  portsByAddress: `SELECT ${PORT_COLUMNS}, i.project_id, i.revision
    FROM port_addresses x JOIN ports p ON p.id = x.port_id JOIN instances i ON i.uuid = p.instance_uuid
    WHERE x.network_id IN (SELECT value FROM json_each(?)) AND x.address = ? ORDER BY p.position`,
  portsByMac: `SELECT ${PORT_COLUMNS}, i.project_id, i.revision
    FROM ports p JOIN instances i ON i.uuid = p.instance_uuid
    WHERE p.network_id IN (SELECT value FROM json_each(?)) AND p.mac = ? ORDER BY p.position`,
  networkIdsOfRouter: 'SELECT id FROM networks WHERE router_id = ? ORDER BY name',
  revision: 'SELECT revision FROM instances WHERE uuid = ?',
  instanceByUuid: 'SELECT * FROM instances WHERE uuid = ?',
  recordPorts: `SELECT ${PORT_COLUMNS}, n.id AS n_id, n.name AS n_name, n.router_id AS n_router_id,
      n.mtu AS n_mtu, n.subnets AS n_subnets, n.attach AS n_attach
    FROM ports p JOIN networks n ON n.id = p.network_id WHERE p.instance_uuid = ? ORDER BY p.position`,
  changeMark: 'SELECT change_mark FROM store_state WHERE id = 1',
} as const;

export function prepareStatements(db: Database.Database) {
  const q = <P extends unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    // --- request path
    portsByAddress: q<[string, string], PortMatchRow>(HOT_SQL.portsByAddress),
    portsByMac: q<[string, string], PortMatchRow>(HOT_SQL.portsByMac),
    networkIdsOfRouter: q<[string], string>(HOT_SQL.networkIdsOfRouter).pluck(),
    revision: q<[string], number>(HOT_SQL.revision).pluck(),
    instanceByUuid: q<[string], InstanceRow>(HOT_SQL.instanceByUuid),
    recordPorts: q<[string], RecordPortRow>(HOT_SQL.recordPorts),
    changeMark: q<[], number>(HOT_SQL.changeMark).pluck(),
    bumpMark: q<[], number>(
      'UPDATE store_state SET change_mark = change_mark + 1 WHERE id = 1 RETURNING change_mark',
    ).pluck(),

    // --- routers
    listRouters: q<[], RouterRow>('SELECT id, name FROM routers ORDER BY name, id'),
    routerById: q<[string], RouterRow>('SELECT id, name FROM routers WHERE id = ?'),
    routerByName: q<[string], RouterRow>('SELECT id, name FROM routers WHERE name = ?'),
    upsertRouter: q<[RouterRow]>(
      'INSERT INTO routers (id, name) VALUES (@id, @name) ON CONFLICT (id) DO UPDATE SET name = excluded.name',
    ),
    deleteRouter: q<[string]>('DELETE FROM routers WHERE id = ?'),

    // --- networks
    listNetworks: q<[], NetworkRow>(`SELECT ${NETWORK_COLUMNS} FROM networks ORDER BY name, id`),
    networkById: q<[string], NetworkRow>(`SELECT ${NETWORK_COLUMNS} FROM networks WHERE id = ?`),
    networkByName: q<[string], NetworkRow>(`SELECT ${NETWORK_COLUMNS} FROM networks WHERE name = ?`),
    upsertNetwork: q<[NetworkRow]>(
      `INSERT INTO networks (${NETWORK_COLUMNS}) VALUES (@id, @name, @router_id, @mtu, @subnets, @attach)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, router_id = excluded.router_id,
         mtu = excluded.mtu, subnets = excluded.subnets, attach = excluded.attach`,
    ),
    deleteNetwork: q<[string]>('DELETE FROM networks WHERE id = ?'),
    addressesOnNetwork: q<[string], { address: string; port_id: string }>(
      'SELECT address, port_id FROM port_addresses WHERE network_id = ?',
    ),
    portIdsOnNetwork: q<[string], string>(
      'SELECT id FROM ports WHERE network_id = ? ORDER BY position',
    ).pluck(),
    // A network's subnets, DNS and MTU show in network_data.json: its instances' documents change too.
    bumpInstancesOnNetwork: q<[number, string]>(
      'UPDATE instances SET revision = ? WHERE uuid IN (SELECT instance_uuid FROM ports WHERE network_id = ?)',
    ),

    // --- instances
    listInstances: q<[], InstanceRow>('SELECT * FROM instances ORDER BY name, uuid'),
    instanceByName: q<[string], InstanceRow>('SELECT * FROM instances WHERE name = ?'),
    uuidByName: q<[string], string>('SELECT uuid FROM instances WHERE name = ?').pluck(),
    nameByUuid: q<[string], string>('SELECT name FROM instances WHERE uuid = ?').pluck(),
    upsertInstance: q<[InstanceRow]>(upsertInstanceSql()),
    deleteInstance: q<[string]>('DELETE FROM instances WHERE uuid = ?'),
    setRevision: q<[number, string]>('UPDATE instances SET revision = ? WHERE uuid = ?'),
    passwordOf: q<[string], { password: string | null }>('SELECT password FROM instances WHERE uuid = ?'),
    // The IS NULL guard makes write-once hold even if a caller skipped the read above it.
    storePassword: q<[string, number, string]>(
      'UPDATE instances SET password = ?, revision = ? WHERE uuid = ? AND password IS NULL',
    ),
    imageInUse: q<[string], number>(
      'SELECT 1 FROM instances WHERE ? IN (image_id, kernel_id, ramdisk_id) LIMIT 1',
    ).pluck(),
    clearPassword: q<[number, string]>(
      'UPDATE instances SET password = NULL, revision = ? WHERE uuid = ? AND password IS NOT NULL',
    ),

    // --- ports
    listPorts: q<[], PortRow>(`SELECT ${PORT_COLUMNS} FROM ports p ORDER BY p.position`),
    portsOfInstance: q<[string], PortRow>(
      `SELECT ${PORT_COLUMNS} FROM ports p WHERE p.instance_uuid = ? ORDER BY p.position`,
    ),
    portById: q<[string], PortRow>(`SELECT ${PORT_COLUMNS} FROM ports p WHERE p.id = ?`),
    upsertPort: q<[PortRowInput]>(
      `INSERT INTO ports (id, position, instance_uuid, network_id, mac, floating_ip, vif_type, devname)
       VALUES (@id, @position, @instance_uuid, @network_id, @mac, @floating_ip, @vif_type, @devname)
       ON CONFLICT (id) DO UPDATE SET instance_uuid = excluded.instance_uuid, network_id = excluded.network_id,
         mac = excluded.mac, floating_ip = excluded.floating_ip, vif_type = excluded.vif_type,
         devname = excluded.devname`,
    ),
    portPlacement: q<[string], { instance_uuid: string; position: number }>(
      'SELECT instance_uuid, position FROM ports WHERE id = ?',
    ),
    deletePort: q<[string]>('DELETE FROM ports WHERE id = ?'),
    deletePortAddresses: q<[string]>('DELETE FROM port_addresses WHERE port_id = ?'),
    insertPortAddress: q<[string, string, string, number]>(
      'INSERT INTO port_addresses (network_id, address, port_id, ord) VALUES (?, ?, ?, ?)',
    ),
    addressOwner: q<[string, string], { port_id: string; instance_name: string }>(
      `SELECT x.port_id, i.name AS instance_name FROM port_addresses x
       JOIN ports p ON p.id = x.port_id JOIN instances i ON i.uuid = p.instance_uuid
       WHERE x.network_id = ? AND x.address = ?`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** The port columns written by upsertPort (fixed IPs go to port_addresses). */
export type PortRowInput = Omit<PortRow, 'fixed_ips'> & { position: number };

function upsertInstanceSql(): string {
  const columns = [
    'uuid',
    'name',
    'revision',
    'project_id',
    'ec2_id',
    'hostname',
    'availability_zone',
    'launch_index',
    'flavor',
    'image_id',
    'kernel_id',
    'ramdisk_id',
    'ec2_image_id',
    'ec2_kernel_id',
    'ec2_ramdisk_id',
    'reservation_id',
    'metadata',
    'keypairs',
    'security_groups',
    'root_device_name',
    'default_ephemeral_device',
    'default_swap_device',
    'block_devices',
    'devices',
    'dedicated_cpus',
    'vendor_data',
    'tags',
    'password',
    'created_at',
    'user_data',
    'http_tokens',
  ];
  // A replace never touches the write-once password (setPassword/clearPassword own it).
  const kept = new Set(['uuid', 'password']);
  const updates = columns.filter((c) => !kept.has(c)).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO instances (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})
    ON CONFLICT (uuid) DO UPDATE SET ${updates.join(', ')}`;
}
