// The real AWS SDK IMDS client (@aws-sdk/ec2-metadata-service, IMDSv2 by default) against the direct
// listener: it fetches a session token, then the instance id and the user data with it. The endpoint
// is always given explicitly (127.0.0.1), so the client never looks for 169.254.169.254.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';

const NET = sampleNetwork(1, {
  subnets: [{ ...sampleNetwork(1).subnets[0]!, id: testUuid(0xb, 1), cidr: '127.0.0.0/8', gateway: null }],
});
// UTF-8 beyond ASCII, so "exact bytes" means more than ASCII passing through.
const USER_DATA = Buffer.from(
  '#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: "Grüße ✓"\n',
  'utf8',
);
const VM = sampleInstance(1, { userData: USER_DATA });

test('AWS SDK MetadataService (IMDSv2, token required) reads instance-id and the exact user data from the direct listener', async (t) => {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putNetwork(NET);
    store.putInstance(VM);
    store.putPort(samplePort(1, VM.uuid, NET.id, ['127.0.0.1']));
  });
  const service = await startTestService(t, {
    store,
    configure: (config) => {
      config.directListeners = [{ listen: '127.0.0.1:0', network: NET.name }];
    },
  });
  const endpoint = `http://${service.address('direct')}`;
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);

  const imds = new MetadataService({
    endpoint,
    // No silent fallback to IMDSv1: a token problem fails the test.
    ec2MetadataV1Disabled: true,
    retries: 0,
    httpOptions: { timeout: 5_000 },
  });
  const token = await imds.fetchMetadataToken();
  assert.ok(token.length > 0);

  // The SDK joins the endpoint's "/" and the path: it asks for //latest/meta-data/instance-id, which
  // works as in Nova (Paste's urlmap collapses runs of slashes, golden 054).
  const instanceId = await imds.request('/latest/meta-data/instance-id', {});
  assert.match(instanceId, /^i-[0-9a-f]{8}$/);
  assert.equal(instanceId, `i-${store.findInstance(VM.uuid)!.ec2Id.toString(16).padStart(8, '0')}`);

  const userData = await imds.request('/latest/user-data', {});
  assert.deepEqual(Buffer.from(userData, 'utf8'), USER_DATA);

  // With a token the SDK got from us, explicitly.
  const hostname = await imds.request('/latest/meta-data/local-hostname', {
    headers: { 'x-aws-ec2-metadata-token': token },
  });
  assert.equal(hostname, 'vm-1.novalocal');

  // A 404 surfaces as the SDK's error with the status (no retries on 404).
  await assert.rejects(
    imds.request('/latest/meta-data/no-such-key', {}),
    (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.$metadata?.httpStatusCode, 404);
      return true;
    },
  );
});
