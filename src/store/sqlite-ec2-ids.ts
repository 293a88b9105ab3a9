// EC2 ids as Nova makes them: an integer per UUID from a sequence (instance_id_mappings for i-,
// s3_images for ami-/aki-/ari-), assigned on first use and kept. Run only inside a write transaction.
import type Database from 'better-sqlite3';
import { ImdsError } from '../errors.js';
import { checkEc2Number, formatEc2Id } from './store-checks.js';

interface Ec2Kind {
  /** Row in ec2_sequences. */
  sequence: string;
  table: string;
  key: string;
  /** What the UUID names, for messages. */
  noun: string;
  prefix: string;
}

const KINDS = {
  instance: { sequence: 'instance', table: 'ec2_instance_ids', key: 'uuid', noun: 'instance', prefix: 'i' },
  image: { sequence: 'image', table: 'ec2_image_ids', key: 'image_uuid', noun: 'image', prefix: 'ami' },
} as const satisfies Record<string, Ec2Kind>;

export type Ec2Sequences = Record<keyof typeof KINDS, Ec2Sequence>;

export function createEc2Sequences(db: Database.Database): Ec2Sequences {
  return { instance: new Ec2Sequence(db, KINDS.instance), image: new Ec2Sequence(db, KINDS.image) };
}

export class Ec2Sequence {
  readonly #kind: Ec2Kind;
  readonly #idOf: Database.Statement<[string], number>;
  readonly #ownerOf: Database.Statement<[number], string>;
  readonly #insert: Database.Statement<[number, string]>;
  readonly #move: Database.Statement<[number, string]>;
  readonly #next: Database.Statement<[string], number>;
  readonly #setNext: Database.Statement<[number, string]>;

  constructor(db: Database.Database, kind: Ec2Kind) {
    const { table, key } = kind;
    this.#kind = kind;
    this.#idOf = db.prepare<[string], number>(`SELECT ec2_id FROM ${table} WHERE ${key} = ?`).pluck();
    this.#ownerOf = db.prepare<[number], string>(`SELECT ${key} FROM ${table} WHERE ec2_id = ?`).pluck();
    this.#insert = db.prepare(`INSERT INTO ${table} (ec2_id, ${key}) VALUES (?, ?)`);
    this.#move = db.prepare(`UPDATE ${table} SET ec2_id = ? WHERE ${key} = ?`);
    this.#next = db.prepare<[string], number>('SELECT next_id FROM ec2_sequences WHERE kind = ?').pluck();
    this.#setNext = db.prepare('UPDATE ec2_sequences SET next_id = ? WHERE kind = ?');
  }

  find(uuid: string): number | undefined {
    return this.#idOf.get(uuid);
  }

  /** The UUID's number: the one it already has, else the next free one from the sequence. */
  assign(uuid: string): number {
    const existing = this.#idOf.get(uuid);
    if (existing !== undefined) return existing;
    let id = this.#next.get(this.#kind.sequence) ?? 1;
    // Skip numbers pinned ahead of the sequence: each is one indexed lookup, and pins are rare.
    while (this.#ownerOf.get(id) !== undefined) id++;
    this.#insert.run(id, uuid);
    this.#setNext.run(id + 1, this.#kind.sequence);
    return id;
  }

  /**
   * Gives the UUID exactly this number. Refused when another UUID has it, or when the UUID already
   * has another number that something still shows to a guest (`inUse`): an EC2 id never changes
   * under a running guest, which would take it for a new instance.
   * Returns true when the mapping changed.
   */
  pin(uuid: string, id: number, inUse: (current: number) => boolean): boolean {
    const { noun, prefix } = this.#kind;
    const wanted = formatEc2Id(prefix, id);
    checkEc2Number(`${wanted} for ${noun} "${uuid}"`, id);
    const owner = this.#ownerOf.get(id);
    if (owner === uuid) return false;
    if (owner !== undefined) {
      throw new ImdsError(
        'EC2_ID_IN_USE',
        `Cannot pin ${wanted} to ${noun} "${uuid}" as ${noun} "${owner}" has it`,
        {
          hint: `Pick another number, or leave it unpinned so the store assigns the next free one`,
        },
      );
    }
    const current = this.#idOf.get(uuid);
    if (current === undefined) {
      this.#insert.run(id, uuid);
      return true;
    }
    if (inUse(current)) {
      throw new ImdsError(
        'EC2_ID_IN_USE',
        `Cannot pin ${wanted} to ${noun} "${uuid}" as it already has ${formatEc2Id(prefix, current)}`,
        {
          hint: `An EC2 id never changes while it is in use; pin it before first use, or keep ${formatEc2Id(prefix, current)}`,
        },
      );
    }
    this.#move.run(id, uuid);
    return true;
  }
}
