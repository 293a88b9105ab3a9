import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenerGroups } from '../../src/service/listener-groups.js';
import type { Network } from '../../src/model/network.js';
import { sampleNetwork } from '../helpers/sample-instance.js';

const attached = (
  n: number,
  ns: string | null,
  mode: 'onlink' | 'router' | 'isolated',
  routerId: string | null = null,
): Network =>
  sampleNetwork(n, {
    routerId,
    attach: {
      namespace: ns,
      interface: `if${n}`,
      mode,
      address: mode === 'isolated' ? `10.0.${n}.2/24` : null,
    },
  });

test('listenerGroups() shares one 169.254.169.254:80 socket between on-link networks of a namespace', () => {
  const groups = listenerGroups(
    [attached(1, null, 'onlink'), attached(2, null, 'isolated'), attached(3, 'ns-b', 'onlink')],
    () => [],
  );
  assert.equal(groups.length, 2);
  const host = groups.find((g) => g.namespace === null)!;
  assert.equal(`${host.host}:${host.port}`, '169.254.169.254:80');
  assert.equal(host.networkIds.length, 2);
});

test('listenerGroups() serves every network of the router on :9697 in router mode', () => {
  const nets = [attached(1, 'qrouter-r', 'router', 'r'), attached(2, 'qrouter-r', 'router', 'r')];
  const groups = listenerGroups(nets, (r) =>
    r === 'r' ? [nets[0]!.id, nets[1]!.id, 'unattached-net-of-r'] : [],
  );
  assert.equal(groups.length, 1);
  assert.equal(`${groups[0]!.host}:${groups[0]!.port}`, '0.0.0.0:9697');
  assert.deepEqual(groups[0]!.networkIds, [nets[0]!.id, nets[1]!.id, 'unattached-net-of-r']);
});

test('listenerGroups() ignores networks that are not attached', () => {
  assert.deepEqual(
    listenerGroups([sampleNetwork(1)], () => []),
    [],
  );
});
