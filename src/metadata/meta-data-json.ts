// /openstack/<v>/meta_data.json (nova/api/metadata/base.py _metadata_as_json,
// reference/openstack-metadata.md §2.7).
import type { Instance } from '../model/instance.js';
import type { InstanceRecord } from '../model/instance-record.js';
import { deviceMetadata } from './device-metadata.js';
import { instanceHostname } from './hostname.js';
import type { MetadataOptions } from './metadata-options.js';
import {
  FOLSOM,
  GRIZZLY,
  LIBERTY,
  NEWTON_ONE,
  VICTORIA,
  openstackAtLeast,
  type OpenstackVersion,
} from './openstack-versions.js';
import { pythonJson, type JsonValue } from './python-json.js';
import { seededParts, type SeededParts } from './seeded-document.js';

const RANDOM_SEED_KEY = 'random_seed';

interface FieldContext {
  instance: Instance;
  version: OpenstackVersion;
  opts: Pick<MetadataOptions, 'dhcpDomain'>;
}

interface Field {
  key: string;
  since: OpenstackVersion;
  /** undefined leaves the key out. */
  value: (ctx: FieldContext) => JsonValue | undefined;
}

// Nova's insertion order. Three keys Nova can add are never produced by its metadata API and so
// have no row: "files" and the extra_md keys (config drive only) and "network_config" (needs
// flat_injected with a network template, which openimds does not render).
const FIELDS: readonly Field[] = [
  { key: 'uuid', since: FOLSOM, value: ({ instance }) => instance.uuid },
  // --property user metadata, only when there is some.
  { key: 'meta', since: FOLSOM, value: ({ instance }) => nonEmpty(instance.metadata) },
  // The first keypair (the instance's key_name) alone; then every keypair.
  { key: 'public_keys', since: FOLSOM, value: ({ instance }) => publicKeys(instance) },
  { key: 'keys', since: FOLSOM, value: ({ instance }) => keys(instance) },
  {
    key: 'hostname',
    since: FOLSOM,
    value: ({ instance, opts }) => instanceHostname(instance, opts.dhcpDomain),
  },
  { key: 'name', since: FOLSOM, value: ({ instance }) => instance.name },
  { key: 'launch_index', since: FOLSOM, value: ({ instance }) => instance.launchIndex },
  { key: 'availability_zone', since: FOLSOM, value: ({ instance }) => instance.availabilityZone },
  // Placeholder: the value is spliced in per request (seeded-document.ts).
  { key: RANDOM_SEED_KEY, since: GRIZZLY, value: () => '' },
  { key: 'project_id', since: LIBERTY, value: ({ instance }) => instance.projectId },
  {
    key: 'devices',
    since: NEWTON_ONE,
    value: ({ instance, version }) => deviceMetadata(instance.devices, version),
  },
  // The pinned host CPUs, sorted; [] when unpinned.
  { key: 'dedicated_cpus', since: VICTORIA, value: ({ instance }) => sortedUnique(instance.dedicatedCpus) },
];

/**
 * The document as bytes, or — from 2013-04-04, when it carries random_seed — as the two parts
 * around the seed (withSeed() completes a response).
 */
export function metaDataJson(
  record: InstanceRecord,
  version: OpenstackVersion,
  opts: Pick<MetadataOptions, 'dhcpDomain'>,
): Buffer | SeededParts {
  const entries: Array<[string, JsonValue]> = [];
  for (const field of FIELDS) {
    if (!openstackAtLeast(version, field.since)) continue;
    const value = field.value({ instance: record.instance, version, opts });
    if (value !== undefined) entries.push([field.key, value]);
  }
  const seedAt = entries.findIndex(([key]) => key === RANDOM_SEED_KEY);
  if (seedAt < 0) return Buffer.from(pythonJson(new Map(entries)));
  return seededParts(new Map(entries.slice(0, seedAt)), RANDOM_SEED_KEY, new Map(entries.slice(seedAt + 1)));
}

function nonEmpty(metadata: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

function publicKeys(instance: Instance): JsonValue | undefined {
  const first = instance.keypairs[0];
  return first === undefined ? undefined : new Map([[first.name, first.publicKey]]);
}

function keys(instance: Instance): JsonValue | undefined {
  if (instance.keypairs.length === 0) return undefined;
  return instance.keypairs.map(
    (k) =>
      new Map([
        ['name', k.name],
        ['type', k.type],
        ['data', k.publicKey],
      ]),
  );
}

function sortedUnique(cpus: readonly number[]): number[] {
  return [...new Set(cpus)].sort((a, b) => a - b);
}
