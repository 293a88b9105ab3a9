import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { hasProblems } from '../../src/doctor/finding.js';
import { checkOpenstack } from '../../src/doctor/openstack-checks.js';
import type { OpenstackFile } from '../../src/doctor/openstack-options.js';
import { collectOpenstackState, type TcpProbeResult } from '../../src/doctor/openstack-state.js';
import { tcpProbe } from '../../src/doctor/openstack-tcp-probe.js';
import { createServer } from 'node:net';

const DIR = 'test/fixtures/doctor/openstack';
const io = (probe?: (host: string, port: number) => Promise<TcpProbeResult>) => ({
  readFile: (p: string) => readFile(p, 'utf8'),
  ...(probe === undefined ? {} : { probe }),
});
const answering = (host: string, port: number) => Promise.resolve({ host, port, ok: true });
const refusing = (host: string, port: number) =>
  Promise.resolve({ host, port, ok: false, error: 'ECONNREFUSED' });

async function diagnose(files: Partial<Record<OpenstackFile, string>>, probe?: typeof answering) {
  const paths = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, `${DIR}/${v}`]));
  return checkOpenstack(await collectOpenstackState(paths, io(probe)));
}
const ids = (r: Awaited<ReturnType<typeof diagnose>>) => r.findings.map((f) => f.id).sort();

test("checkOpenstack() on the seed's Havana configuration: old names understood, nothing wrong, the isolated-metadata note", async () => {
  const asked: string[] = [];
  const report = await diagnose(
    { nova: 'seed-nova.conf', metadataAgent: 'seed-metadata_agent.ini', dhcpAgent: 'seed-dhcp_agent.ini' },
    (host, port) => {
      asked.push(`${host}:${port}`);
      return answering(host, port); // injected: a unit test never connects to 10.122.122.1
    },
  );
  assert.deepEqual(asked, ['10.122.122.1:8775'], 'the agent host comes from the old name nova_metadata_ip');
  assert.deepEqual(ids(report), [
    'openstack-isolated-metadata-off',
    'openstack-option-renamed',
    'openstack-option-renamed',
    'openstack-option-renamed',
  ]);
  assert.equal(hasProblems(report), false, 'old names are right on Havana: information only');
  const renamed = report.findings.filter((f) => f.id === 'openstack-option-renamed').map((f) => f.summary);
  assert.match(renamed.join('\n'), /service_neutron_metadata_proxy.*\[neutron\] service_metadata_proxy/);
  assert.ok(
    !JSON.stringify(report).includes('neutron_metadata_proxy_shared_secret = neutron'),
    'no secret printed',
  );
});

test('checkOpenstack() on the seed with Nova unreachable reports openstack-agent-unreachable', async () => {
  const report = await diagnose(
    { nova: 'seed-nova.conf', metadataAgent: 'seed-metadata_agent.ini' },
    refusing,
  );
  const f = report.findings.find((x) => x.id === 'openstack-agent-unreachable');
  assert.ok(f);
  assert.match(f.summary, /10\.122\.122\.1:8775.*ECONNREFUSED/);
  assert.match(f.evidence.join('\n'), /\[DEFAULT\] nova_metadata_ip = 10\.122\.122\.1/);
  assert.match(f.fix, /nova_metadata_host/);
  assert.equal(hasProblems(report), true);
});

