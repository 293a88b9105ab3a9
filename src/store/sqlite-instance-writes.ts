// Writes of instances, their EC2 ids and their write-once password. Each runs inside the store's
// write transaction (BEGIN IMMEDIATE), which is what makes the password write-once across processes.
import type { Instance } from '../model/instance.js';
import type { SqliteContext } from './sqlite-context.js';
import { instanceToRow, type InstanceRow } from './sqlite-rows.js';
import type { Ec2ImageMapping, InstanceInput, PasswordResult } from './store.js';
import { checkNameFree, checkPassword, checkRequired, checkUserData } from './store-checks.js';

export function putInstance(c: SqliteContext, input: InstanceInput): Instance {
  checkRequired('instance', 'uuid', input.uuid);
  checkRequired('instance', 'name', input.name);
  const userData = checkUserData(input.name, input.userData);
  checkNameFree('instance', input.uuid, input.name, c.s.uuidByName.get(input.name));
  const existing = c.s.instanceByUuid.get(input.uuid);
  const instance = instanceFromInput(input, {
    ec2Id: instanceEc2Id(c, input, existing),
    ec2ImageId: imageEc2Id(c, input.imageId),
    ec2KernelId: imageEc2Id(c, input.kernelId),
    ec2RamdiskId: imageEc2Id(c, input.ramdiskId),
    // Created once: a replace that does not say otherwise keeps the first time.
    createdAt: input.createdAt ?? existing?.created_at ?? c.now().toISOString(),
    password: existing?.password ?? null,
    userData,
    revision: c.mark(),
  });
  c.s.upsertInstance.run(instanceToRow(instance));
  return instance;
}

export function deleteInstance(c: SqliteContext, uuid: string): boolean {
  // Ports and their addresses go with it (ON DELETE CASCADE). The EC2 id mapping stays, as in Nova.
  if (c.s.deleteInstance.run(uuid).changes === 0) return false;
  c.mark();
  return true;
}

export function pinEc2Image(c: SqliteContext, mapping: Ec2ImageMapping): void {
  checkRequired('image id mapping', 'image id', mapping.imageId);
  const inUse = () => c.s.imageInUse.get(mapping.imageId) !== undefined;
  if (c.ec2.image.pin(mapping.imageId, mapping.ec2Id, inUse)) c.mark();
}

export function setPassword(c: SqliteContext, uuid: string, password: string): PasswordResult {
  checkPassword(uuid, password);
  const row = c.s.passwordOf.get(uuid);
  if (row === undefined) return 'no-such-instance';
  if (row.password !== null) return 'already-set';
  return c.s.storePassword.run(password, c.mark(), uuid).changes === 1 ? 'stored' : 'already-set';
}

export function clearPassword(c: SqliteContext, uuid: string): boolean {
  const row = c.s.passwordOf.get(uuid);
  if (row === undefined) return false;
  if (row.password !== null) c.s.clearPassword.run(c.mark(), uuid);
  return true;
}

/** Kept on replace; a pin is honoured, and may move the number only while no instance has the uuid. */
function instanceEc2Id(c: SqliteContext, input: InstanceInput, existing: InstanceRow | undefined): number {
  if (input.ec2Id === undefined) return existing?.ec2_id ?? c.ec2.instance.assign(input.uuid);
  c.ec2.instance.pin(input.uuid, input.ec2Id, () => existing !== undefined);
  return input.ec2Id;
}

function imageEc2Id(c: SqliteContext, imageUuid: string | null): number | null {
  return imageUuid === null || imageUuid === undefined ? null : c.ec2.image.assign(imageUuid);
}

type StoreOwned = Pick<
  Instance,
  'ec2Id' | 'ec2ImageId' | 'ec2KernelId' | 'ec2RamdiskId' | 'createdAt' | 'password' | 'userData' | 'revision'
>;

/** Field by field, so nothing the caller added beyond the model reaches the row. */
function instanceFromInput(input: InstanceInput, owned: StoreOwned): Instance {
  return {
    uuid: input.uuid,
    name: input.name,
    hostname: input.hostname,
    projectId: input.projectId,
    availabilityZone: input.availabilityZone,
    launchIndex: input.launchIndex,
    flavor: input.flavor,
    imageId: input.imageId,
    kernelId: input.kernelId,
    ramdiskId: input.ramdiskId,
    reservationId: input.reservationId,
    metadata: input.metadata,
    keypairs: input.keypairs,
    securityGroups: input.securityGroups,
    rootDeviceName: input.rootDeviceName,
    defaultEphemeralDevice: input.defaultEphemeralDevice,
    defaultSwapDevice: input.defaultSwapDevice,
    blockDevices: input.blockDevices,
    devices: input.devices,
    dedicatedCpus: input.dedicatedCpus,
    vendorData: input.vendorData,
    tags: input.tags,
    httpTokens: input.httpTokens,
    ...owned,
  };
}
