// Refusal logging: one line per distinct refusal per window, repeats counted, a budget over all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogFields, Logger } from '../../src/log.js';
import { createRepeatLog } from '../../src/service/repeat-log.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { inProcessGuest } from '../helpers/in-process-guest.js';
import { sampleNetwork, sampleInstance } from '../helpers/sample-instance.js';

interface Line {
  event: string;
  msg: string;
  fields: LogFields;
}

function capturingLogger(lines: Line[]): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (event, msg, fields = {}) => lines.push({ event, msg, fields }),
    error: (event, msg, fields = {}) => lines.push({ event, msg, fields }),
    child: () => logger,
  };
  return logger;
}

test('createRepeatLog() writes a repeated line once per window, then says how many it left out', () => {
  const lines: Line[] = [];
  let t = 0;
  const log = createRepeatLog(capturingLogger(lines), {
    windowMs: 10_000,
    budget: 50,
    maxKeys: 100,
    now: () => t,
  });
  for (let i = 0; i < 500; i++) log('identify.not_found', 'no port at 10.0.0.9', { address: '10.0.0.9' });
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0]!.fields, { address: '10.0.0.9' });
  log('identify.not_found', 'no port at 10.0.0.8', {});
  assert.equal(lines.length, 2, 'another message is written at once');
  t = 9_999;
  log('identify.not_found', 'no port at 10.0.0.9', { address: '10.0.0.9' });
  assert.equal(lines.length, 2, 'still within the window');
  t = 10_000;
  log('identify.not_found', 'no port at 10.0.0.9', { address: '10.0.0.9' });
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2]!.fields, { address: '10.0.0.9', repeated: 500 });
});

test('createRepeatLog() writes at most its budget of lines per window, and counts what it dropped', () => {
  const lines: Line[] = [];
  let t = 0;
  const log = createRepeatLog(capturingLogger(lines), {
    windowMs: 1000,
    budget: 5,
    maxKeys: 3,
    now: () => t,
  });
  for (let i = 0; i < 40; i++) log('identify.refused', `bad signature ${i}`, {});
  assert.equal(lines.length, 5);
  t = 1000;
  log('identify.refused', 'bad signature 40', {});
  assert.equal(lines.length, 6);
  assert.equal(lines[5]!.fields['droppedOverBudget'], 35);
  // Only maxKeys messages are remembered: an old one is written again in a new window, not suppressed forever.
  t = 2000;
  log('identify.refused', 'bad signature 0', {});
  assert.equal(lines.length, 7);
});

test('a guest handler asked 300 times from an unknown address logs one line', (t) => {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  const network = sampleNetwork(1);
  store.putNetwork(network);
  store.putInstance(sampleInstance(1));
  const lines: Line[] = [];
  const guest = inProcessGuest({ store, secret: 's', log: capturingLogger(lines) });
  const handler = guest.peer([network.id]);
  for (let i = 0; i < 300; i++) {
    const res = handler({
      method: 'GET',
      url: '/openstack/latest/meta_data.json',
      headers: {},
      peerAddress: '10.99.0.1',
      body: Buffer.alloc(0),
      bodyTooLarge: false,
    });
    assert.equal((res as { status: number }).status, 404);
  }
  assert.equal(lines.filter((l) => l.event === 'identify.not_found').length, 1);
});
