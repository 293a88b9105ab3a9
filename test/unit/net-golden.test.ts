// Golden tests of `openimds net plan`, one per mode: the real CLI applies test/fixtures/net/<mode>.yaml
// to a fresh store and prints the plan, which must equal test/fixtures/net/<mode>.txt byte for byte
// (the data directory shows as /var/lib/openimds). A changed renderer fails here; when the change is
// meant, regenerate with OPENIMDS_UPDATE_GOLDEN=1 and review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO_ROOT, 'dist/src/cli/main.js');
const FIXTURES = join(REPO_ROOT, 'test/fixtures/net');
const GOLDEN_DATA_DIR = '/var/lib/openimds';

function cli(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, OPENIMDS_CONFIG: '/dev/null', OPENIMDS_LOG_FORMAT: 'json' },
  });
  assert.equal(r.status, 0, `openimds ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

for (const mode of ['onlink', 'router', 'isolated']) {
  test(`openimds net plan prints test/fixtures/net/${mode}.txt for ${mode}.yaml`, (t) => {
    const dataDir = makeTmpDir(t, 'oimds-net-golden-');
    cli(dataDir, 'apply', '-f', join(FIXTURES, `${mode}.yaml`));
    const plan = cli(dataDir, 'net', 'plan').split(dataDir).join(GOLDEN_DATA_DIR);
    const golden = join(FIXTURES, `${mode}.txt`);
    if (process.env.OPENIMDS_UPDATE_GOLDEN === '1') writeFileSync(golden, plan);
    assert.equal(plan, readFileSync(golden, 'utf8'));
  });
}

test('openimds net remove --dry-run for one network of a shared router namespace keeps the others', (t) => {
  const dataDir = makeTmpDir(t, 'oimds-net-golden-');
  cli(dataDir, 'apply', '-f', join(FIXTURES, 'router.yaml'));
  const out = cli(dataDir, 'net', 'remove', '--dry-run', '--network', 'web');
  assert.match(out, /iifname "qr-db" .* redirect to :9697/);
  assert.doesNotMatch(out, /qr-web|qrouter-lab|nft delete table/);
  const all = cli(dataDir, 'net', 'remove', '--dry-run');
  assert.equal(all.match(/^ip netns exec qrouter-\w+ nft delete table ip openimds$/gm)?.length, 2);
});

test('openimds net plan --network names an unknown network with exit code 4', (t) => {
  const dataDir = makeTmpDir(t, 'oimds-net-golden-');
  const r = spawnSync(process.execPath, [MAIN, 'net', 'plan', '--network', 'nope', '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, OPENIMDS_CONFIG: '/dev/null' },
  });
  assert.equal(r.status, 4);
  assert.match(r.stderr, /NETWORK_NOT_FOUND: Cannot find network "nope"/);
});
