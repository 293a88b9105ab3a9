// The SQLite schema, as an ordered list of migrations (read top to bottom). Each one runs in its own
// transaction at open and is recorded in schema_migrations; never edit a released row, add a new one.

export interface Migration {
  /** 1, 2, 3, … with no gaps: the schema version after this migration. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'routers, networks, instances, ports, port addresses, EC2 id mappings, change mark',
    sql: `
      -- One row: bumped by every write. changeMark() reads it; revisions are taken from it, so a
      -- deleted-then-recreated instance never shows an old revision number again.
      CREATE TABLE store_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        change_mark INTEGER NOT NULL
      ) STRICT;
      INSERT INTO store_state (id, change_mark) VALUES (1, 0);

      -- Next number each EC2 sequence hands out ('instance' behind i-, 'image' behind ami-/aki-/ari-).
      -- Allocation skips numbers already mapped, so a pinned number is never handed out again.
      CREATE TABLE ec2_sequences (
        kind TEXT PRIMARY KEY,
        next_id INTEGER NOT NULL
      ) STRICT;
      INSERT INTO ec2_sequences (kind, next_id) VALUES ('instance', 1), ('image', 1);

      -- Nova's instance_id_mappings: a uuid keeps its number even after the instance is deleted.
      CREATE TABLE ec2_instance_ids (
        ec2_id INTEGER PRIMARY KEY CHECK (ec2_id BETWEEN 1 AND 4294967295),
        uuid TEXT NOT NULL UNIQUE,
        UNIQUE (uuid, ec2_id)
      ) STRICT;

      -- Nova's s3_images: one number per image UUID, shared by ami-, aki- and ari- ids.
      CREATE TABLE ec2_image_ids (
        ec2_id INTEGER PRIMARY KEY CHECK (ec2_id BETWEEN 1 AND 4294967295),
        image_uuid TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE routers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE networks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        router_id TEXT REFERENCES routers (id),
        mtu INTEGER,
        subnets TEXT NOT NULL,  -- JSON Subnet[]
        attach TEXT             -- JSON Attachment, or NULL
      ) STRICT;
      -- Covering for networkIdsOfRouter (router mode resolves every request through it).
      CREATE INDEX networks_by_router ON networks (router_id, name, id);

      CREATE TABLE instances (
        uuid TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        revision INTEGER NOT NULL,
        project_id TEXT NOT NULL,
        ec2_id INTEGER NOT NULL UNIQUE,
        hostname TEXT NOT NULL,
        availability_zone TEXT,
        launch_index INTEGER NOT NULL,
        flavor TEXT NOT NULL,
        image_id TEXT,
        kernel_id TEXT,
        ramdisk_id TEXT,
        ec2_image_id INTEGER REFERENCES ec2_image_ids (ec2_id),
        ec2_kernel_id INTEGER REFERENCES ec2_image_ids (ec2_id),
        ec2_ramdisk_id INTEGER REFERENCES ec2_image_ids (ec2_id),
        reservation_id TEXT NOT NULL,
        metadata TEXT NOT NULL,         -- JSON object
        keypairs TEXT NOT NULL,         -- JSON Keypair[]
        security_groups TEXT NOT NULL,  -- JSON string[]
        root_device_name TEXT,
        default_ephemeral_device TEXT,
        default_swap_device TEXT,
        block_devices TEXT NOT NULL,    -- JSON BlockDevice[]
        devices TEXT NOT NULL,          -- JSON DeviceMetadata[]
        dedicated_cpus TEXT NOT NULL,   -- JSON number[]
        vendor_data TEXT,               -- JSON object, or NULL
        tags TEXT NOT NULL,             -- JSON string[]
        password TEXT,
        created_at TEXT NOT NULL,
        -- Last: up to 64 KiB spills to overflow pages; the request path reads only the columns near the
        -- start of the row (revision, project_id), which stay in the b-tree cell, never the overflow chain.
        user_data BLOB,
        FOREIGN KEY (uuid, ec2_id) REFERENCES ec2_instance_ids (uuid, ec2_id)
      ) STRICT;

      CREATE TABLE ports (
        id TEXT PRIMARY KEY,
        -- Insertion order (the change mark at first insert): the guest's VIF order; a replace keeps it.
        position INTEGER NOT NULL UNIQUE,
        instance_uuid TEXT NOT NULL REFERENCES instances (uuid) ON DELETE CASCADE,
        network_id TEXT NOT NULL REFERENCES networks (id),
        mac TEXT NOT NULL,
        floating_ip TEXT,
        vif_type TEXT NOT NULL,
        devname TEXT,
        UNIQUE (id, network_id)
      ) STRICT;
      CREATE INDEX ports_by_instance ON ports (instance_uuid, position);
      CREATE INDEX ports_by_mac ON ports (network_id, mac);

      -- One row per fixed IP. UNIQUE (network_id, address) makes the database itself refuse two ports
      -- with one address on one network; the composite foreign key keeps network_id equal to the port's.
      CREATE TABLE port_addresses (
        network_id TEXT NOT NULL,
        address TEXT NOT NULL,
        port_id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        UNIQUE (network_id, address),
        FOREIGN KEY (port_id, network_id) REFERENCES ports (id, network_id)
          ON DELETE CASCADE ON UPDATE CASCADE
      ) STRICT;
      CREATE INDEX port_addresses_by_port ON port_addresses (port_id, ord);
    `,
  },
  {
    version: 2,
    description: 'instances.http_tokens: per-instance session-token policy (NULL: the service default)',
    sql: `
      ALTER TABLE instances ADD COLUMN http_tokens TEXT
        CHECK (http_tokens IS NULL OR http_tokens IN ('optional', 'audit', 'required'));
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
