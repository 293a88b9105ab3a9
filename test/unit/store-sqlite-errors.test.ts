import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImdsError } from '../../src/errors.js';
import { isStoreFull, translateStoreError, type FreeSpace } from '../../src/store/sqlite-errors.js';

const sqliteError = (code: string): Error => Object.assign(new Error('disk I/O error'), { code });
const room: FreeSpace = () => ({ bytes: 1 << 30, inodes: 1000 });
const noRoom: FreeSpace = () => ({ bytes: 4096, inodes: 1000 });
const noInodes: FreeSpace = () => ({ bytes: 1 << 30, inodes: 0 });

test('isStoreFull() is SQLITE_FULL, or an I/O or open failure on a filesystem without room or inodes', () => {
  assert.equal(isStoreFull('/d/s.sqlite', sqliteError('SQLITE_FULL'), room), true);
  assert.equal(isStoreFull('/d/s.sqlite', sqliteError('SQLITE_IOERR_SHMSIZE'), noRoom), true);
  assert.equal(isStoreFull('/d/s.sqlite', sqliteError('SQLITE_CANTOPEN'), noInodes), true);
  assert.equal(isStoreFull('/d/s.sqlite', sqliteError('SQLITE_IOERR_SHMSIZE'), room), false);
  assert.equal(isStoreFull('/d/s.sqlite', sqliteError('SQLITE_BUSY'), noRoom), false);
  assert.equal(
    isStoreFull('/d/s.sqlite', sqliteError('SQLITE_IOERR'), () => undefined),
    false,
  );
  assert.equal(isStoreFull(':memory:', sqliteError('SQLITE_IOERR'), noRoom), false);
});

test('translateStoreError() gives STORE_FULL with the file and a hint, STORE_UNAVAILABLE otherwise, and leaves bugs alone', () => {
  const full = translateStoreError('/d/s.sqlite', 'write to', sqliteError('SQLITE_FULL'), room);
  assert.ok(full instanceof ImdsError);
  assert.equal(full.code, 'STORE_FULL');
  assert.equal(full.status, 507);
  assert.match(
    full.message,
    /^Cannot write to store "\/d\/s\.sqlite" as its filesystem is full: .*\(SQLITE_FULL\)$/,
  );
  assert.match(full.hint ?? '', /Free space on the filesystem of "\/d"/);
  const busy = translateStoreError('/d/s.sqlite', 'write to', sqliteError('SQLITE_BUSY'), noRoom);
  assert.equal((busy as ImdsError).code, 'STORE_UNAVAILABLE');
  const bug = new TypeError('x');
  assert.equal(translateStoreError('/d/s.sqlite', 'write to', bug, noRoom), bug);
});
