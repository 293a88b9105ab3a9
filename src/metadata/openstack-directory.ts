// GET /openstack/<v> (and its alias /openstack/<v>/version): the files of a version, in Nova's
// fixed order (base.py _handle_version, reference/openstack-metadata.md §2.5.2).
import type { Instance } from '../model/instance.js';
import {
  FOLSOM,
  GRIZZLY,
  HAVANA,
  LIBERTY,
  NEWTON_TWO,
  openstackAtLeast,
  type OpenstackVersion,
} from './openstack-versions.js';

interface DirectoryRow {
  name: string;
  since: OpenstackVersion;
  /** Listed only when this holds. */
  when?: (instance: Instance) => boolean;
}

const DIRECTORY_ROWS: readonly DirectoryRow[] = [
  { name: 'meta_data.json', since: FOLSOM },
  { name: 'user_data', since: FOLSOM, when: (i) => i.userData !== null },
  { name: 'password', since: GRIZZLY },
  // Listed even when the StaticJSON provider is off, although the file is then 404.
  { name: 'vendor_data.json', since: HAVANA },
  // Served for every version, listed only from 2015-10-15.
  { name: 'network_data.json', since: LIBERTY },
  { name: 'vendor_data2.json', since: NEWTON_TWO },
];

export function openstackDirectory(instance: Instance, version: OpenstackVersion): string[] {
  return DIRECTORY_ROWS.filter(
    (row) => openstackAtLeast(version, row.since) && (row.when?.(instance) ?? true),
  ).map((row) => row.name);
}
