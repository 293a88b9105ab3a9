import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const DIR = 'test/fixtures/doctor/openstack';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/src/cli/main.js', 'doctor', 'openstack', ...args], { encoding: 'utf8' });

test('doctor openstack exits 0 on the seed configuration (Havana names, probe off)', () => {
  const r = cli(
    '--nova-conf',
    `${DIR}/seed-nova.conf`,
    '--metadata-agent-ini',
    `${DIR}/seed-metadata_agent.ini`,
    '--dhcp-agent-ini',
    `${DIR}/seed-dhcp_agent.ini`,
    '--no-probe',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /No problems found \(only information above\)/);
  assert.doesNotMatch(r.stdout, /= neutron\b/, 'the secret is never printed');
});

test('doctor openstack --json exits 1 and lists the ids of a broken set', () => {
  const r = cli(
    '--nova-conf',
    `${DIR}/broken-nova.conf`,
    '--metadata-agent-ini',
    `${DIR}/broken-metadata_agent.ini`,
    '--l3-agent-ini',
    `${DIR}/broken-l3_agent.ini`,
    '--no-probe',
    '--json',
  );
  assert.equal(r.status, 1, r.stderr);
  const ids = (JSON.parse(r.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id).sort();
  assert.deepEqual(ids, [
    'openstack-l3-proxy-off',
    'openstack-proxy-mode-off',
    'openstack-secret-mismatch',
    'openstack-socket-mismatch',
  ]);
});

test('doctor openstack --help names the ids and the old option names', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const s of [
    'openstack-secret-mismatch',
    'service_neutron_metadata_proxy',
    'nova_metadata_ip',
    '--no-probe',
  ]) {
    assert.ok(r.stdout.includes(s), s);
  }
});
