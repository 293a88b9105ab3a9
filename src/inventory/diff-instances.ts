// Instances: matched by uuid when the file gives one, else by name. What the file omits and the
// store generated (uuid, reservation id, EC2 id, creation time) is kept.
import type { Instance } from '../model/instance.js';
import type { InstanceInput } from '../store/store.js';
import type { DesiredInstance } from './desired-inventory.js';
import { formatEc2Id } from './ec2-id.js';
import { generateReservationId } from './generate-values.js';
import type { DiffGenerators, FieldChange, PlanStep } from './inventory-plan.js';
import { matchEntities } from './match-entities.js';
import { sameShape, sameValue } from './same-value.js';

export interface InstanceDiff {
  /** Each desired instance as it will be stored, with its stored match (undefined: new). */
  resolved: Array<{ input: InstanceInput; match: Instance | undefined }>;
  writes: PlanStep[];
  deletes: PlanStep[];
}

/** Model field → inventory key, in the order the plan lists changes. */
const FIELDS: ReadonlyArray<[keyof InstanceInput, string]> = [
  ['name', 'name'],
  ['hostname', 'hostname'],
  ['projectId', 'project_id'],
  ['availabilityZone', 'availability_zone'],
  ['launchIndex', 'launch_index'],
  ['flavor', 'flavor'],
  ['imageId', 'image_id'],
  ['kernelId', 'kernel_id'],
  ['ramdiskId', 'ramdisk_id'],
  ['reservationId', 'reservation_id'],
  ['metadata', 'metadata'],
  ['keypairs', 'keys'],
  ['securityGroups', 'security_groups'],
  ['rootDeviceName', 'root_device_name'],
  ['defaultEphemeralDevice', 'default_ephemeral_device'],
  ['defaultSwapDevice', 'default_swap_device'],
  ['blockDevices', 'block_devices'],
  ['devices', 'devices'],
  ['dedicatedCpus', 'dedicated_cpus'],
  ['userData', 'user_data'],
  ['vendorData', 'vendor_data'],
  ['tags', 'tags'],
  ['httpTokens', 'http_tokens'],
];
/** Rendered by Nova in a fixed key order: the order of keys in the file does not matter. */
const SHAPE_FIELDS = new Set<keyof InstanceInput>(['keypairs', 'blockDevices', 'devices']);

export function diffInstances(
  stored: readonly Instance[],
  desired: readonly DesiredInstance[],
  gen: DiffGenerators,
): InstanceDiff {
  const { matches, unmatched } = matchEntities(stored, desired, {
    storedId: (s) => s.uuid,
    storedName: (s) => s.name,
    desiredId: (d) => d.uuid,
    desiredName: (d) => d.name,
  });
  const resolved = desired.map((d, i) => ({ input: resolveInstance(d, matches[i], gen), match: matches[i] }));
  const unmatchedByName = new Map(unmatched.map((s) => [s.name, s]));
  const desiredNames = new Set(desired.map((d) => d.name));
  const writes: PlanStep[] = [];
  for (const { input, match } of resolved) {
    if (match === undefined) {
      const old = unmatchedByName.get(input.name);
      const changes = old === undefined ? [] : [{ key: 'uuid', from: old.uuid, to: input.uuid }];
      const replace = old === undefined ? {} : { replace: { reason: 'new uuid' } };
      writes.push({ kind: 'instance', action: 'create', instance: input, changes, ...replace });
      continue;
    }
    const changes = instanceChanges(match, input);
    if (changes.length > 0) writes.push({ kind: 'instance', action: 'update', instance: input, changes });
  }
  const deletes: PlanStep[] = unmatched.map(({ uuid, name }) => ({
    kind: 'instance',
    action: 'delete',
    instance: { uuid, name },
    changes: [],
    ...(desiredNames.has(name) ? { replace: { reason: 'new uuid' } } : {}),
  }));
  return { resolved, writes, deletes };
}

function resolveInstance(
  d: DesiredInstance,
  match: Instance | undefined,
  gen: DiffGenerators,
): InstanceInput {
  const { ports: _ports, uuid, reservationId, createdAt, ec2Id, ...fields } = d;
  const input: InstanceInput = {
    ...fields,
    uuid: uuid ?? match?.uuid ?? gen.newId(),
    reservationId: reservationId ?? match?.reservationId ?? generateReservationId(gen),
  };
  // Omitted: the store keeps the stored value (or makes one for a new instance).
  if (createdAt !== undefined) input.createdAt = createdAt;
  if (ec2Id !== undefined) input.ec2Id = ec2Id;
  return input;
}

function instanceChanges(stored: Instance, input: InstanceInput): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, key] of FIELDS) {
    const same = SHAPE_FIELDS.has(field) ? sameShape : sameValue;
    if (!same(stored[field as keyof Instance], input[field])) {
      changes.push({ key, from: stored[field as keyof Instance], to: input[field] });
    }
  }
  if (input.ec2Id !== undefined && input.ec2Id !== stored.ec2Id) {
    changes.push({ key: 'ec2_id', from: formatEc2Id('i', stored.ec2Id), to: formatEc2Id('i', input.ec2Id) });
  }
  // Compared as instants: "…T12:00:00Z" and "…T12:00:00.000Z" are the same time.
  if (input.createdAt !== undefined && Date.parse(input.createdAt) !== Date.parse(stored.createdAt)) {
    changes.push({ key: 'created_at', from: stored.createdAt, to: input.createdAt });
  }
  return changes;
}
