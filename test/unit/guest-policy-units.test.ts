// The pure parts of the guest policies: the admission bucket, the token audit's counting and log
// pacing, and the required header's parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImdsError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory/parse-inventory.js';
import type { Logger } from '../../src/log.js';
import { SILENT_LOGGER } from '../../src/log.js';
import { createAdmitter } from '../../src/service/admission.js';
import { carriesRequiredHeader, parseRequiredHeader } from '../../src/service/required-header.js';
import { createTokenAudit } from '../../src/service/token-audit.js';

test('admission: a full burst at once, then the refill rate; Retry-After says when the next token comes', () => {
  let now = 0;
  const a = createAdmitter({ ratePerSecond: 2, burst: 3, now: () => now });
  assert.deepEqual(
    [1, 2, 3].map(() => a.admit('x').ok),
    [true, true, true],
  );
  assert.deepEqual(a.admit('x'), { ok: false, retryAfterSeconds: 1 });
  assert.equal(a.admit('y').ok, true, 'another instance has its own bucket');
  now += 500; // one token back at 2/s
  assert.equal(a.admit('x').ok, true);
  assert.equal(a.admit('x').ok, false);
  now += 60_000; // refilled, but never beyond the burst
  assert.deepEqual(
    [1, 2, 3, 4].map(() => a.admit('x').ok),
    [true, true, true, false],
  );
});

test('admission: slow rates give a Retry-After of whole seconds, at least 1', () => {
  let now = 0;
  const a = createAdmitter({ ratePerSecond: 0.1, burst: 1, now: () => now });
  assert.equal(a.admit('x').ok, true);
  assert.deepEqual(a.admit('x'), { ok: false, retryAfterSeconds: 10 });
  now += 9_500;
  assert.deepEqual(a.admit('x'), { ok: false, retryAfterSeconds: 1 });
});

test('admission: rate 0 admits everything and keeps no state', () => {
  const a = createAdmitter({ ratePerSecond: 0, burst: 1, now: () => 0 });
  for (let i = 0; i < 1000; i++) assert.equal(a.admit('x').ok, true);
  assert.equal(a.size(), 0);
});

test('admission: buckets are bounded; refilled ones are forgotten first', () => {
  let now = 0;
  const a = createAdmitter({ ratePerSecond: 1, burst: 2, now: () => now, maxInstances: 3 });
  for (const id of ['a', 'b', 'c']) a.admit(id);
  now += 5_000; // all refilled
  a.admit('d');
  assert.equal(a.size(), 1);
  for (const id of ['e', 'f', 'g', 'h']) a.admit(id);
  assert.ok(a.size() <= 3);
});

function recordingLogger(lines: string[]): Logger {
  return { ...SILENT_LOGGER, warn: (_event: string, msg: string) => lines.push(msg) } as Logger;
}

test('token audit: counts per instance, logs the first tokenless request, then at most once per interval', () => {
  let now = Date.UTC(2026, 10, 26);
  const lines: string[] = [];
  const audit = createTokenAudit({ now: () => now, log: recordingLogger(lines), logEveryMs: 60_000 });
  const vm = { uuid: 'u-1', name: 'web-1' };
  audit.record(vm, '/latest/meta-data/', false);
  audit.record(vm, '/latest/meta-data/hostname', false);
  audit.record(vm, '/latest/meta-data/hostname', true);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /"web-1" read "\/latest\/meta-data\/" without a session token/);
  now += 61_000;
  audit.record(vm, '/latest/user-data', false);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /\(2 such requests since the last report\)/);
  audit.record({ uuid: 'u-2', name: 'db-1' }, '/latest/meta-data/', true);
  const snap = audit.snapshot();
  assert.deepEqual(
    snap.map((e) => [e.instanceName, e.tokenless, e.withToken, e.lastTokenlessPath]),
    [
      ['web-1', 3, 1, '/latest/user-data'],
      ['db-1', 0, 1, null],
    ],
  );
  assert.equal(snap[0]!.firstTokenlessAt, '2026-11-26T00:00:00.000Z');
});

test('token audit: bounded, forgetting the least recently seen instance', () => {
  const audit = createTokenAudit({ now: () => 0, log: SILENT_LOGGER, maxInstances: 2 });
  for (const id of ['a', 'b', 'a', 'c']) audit.record({ uuid: id, name: id }, '/x', false);
  assert.deepEqual(
    audit
      .snapshot()
      .map((e) => e.instanceUuid)
      .sort(),
    ['a', 'c'],
  );
});

test('required header: "Name: value" matches the value exactly (name in any case); "Name" only presence', () => {
  const flavor = parseRequiredHeader('Metadata-Flavor: openimds')!;
  assert.deepEqual(flavor, { name: 'metadata-flavor', value: 'openimds', text: 'Metadata-Flavor: openimds' });
  assert.equal(carriesRequiredHeader(flavor, { 'metadata-flavor': 'openimds' }), true);
  assert.equal(carriesRequiredHeader(flavor, { 'metadata-flavor': 'OpenIMDS' }), false);
  assert.equal(carriesRequiredHeader(flavor, {}), false);
  const bare = parseRequiredHeader('X-Metadata')!;
  assert.equal(carriesRequiredHeader(bare, { 'x-metadata': '' }), true);
  assert.equal(parseRequiredHeader(''), undefined);
  for (const bad of ['Bad Name: x', ': value', 'Name:', 'Na(me)']) {
    assert.throws(
      () => parseRequiredHeader(bad),
      (e: unknown) => e instanceof ImdsError && e.code === 'CONFIG_INVALID',
      bad,
    );
  }
});

test('inventory: http_tokens takes optional, audit, required or null, and says what else it expects', () => {
  const parse = (value: string) =>
    parseInventory(`instances:\n  - name: a\n    http_tokens: ${value}\n`, 'inv.yaml', () => Buffer.alloc(0));
  assert.equal(parse('audit').desired.instances[0]!.httpTokens, 'audit');
  assert.equal(parse('null').desired.instances[0]!.httpTokens, null);
  assert.throws(
    () => parse('sometimes'),
    (err: unknown) =>
      err instanceof ImdsError &&
      err.code === 'INVENTORY_INVALID' &&
      JSON.stringify(err.details).includes(
        '"path":"instances[0].http_tokens","message":"\\"sometimes\\" is not a token policy (expected optional, audit, required)"',
      ),
  );
});
