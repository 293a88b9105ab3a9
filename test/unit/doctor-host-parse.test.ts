import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasMetadataAddress,
  nftRedirects,
  option121Complete,
  parseArpWatch,
  parseNeighbours,
  servingListeners,
} from '../../src/doctor/host-parse.js';
import { nftRuleset } from '../../src/net/nft-ruleset.js';

test('hasMetadataAddress() finds 169.254.169.254/32 in ip -o addr output', () => {
  const lines = [
    '2: svc0    inet 10.0.0.1/24 scope global svc0\\       valid_lft forever preferred_lft forever',
    '2: svc0    inet 169.254.169.254/32 scope global svc0\\       valid_lft forever preferred_lft forever',
  ];
  assert.equal(hasMetadataAddress(lines), true);
  assert.equal(hasMetadataAddress(lines.slice(0, 1)), false);
});

test('servingListeners() picks :80 for onlink/isolated and :9697 for router', () => {
  const ss = [
    'LISTEN 0      511    169.254.169.254:80        0.0.0.0:*',
    'LISTEN 0      511          0.0.0.0:9697      0.0.0.0:*',
    'LISTEN 0      4096       127.0.0.1:8775      0.0.0.0:*',
  ];
  assert.deepEqual(servingListeners(ss, 'onlink'), [ss[0]]);
  assert.deepEqual(servingListeners(ss, 'router'), [ss[1]]);
  assert.deepEqual(servingListeners([ss[2]!], 'isolated'), []);
  assert.equal(servingListeners(['LISTEN 0 511 *:9697 *:*'], 'router').length, 1);
});

test('nftRedirects() reads the table src/net renders', () => {
  const rendered = nftRuleset([{ interface: 'qr-web', networkId: 'n1' }]);
  assert.equal(nftRedirects(rendered, 'qr-web'), true);
  assert.equal(nftRedirects(rendered, 'qr-db'), false);
});

test('parseNeighbours() keeps entries with a link-layer address', () => {
  const n = parseNeighbours([
    '10.213.5.2 lladdr fa:16:3e:00:00:01 REACHABLE',
    '10.213.5.9 FAILED',
    '10.213.5.3 lladdr fa:16:3e:00:00:02 router STALE',
  ]);
  assert.deepEqual(
    n.map((x) => [x.address, x.mac, x.state]),
    [
      ['10.213.5.2', 'fa:16:3e:00:00:01', 'REACHABLE'],
      ['10.213.5.3', 'fa:16:3e:00:00:02', 'STALE'],
    ],
  );
});

test('parseArpWatch() counts requests for 169.254.169.254, who asked, and replies', () => {
  const w = parseArpWatch([
    '12:00:00.000001 ARP, Request who-has 169.254.169.254 tell 10.0.0.5, length 28',
    '12:00:01.000001 ARP, Request who-has 169.254.169.254 tell 10.0.0.5, length 28',
    '12:00:01.500000 ARP, Request who-has 10.0.0.1 tell 10.0.0.5, length 28',
  ]);
  assert.equal(w.requests.length, 2);
  assert.deepEqual(w.askers, ['10.0.0.5']);
  assert.deepEqual(w.replies, []);
  assert.equal(
    parseArpWatch(['12:00 ARP, Reply 169.254.169.254 is-at aa:bb:cc:dd:ee:ff, length 28']).replies.length,
    1,
  );
});

test('option121Complete() wants the metadata route, and the default route when there is a gateway', () => {
  const line = 'tag:subnet-1,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1';
  assert.equal(option121Complete(line, '10.0.0.1'), true);
  assert.equal(option121Complete(line, '10.0.0.254'), false);
  assert.equal(option121Complete('tag:s,option:classless-static-route,10.9.0.0/16,10.0.0.9', null), false);
});
