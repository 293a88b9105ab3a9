import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenIssuer, parseTokenTtl } from '../../src/auth/session-token.js';

const KEY = Buffer.alloc(32, 7);

test('parseTokenTtl() accepts 1..21600 and nothing else', () => {
  assert.equal(parseTokenTtl('1'), 1);
  assert.equal(parseTokenTtl('21600'), 21600);
  for (const bad of [undefined, '0', '21601', '-5', '1.5', 'abc', '', '99999999999'])
    assert.equal(parseTokenTtl(bad), undefined, String(bad));
});

test('createTokenIssuer() binds a token to the instance that asked for it', () => {
  const tokens = createTokenIssuer(KEY, () => 1_000_000);
  const t = tokens.issue('uuid-a', 60);
  assert.equal(tokens.check('uuid-a', t), 'valid');
  assert.equal(tokens.check('uuid-b', t), 'invalid');
});

test('createTokenIssuer() expires tokens when the clock passes their TTL', () => {
  let now = 1_000_000;
  const tokens = createTokenIssuer(KEY, () => now);
  const t = tokens.issue('uuid-a', 60);
  now += 59_000;
  assert.equal(tokens.check('uuid-a', t), 'valid');
  now += 2_000;
  assert.equal(tokens.check('uuid-a', t), 'expired');
});

test('createTokenIssuer() refuses tokens made with another key, forged expiries and oversize input', () => {
  const a = createTokenIssuer(KEY, () => 0);
  const b = createTokenIssuer(Buffer.alloc(32, 8), () => 0);
  const t = a.issue('u', 60);
  assert.equal(b.check('u', t), 'invalid');
  const [v, , mac] = t.split('.');
  assert.equal(a.check('u', `${v}.999999999.${mac}`), 'invalid');
  assert.equal(a.check('u', 'x'.repeat(10_000)), 'invalid');
});
