// Router mode's nft table: replaced whole in one transaction (re-applying never appends), one
// table per namespace from all of its router-mode networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nftRuleset } from '../../src/net/nft-ruleset.js';
import { routerCommands } from '../../src/net/router-commands.js';

const WEB = { interface: 'qr-web', networkId: 'net-web' };
const DB = { interface: 'qr-db', networkId: 'net-db' };

test('nftRuleset() ensures, deletes and recreates the table in one file, so loading it twice leaves one copy', () => {
  const ruleset = nftRuleset([WEB]);
  const statements = ruleset.split('\n').filter((l) => !l.startsWith('#'));
  assert.deepEqual(statements.slice(0, 3), [
    'table ip openimds',
    'delete table ip openimds',
    'table ip openimds {',
  ]);
  assert.equal(ruleset.match(/^table ip openimds \{$/gm)?.length, 1);
  assert.equal(nftRuleset([WEB]), ruleset, 'rendering is deterministic');
});

test('nftRuleset() redirects 169.254.169.254:80 per interface and accepts only redirected TCP to :9697', () => {
  const ruleset = nftRuleset([WEB, DB]);
  assert.match(ruleset, /type nat hook prerouting priority dstnat; policy accept;/);
  assert.match(
    ruleset,
    /iifname "qr-web" ip daddr 169\.254\.169\.254 tcp dport 80 redirect to :9697 comment "network net-web"/,
  );
  assert.match(ruleset, /iifname "qr-db" ip daddr 169\.254\.169\.254 tcp dport 80 redirect to :9697/);
  const input = ruleset.slice(ruleset.indexOf('chain input'));
  assert.ok(input.indexOf('tcp dport 9697 ct status dnat accept') < input.indexOf('tcp dport 9697 drop'));
});

test('nftRuleset() refuses an interface name that would break out of its quotes', () => {
  assert.throws(() => nftRuleset([{ interface: 'qr-"x', networkId: 'n' }]), { code: 'CONFIG_INVALID' });
});

test('routerCommands() loads the table with nft -f - inside the namespace', () => {
  const { apply } = routerCommands('qrouter-1', [WEB, DB], new Set(['net-web', 'net-db']));
  assert.equal(apply.length, 1);
  assert.deepEqual(apply[0]!.argv, ['ip', 'netns', 'exec', 'qrouter-1', 'nft', '-f', '-']);
  assert.equal(apply[0]!.input, nftRuleset([WEB, DB]));
});

test('routerCommands() removing one network of a shared namespace rewrites the table without it', () => {
  const { remove } = routerCommands('qrouter-1', [WEB, DB], new Set(['net-web']));
  assert.equal(remove[0]!.input, nftRuleset([DB]));
});

test('routerCommands() removing the last network deletes the table, accepting that it is already gone', () => {
  const { remove } = routerCommands(null, [WEB], new Set(['net-web']));
  assert.deepEqual(remove[0]!.argv, ['nft', 'delete', 'table', 'ip', 'openimds']);
  assert.ok(remove[0]!.okWhen?.test('Error: Could not process rule: No such file or directory'));
});
