// The token hop-limit table (docs/network.md "Token hop limit"): one per namespace, replaced whole,
// marking connections that carry a PUT and limiting the TTL of what the service sends on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenHopCommands } from '../../src/net/token-hop-commands.js';
import { tokenHopLimit } from '../../src/net/token-hop-limit.js';
import { tokenHopRuleset } from '../../src/net/token-hop-ruleset.js';

const LAB = { interface: 'virbr1', networkId: 'net-lab', mode: 'onlink' as const, hopLimit: 1 };
const WEB = { interface: 'qr-web', networkId: 'net-web', mode: 'router' as const, hopLimit: 2 };
const ATTACH = { namespace: null, interface: 'virbr1', mode: 'onlink' as const, address: null };

test('tokenHopRuleset() ensures, deletes and recreates its table, so loading it twice leaves one copy', () => {
  const ruleset = tokenHopRuleset([LAB]);
  const statements = ruleset.split('\n').filter((l) => !l.startsWith('#'));
  assert.deepEqual(statements.slice(0, 3), [
    'table ip openimds_token',
    'delete table ip openimds_token',
    'table ip openimds_token {',
  ]);
  assert.equal(tokenHopRuleset([LAB]), ruleset, 'rendering is deterministic');
});

test('tokenHopRuleset() marks a request starting with "P" at the listener and sets the TTL per interface', () => {
  const ruleset = tokenHopRuleset([LAB, WEB]);
  assert.match(
    ruleset,
    /iifname "virbr1" ip daddr 169\.254\.169\.254 tcp dport 80 @ih,0,8 \{ 0x50, 0x0d, 0x0a \} ct mark set ct mark or 0x00004000 comment "network net-lab"/,
  );
  assert.match(
    ruleset,
    /iifname "qr-web" tcp dport 9697 ct status dnat @ih,0,8 \{ 0x50, 0x0d, 0x0a \} ct mark set/,
  );
  assert.match(ruleset, /oifname "virbr1" ct mark and 0x00004000 == 0x00004000 ip ttl set 1 comment/);
  assert.match(ruleset, /oifname "qr-web" ct mark and 0x00004000 == 0x00004000 ip ttl set 2 comment/);
  assert.match(ruleset, /type filter hook input priority filter; policy accept;/);
  assert.match(ruleset, /type filter hook output priority filter; policy accept;/);
});

test('tokenHopRuleset() refuses an interface name that would break out of its quotes', () => {
  assert.throws(() => tokenHopRuleset([{ ...LAB, interface: 'br"0' }]), { code: 'CONFIG_INVALID' });
});

test('tokenHopCommands() loads the table in the namespace; with no limited network it deletes it', () => {
  const on = tokenHopCommands('qrouter-1', [WEB], new Set(['net-web']));
  assert.deepEqual(on.apply[0]!.argv, ['ip', 'netns', 'exec', 'qrouter-1', 'nft', '-f', '-']);
  assert.equal(on.apply[0]!.input, tokenHopRuleset([WEB]));
  assert.deepEqual(on.remove[0]!.argv, [
    'ip',
    'netns',
    'exec',
    'qrouter-1',
    'nft',
    'delete',
    'table',
    'ip',
    'openimds_token',
  ]);
  const off = tokenHopCommands(null, [], new Set());
  assert.deepEqual(off.apply[0]!.argv, ['nft', 'delete', 'table', 'ip', 'openimds_token']);
  assert.ok(off.apply[0]!.okWhen?.test('Error: Could not process rule: No such file or directory'));
});

test('tokenHopCommands() removing one network of a shared namespace rewrites the table without it', () => {
  const { remove } = tokenHopCommands(null, [LAB, WEB], new Set(['net-web']));
  assert.equal(remove[0]!.input, tokenHopRuleset([LAB]));
});

test('tokenHopLimit() is 1 when absent, the value when set, null when off', () => {
  assert.equal(tokenHopLimit(ATTACH), 1);
  assert.equal(tokenHopLimit({ ...ATTACH, tokenHopLimit: 5 }), 5);
  assert.equal(tokenHopLimit({ ...ATTACH, tokenHopLimit: null }), null);
});
