// The OpenStack-style metadata versions (nova/api/metadata/base.py OPENSTACK_VERSIONS and the
// release-named constants, reference/openstack-metadata.md §2.4). Each row says what it adds;
// the gates themselves live where the files and fields are built.

export const FOLSOM = '2012-08-10'; // meta_data.json with the base fields; user_data
export const GRIZZLY = '2013-04-04'; // password; meta_data.json random_seed
export const HAVANA = '2013-10-17'; // vendor_data.json
export const LIBERTY = '2015-10-15'; // network_data.json listed; meta_data.json project_id
export const NEWTON_ONE = '2016-06-30'; // meta_data.json devices
export const NEWTON_TWO = '2016-10-06'; // vendor_data2.json
export const OCATA = '2017-02-22'; // devices[].vlan on NICs
export const ROCKY = '2018-08-27'; // devices[].vf_trusted on NICs
export const VICTORIA = '2020-10-14'; // meta_data.json dedicated_cpus
export const EPOXY = '2025-04-04'; // devices[] entries of type "share"; what `latest` means

export const OPENSTACK_VERSIONS = [
  FOLSOM,
  GRIZZLY,
  HAVANA,
  LIBERTY,
  NEWTON_ONE,
  NEWTON_TWO,
  OCATA,
  ROCKY,
  VICTORIA,
  EPOXY,
] as const;

export type OpenstackVersion = (typeof OPENSTACK_VERSIONS)[number];

/**
 * `GET /openstack`: the versions dated today or earlier, then `latest`. `today` is the UTC date as
 * YYYY-MM-DD; Nova compares the strings (base.py lookup: "don't show versions that are in the future"),
 * and a hidden version is still served when asked for by name.
 */
export function openstackVersionListing(today: string): string[] {
  return [...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest'];
}

/** `latest` → the newest version; an unknown name → undefined (Nova: InvalidMetadataVersion → 404). */
export function resolveOpenstackVersion(name: string): OpenstackVersion | undefined {
  if (name === 'latest') return OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1];
  return OPENSTACK_VERSIONS.find((v) => v === name);
}

/** Nova's _check_os_version: position in the table. */
export function openstackAtLeast(version: OpenstackVersion, required: OpenstackVersion): boolean {
  return OPENSTACK_VERSIONS.indexOf(version) >= OPENSTACK_VERSIONS.indexOf(required);
}
