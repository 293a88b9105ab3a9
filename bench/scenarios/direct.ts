// Scenario 2, the direct listener: the guest is the TCP peer (127.0.0.1, registered on the bench
// network), for the largest document (meta_data.json, rendered with a fresh random_seed each time)
// and an EC2 leaf (instance-id, a cached Buffer).
import type { ServiceUnderTest } from './service-under-test.js';
import type { ThroughputTarget } from './throughput.js';

export const META_DATA_PATH = '/openstack/latest/meta_data.json';
export const EC2_LEAF_PATH = '/latest/meta-data/instance-id';

export function directTargets(service: ServiceUnderTest, baselineId: string): ThroughputTarget[] {
  const base = `http://${service.host}:${service.directPort}`;
  return [
    {
      id: 'direct-meta-data',
      wayIn: 'direct listener',
      path: META_DATA_PATH,
      url: `${base}${META_DATA_PATH}`,
      serverPids: [service.child.pid],
      baselineId,
    },
    {
      id: 'direct-ec2-leaf',
      wayIn: 'direct listener',
      path: EC2_LEAF_PATH,
      url: `${base}${EC2_LEAF_PATH}`,
      serverPids: [service.child.pid],
      baselineId,
    },
  ];
}
