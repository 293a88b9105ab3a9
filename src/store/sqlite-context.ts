// What the SQLite write functions share: the prepared statements, the EC2 sequences, the clock, and
// the change mark every write bumps (and takes its revision from).
import type Database from 'better-sqlite3';
import { createEc2Sequences, type Ec2Sequences } from './sqlite-ec2-ids.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';

export interface SqliteContext {
  s: Statements;
  ec2: Ec2Sequences;
  now: () => Date;
  /** Bumps the store-wide change mark and returns it: the new revision of whatever this write touches. */
  mark(): number;
}

export function createSqliteContext(db: Database.Database, now: () => Date): SqliteContext {
  const s = prepareStatements(db);
  return { s, ec2: createEc2Sequences(db), now, mark: () => s.bumpMark.get()! };
}
