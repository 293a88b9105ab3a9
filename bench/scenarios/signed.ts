// Scenario 3a, the signed listener: Nova's protocol, as a neutron-metadata-agent sends it — X-Instance-ID,
// X-Tenant-ID and X-Instance-ID-Signature (hex HMAC-SHA256 of the id with the shared secret), which
// the service verifies on every request.
import { createHmac } from 'node:crypto';
import type { Guest } from '../lib/fixture.js';
import { META_DATA_PATH } from './direct.js';
import type { ServiceUnderTest } from './service-under-test.js';
import type { ThroughputTarget } from './throughput.js';

export function signedHeaders(secret: string, guest: Guest): Record<string, string> {
  return {
    'X-Instance-ID': guest.uuid,
    'X-Tenant-ID': guest.projectId,
    'X-Instance-ID-Signature': createHmac('sha256', secret).update(guest.uuid, 'utf8').digest('hex'),
    'X-Forwarded-For': guest.address,
  };
}

export function signedTarget(service: ServiceUnderTest, guest: Guest, baselineId: string): ThroughputTarget {
  return {
    id: 'signed-meta-data',
    wayIn: 'signed listener (HMAC)',
    path: META_DATA_PATH,
    url: `http://${service.host}:${service.signedPort}${META_DATA_PATH}`,
    headers: signedHeaders(service.sharedSecret, guest),
    serverPids: [service.child.pid],
    baselineId,
  };
}
