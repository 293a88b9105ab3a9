// InstanceMetadata._get_hostname: the EC2 hostname keys and meta_data.json "hostname" are the
// instance hostname qualified with [api] dhcp_domain, or bare when that option is empty.
import type { Instance } from '../model/instance.js';

export function instanceHostname(instance: Pick<Instance, 'hostname'>, dhcpDomain: string): string {
  return dhcpDomain === '' ? instance.hostname : `${instance.hostname}.${dhcpDomain}`;
}
