import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = 'dist/src/cli/main.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oimds-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function cli(dir: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args, '--data-dir', dir], {
    encoding: 'utf8',
    env: { ...process.env, OPENIMDS_LOG_FORMAT: 'json', OPENIMDS_CONFIG: '/dev/null' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('openimds network/instance add, list --json and show work against a fresh data dir', (t) => {
  const dir = tempDir(t);
  assert.equal(
    cli(
      dir,
      'network',
      'add',
      'private',
      '--cidr',
      '10.0.0.0/24',
      '--gateway',
      '10.0.0.1',
      '--dns',
      '10.0.0.2',
    ).code,
    0,
  );
  const add = cli(
    dir,
    'instance',
    'add',
    'web-1',
    '--network',
    'private',
    '--ip',
    '10.0.0.15',
    '--metadata',
    'role=web',
  );
  assert.equal(add.code, 0, add.err);
  const list = JSON.parse(cli(dir, 'instance', 'list', '--json').out) as Array<{
    name: string;
    ec2InstanceId: string;
    ports: Array<{ fixedIps: string[] }>;
  }>;
  assert.equal(list.length, 1);
  assert.equal(list[0]!.name, 'web-1');
  assert.match(list[0]!.ec2InstanceId, /^i-[0-9a-f]{8}$/);
  assert.deepEqual(list[0]!.ports[0]!.fixedIps, ['10.0.0.15']);
  assert.match(cli(dir, 'instance', 'show', 'web-1').out, /uuid: +[0-9a-f-]{36}/);
  assert.match(cli(dir, 'network', 'show', 'private').out, /subnet: +10\.0\.0\.0\/24 gateway 10\.0\.0\.1/);
});

test('openimds instance add refuses an address outside the network with exit 3 and the path', (t) => {
  const dir = tempDir(t);
  cli(dir, 'network', 'add', 'private', '--cidr', '10.0.0.0/24');
  const r = cli(dir, 'instance', 'add', 'web-1', '--network', 'private', '--ip', '10.9.9.9');
  assert.equal(r.code, 3);
  assert.match(r.err, /error INVENTORY_INVALID/);
  assert.match(r.err, /ports\[0\]\.ip: "10\.9\.9\.9"/);
  assert.equal(JSON.parse(cli(dir, 'instance', 'list', '--json').out).length, 0);
});

test('openimds apply reports every error of a bad file with exit 3 and changes nothing', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'inventory.yaml');
  writeFileSync(
    file,
    'networks:\n  - name: n\n    cidr: 10.0.0.0/24\ninstances:\n  - name: a\n    ports: [{network: n, ip: 10.0.0.300}]\n  - name: b\n    colour: blue\n    ports: [{network: nope, ip: 10.0.0.5}]\n',
  );
  const r = cli(dir, 'apply', '-f', file);
  assert.equal(r.code, 3);
  assert.match(
    r.err,
    /inventory\.yaml: instances\[0\]\.ports\[0\]\.ip: "10\.0\.0\.300" is not an IPv4 address/,
  );
  assert.match(r.err, /instances\[1\]\.colour/);
  assert.match(r.err, /instances\[1\]\.ports\[0\]\.network/);
  assert.equal(JSON.parse(cli(dir, 'network', 'list', '--json').out).length, 0);
});

test('openimds export then apply of the export is a no-op', (t) => {
  const dir = tempDir(t);
  cli(dir, 'router', 'add', 'r1');
  cli(dir, 'network', 'add', 'private', '--cidr', '10.0.0.0/24', '--router', 'r1');
  cli(dir, 'instance', 'add', 'web-1', '--network', 'private', '--ip', '10.0.0.15');
  const exported = cli(dir, 'export');
  assert.equal(exported.code, 0);
  const file = join(dir, 'export.yaml');
  writeFileSync(file, exported.out);
  const dry = cli(dir, 'apply', '-f', file, '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.err);
  assert.equal(JSON.parse(dry.out).empty, true);
});

test('openimds rm refuses a network that still has ports (exit 5, IN_USE)', (t) => {
  const dir = tempDir(t);
  cli(dir, 'network', 'add', 'private', '--cidr', '10.0.0.0/24');
  cli(dir, 'instance', 'add', 'web-1', '--network', 'private', '--ip', '10.0.0.15');
  const r = cli(dir, 'network', 'rm', 'private');
  assert.equal(r.code, 5);
  assert.match(
    r.err,
    /error IN_USE: Cannot remove network "private" as it is used by port .* of instance "web-1"/,
  );
  assert.equal(cli(dir, 'instance', 'rm', 'web-1').code, 0);
  assert.equal(cli(dir, 'network', 'rm', 'private').code, 0);
});

test('openimds --help teaches every command, and usage errors exit 2', (t) => {
  const dir = tempDir(t);
  for (const args of [
    ['--help'],
    ['serve', '--help'],
    ['apply', '--help'],
    ['export', '--help'],
    ['network', 'add', '--help'],
    ['router', 'add', '--help'],
    ['instance', 'add', '--help'],
  ]) {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: openimds/, args.join(' '));
  }
  assert.equal(cli(dir, 'network', 'add', 'x', '--no-such-flag').code, 2);
  assert.equal(cli(dir, 'frobnicate').code, 2);
  assert.equal(cli(dir, 'instance', 'show', 'missing').code, 4);
});

test('openimds serve --demo answers curl-style requests for the demo instance, then stops on SIGTERM', async (t) => {
  const dir = tempDir(t);
  // The demo port is fixed (the README promises it); this test needs it free.
  const child = spawn(process.execPath, [MAIN, 'serve', '--demo', '--data-dir', dir, '--admin-listen', ''], {
    env: { ...process.env, OPENIMDS_LOG_FORMAT: 'json', OPENIMDS_CONFIG: '/dev/null' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!out.includes('Try:')) {
    if (Date.now() > deadline || child.exitCode !== null) assert.fail(`demo did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(out, /curl http:\/\/127\.0\.0\.1:8775\/openstack\/latest\/meta_data\.json/);
  const md = (await (await fetch('http://127.0.0.1:8775/openstack/latest/meta_data.json')).json()) as {
    uuid: string;
    name: string;
  };
  assert.equal(md.name, 'demo');
  assert.equal(await (await fetch('http://127.0.0.1:8775/latest/meta-data/local-ipv4')).text(), '127.0.0.1');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