test('checkOpenstack() on a broken set names each cause, and never prints a secret', async () => {
  const report = await diagnose(
    {
      nova: 'broken-nova.conf',
      metadataAgent: 'broken-metadata_agent.ini',
      l3Agent: 'broken-l3_agent.ini',
      dhcpAgent: 'broken-dhcp_agent.ini',
    },
    refusing,
  );
  assert.deepEqual(ids(report), [
    'openstack-agent-unreachable',
    'openstack-isolated-metadata-routed',
    'openstack-l3-proxy-off',
    'openstack-proxy-mode-off',
    'openstack-secret-mismatch',
    'openstack-socket-mismatch',
  ]);
  const text = JSON.stringify(report);
  for (const secret of ['s3cret-nova', 's3cret-agent']) assert.ok(!text.includes(secret), `${secret} leaked`);
  const get = (id: string) => report.findings.find((f) => f.id === id)!;
  assert.match(
    get('openstack-secret-mismatch').evidence.join('\n'),
    /set, 13 characters[\s\S]*set, 12 characters/,
  );
  assert.match(get('openstack-proxy-mode-off').evidence.join('\n'), /service_metdata_proxy.*misspelled/);
  assert.match(
    get('openstack-socket-mismatch').summary,
    /\/var\/lib\/neutron\/metadata_proxy.*\/run\/neutron\/metadata_proxy/,
  );
  assert.match(
    get('openstack-agent-unreachable').summary,
    /127\.0\.0\.1:1\b/,
    'nova_metadata_host beats nova_metadata_ip',
  );
  assert.equal(get('openstack-isolated-metadata-routed').consequenceOf, 'openstack-l3-proxy-off');
});

test('checkOpenstack() on a good set finds nothing', async () => {
  const report = await diagnose(
    {
      nova: 'good-nova.conf',
      metadataAgent: 'good-metadata_agent.ini',
      l3Agent: 'good-l3_agent.ini',
      dhcpAgent: 'good-dhcp_agent.ini',
    },
    answering,
  );
  assert.deepEqual(report.findings, []);
});

test('checkOpenstack() reports a missing file and a garbled one as openstack-config-unreadable', async () => {
  const report = await diagnose({ nova: 'no-such.conf', metadataAgent: 'garbled.ini' });
  const f = report.findings.filter((x) => x.id === 'openstack-config-unreadable');
  assert.equal(f.length, 2);
  assert.match(f[0]!.summary, /ENOENT/);
  assert.match(f[1]!.evidence.join('\n'), /garbled\.ini:1: this line has no section/);
});

test('checkOpenstack() reports a secret set on one side only, and none on either side', async () => {
  const { parseIni } = await import('../../src/doctor/ini-parse.js');
  const state = (nova: string, agent: string) => ({
    files: { nova: { path: 'n', ini: parseIni(nova) }, metadataAgent: { path: 'a', ini: parseIni(agent) } },
  });
  const on = '[neutron]\nservice_metadata_proxy = yes\n';
  const one = checkOpenstack(state(on, '[DEFAULT]\nmetadata_proxy_shared_secret = x\n'));
  assert.deepEqual(
    one.findings.map((f) => f.id),
    ['openstack-secret-mismatch'],
  );
  assert.match(one.findings[0]!.summary, /one side only, in metadata_agent\.ini/);
  const none = checkOpenstack(state(on, '[DEFAULT]\n'));
  assert.deepEqual(
    none.findings.map((f) => f.id),
    ['openstack-secret-empty'],
  );
});

test('tcpProbe() says whether a loopback port accepts connections', async () => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  assert.equal((await tcpProbe('127.0.0.1', port)).ok, true);
  await new Promise<void>((r) => server.close(() => r()));
  const closed = await tcpProbe('127.0.0.1', port);
  assert.equal(closed.ok, false);
  assert.equal(closed.error, 'ECONNREFUSED');
});

test('checkOpenstack() reports a missing StaticJSON vendor data file (F13) and rate limits under one boot (F14)', async () => {
  const report = await diagnose({
    nova: 'limits-nova.conf',
    metadataAgent: 'limits-metadata_agent.ini',
    l3Agent: 'limits-l3_agent.ini',
  });
  assert.deepEqual(ids(report), ['openstack-rate-limit-low', 'openstack-vendordata-unreadable']);
  const get = (id: string) => report.findings.find((f) => f.id === id)!;
  assert.match(get('openstack-vendordata-unreadable').summary, /no-such-vendor-data\.json.*ENOENT.*500/);
  assert.match(get('openstack-rate-limit-low').summary, /l3_agent\.ini limits metadata to 10 requests/);
});
