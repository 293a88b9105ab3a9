// The EC2-style metadata versions Nova serves (nova/api/metadata/base.py VERSIONS,
// reference/openstack-metadata.md §2.4). Listed in this order at `/` and `/ec2`; `latest` is the
// last row. A request names a version; the keys it adds are gated in ec2-tree.ts.

export const EC2_VERSIONS = [
  '1.0', // ami-id, ami-launch-index, ami-manifest-path, hostname, instance-id, local-ipv4, reservation-id, security-groups, public-keys/
  '2007-01-19', // local-hostname, public-hostname, public-ipv4
  '2007-03-01', // nothing (Nova never stored product-codes)
  '2007-08-29', // instance-type
  '2007-10-10', // nothing (Nova never stored ancestor-ami-ids)
  '2007-12-15', // block-device-mapping/, kernel-id and ramdisk-id when the instance has them
  '2008-02-01', // placement/availability-zone
  '2008-09-01', // instance-action
  '2009-04-04', // nothing new; what `latest` means
] as const;

export type Ec2Version = (typeof EC2_VERSIONS)[number];

/** The EC2 version list as `GET /` and `GET /ec2` print it: every version, then `latest`. */
export function ec2VersionListing(): string[] {
  return [...EC2_VERSIONS, 'latest'];
}

/** `latest` → the newest version; an unknown name → undefined (Nova: InvalidMetadataVersion → 404). */
export function resolveEc2Version(name: string): Ec2Version | undefined {
  if (name === 'latest') return EC2_VERSIONS[EC2_VERSIONS.length - 1];
  return EC2_VERSIONS.find((v) => v === name);
}

/** Nova's _check_version: position in the table, not string comparison ('1.0' predates every date). */
export function ec2AtLeast(version: Ec2Version, required: Ec2Version): boolean {
  return EC2_VERSIONS.indexOf(version) >= EC2_VERSIONS.indexOf(required);
}
