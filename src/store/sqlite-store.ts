// The embedded store: one SQLite file (WAL), shared safely by several processes. Reads run on
// prepared statements; each write runs in BEGIN IMMEDIATE (a savepoint when nested in transaction()).
import type Database from 'better-sqlite3';
import { normalizeAddress, normalizeMac } from '../ip/address.js';
import type { Instance } from '../model/instance.js';
import type { InstanceRecord } from '../model/instance-record.js';
import type { Network, Router } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { Snapshot } from '../model/snapshot.js';
import { createSqliteContext, type SqliteContext } from './sqlite-context.js';
import { translateStoreError } from './sqlite-errors.js';
import * as instances from './sqlite-instance-writes.js';
import * as topology from './sqlite-network-writes.js';
import { openChangeProbe, type ChangeProbe } from './sqlite-change-probe.js';
import { openDatabase } from './sqlite-open.js';
import * as ports from './sqlite-port-writes.js';
import {
  instanceFromRow,
  matchFromRow,
  networkFromRow,
  portFromRow,
  recordPortFromRow,
} from './sqlite-rows.js';
import type { Ec2ImageMapping, InstanceInput, PasswordResult, PortInput, PortMatch, Store } from './store.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (one connection only: nothing is shared). */
  path: string;
  /** Open an existing, already-migrated file for reading only; every write fails with STORE_UNAVAILABLE. */
  readonly?: boolean;
  /** Clock for createdAt and the migration ledger (tests pass a fixed one). */
  now?: () => Date;
  /**
   * How long a write waits for another process's write lock once the store is open (default
   * BUSY_TIMEOUT_MS); the wait blocks the calling thread, so the service keeps it short.
   */
  busyTimeoutMs?: number;
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.now ?? (() => new Date());
  const db = openDatabase({
    path: options.path,
    readonly: options.readonly ?? false,
    now,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  const probe =
    options.path === ':memory:' || options.path === '' ? undefined : openChangeProbe(options.path);
  return new SqliteStore(db, options.path, createSqliteContext(db, now), probe);
}

/** The change mark is read by its query at least this often, whatever the change probe says. */
const MARK_RECHECK_MS = 1000;

type Runner = Database.Transaction<(fn: () => unknown) => unknown>;

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #c: SqliteContext;
  readonly #run: Runner;
  readonly #probe: ChangeProbe | undefined;
  /** The change mark as last read, valid while the probe says nothing was committed since. */
  #mark: number | undefined;
  #markReadAt = 0;

  constructor(db: Database.Database, path: string, context: SqliteContext, probe: ChangeProbe | undefined) {
    this.#db = db;
    this.#path = path;
    this.#c = context;
    this.#probe = probe;
    // One cached wrapper: better-sqlite3 turns a nested call into a savepoint, so a failed write
    // inside a caller's transaction() undoes only itself, and the caller decides about the rest.
    this.#run = db.transaction((fn: () => unknown) => fn());
  }

  // --- request path
  findPortsByAddress(networkIds: readonly string[], address: string): PortMatch[] {
    const normal = normalizeAddress(address);
    if (normal === undefined || networkIds.length === 0) return [];
    return this.#c.s.portsByAddress.all(JSON.stringify(networkIds), normal).map(matchFromRow);
  }

  findPortsByMac(networkIds: readonly string[], mac: string): PortMatch[] {
    const normal = normalizeMac(mac);
    if (normal === undefined || networkIds.length === 0) return [];
    return this.#c.s.portsByMac.all(JSON.stringify(networkIds), normal).map(matchFromRow);
  }

  networkIdsOfRouter(routerId: string): string[] {
    return this.#c.s.networkIdsOfRouter.all(routerId);
  }

  findRevision(uuid: string): number | undefined {
    return this.#c.s.revision.get(uuid);
  }

  findInstanceRecord(uuid: string): InstanceRecord | undefined {
    // One read transaction: the instance and its ports come from the same commit.
    return this.#read(() => {
      const row = this.#c.s.instanceByUuid.get(uuid);
      if (row === undefined) return undefined;
      return {
        instance: instanceFromRow(row),
        ports: this.#c.s.recordPorts.all(uuid).map(recordPortFromRow),
      };
    });
  }

  // --- reads
  listNetworks(): Network[] {
    return this.#c.s.listNetworks.all().map(networkFromRow);
  }

  findNetwork(idOrName: string): Network | undefined {
    const row = this.#c.s.networkById.get(idOrName) ?? this.#c.s.networkByName.get(idOrName);
    return row === undefined ? undefined : networkFromRow(row);
  }

  listRouters(): Router[] {
    return this.#c.s.listRouters.all();
  }

  findRouter(idOrName: string): Router | undefined {
    return this.#c.s.routerById.get(idOrName) ?? this.#c.s.routerByName.get(idOrName);
  }

  listInstances(): Instance[] {
    return this.#c.s.listInstances.all().map(instanceFromRow);
  }

  findInstance(uuidOrName: string): Instance | undefined {
    const row = this.#c.s.instanceByUuid.get(uuidOrName) ?? this.#c.s.instanceByName.get(uuidOrName);
    return row === undefined ? undefined : instanceFromRow(row);
  }

  listPorts(instanceUuid?: string): Port[] {
    const rows =
      instanceUuid === undefined ? this.#c.s.listPorts.all() : this.#c.s.portsOfInstance.all(instanceUuid);
    return rows.map(portFromRow);
  }

  findPort(id: string): Port | undefined {
    const row = this.#c.s.portById.get(id);
    return row === undefined ? undefined : portFromRow(row);
  }

  snapshot(): Snapshot {
    return this.#read(() => ({
      routers: this.listRouters(),
      networks: this.listNetworks(),
      instances: this.listInstances().map((instance) => ({ instance, ports: this.listPorts(instance.uuid) })),
    }));
  }

  // Read on every guest request (src/service/port-lookup-cache.ts): the query runs only when the
  // WAL-index header moved since the last call, and at least once a second all the same (should the
  // probe ever read a file SQLite no longer uses, a change is late by a second, not forever). Inside a
  // transaction of this connection, whose writes are not committed yet, the query always runs.
  changeMark(): number {
    if (this.#probe === undefined || this.#db.inTransaction) return this.#c.s.changeMark.get()!;
    const now = performance.now();
    if (this.#probe.unchanged() && this.#mark !== undefined && now - this.#markReadAt < MARK_RECHECK_MS)
      return this.#mark;
    this.#mark = this.#c.s.changeMark.get()!;
    this.#markReadAt = now;
    return this.#mark;
  }

  // --- writes
  putRouter(router: Router): void {
    this.#write(() => topology.putRouter(this.#c, router));
  }

  deleteRouter(id: string): boolean {
    return this.#write(() => topology.deleteRouter(this.#c, id));
  }

  putNetwork(network: Network): void {
    this.#write(() => topology.putNetwork(this.#c, network));
  }

  deleteNetwork(id: string): boolean {
    return this.#write(() => topology.deleteNetwork(this.#c, id));
  }

  putInstance(input: InstanceInput): Instance {
    return this.#write(() => instances.putInstance(this.#c, input));
  }

  deleteInstance(uuid: string): boolean {
    return this.#write(() => instances.deleteInstance(this.#c, uuid));
  }

  putPort(port: PortInput): void {
    this.#write(() => ports.putPort(this.#c, port));
  }

  deletePort(id: string): boolean {
    return this.#write(() => ports.deletePort(this.#c, id));
  }

  pinEc2Image(mapping: Ec2ImageMapping): void {
    this.#write(() => instances.pinEc2Image(this.#c, mapping));
  }

  setPassword(uuid: string, password: string): PasswordResult {
    return this.#write(() => instances.setPassword(this.#c, uuid, password));
  }

  clearPassword(uuid: string): boolean {
    return this.#write(() => instances.clearPassword(this.#c, uuid));
  }

  transaction<T>(fn: () => T): T {
    return this.#write(() => {
      const result = fn();
      // better-sqlite3 commits when fn returns: an async fn would commit before its awaits ran.
      if (result instanceof Promise) throw new TypeError('Store.transaction() takes a synchronous function');
      return result;
    });
  }

  close(): void {
    this.#probe?.close();
    if (this.#db.open) this.#db.close();
  }

  #write<T>(fn: () => T): T {
    try {
      return this.#run.immediate(fn) as T;
    } catch (err) {
      throw translateStoreError(this.#path, 'write to', err);
    }
  }

  /** A consistent read of several statements; inside a write transaction it simply joins it. */
  #read<T>(fn: () => T): T {
    return this.#db.inTransaction ? fn() : (this.#run.deferred(fn) as T);
  }
}
