// Puts an InstanceRecord (e.g. the Nova conformance instance from test/fixtures/nova-web-1.ts) into a
// store as one transaction: its networks (and any router they name), the EC2 image ids pinned to the
// numbers the record shows (so ami-00000003 comes out as Nova printed it), the instance with its
// pinned i-%08x number, its ports in VIF order, and its password when it has one.
import type { Instance } from '../../src/model/instance.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import type { Network } from '../../src/model/network.js';
import type { InstanceInput, Store } from '../../src/store/store.js';

/** The caller-owned part of an instance, as putInstance takes it, with its EC2 number pinned. */
export function instanceInput(instance: Instance): InstanceInput {
  const {
    ec2ImageId: _image,
    ec2KernelId: _kernel,
    ec2RamdiskId: _ramdisk,
    revision: _revision,
    password: _password,
    ...input
  } = instance;
  return input;
}

export function putRecord(store: Store, record: InstanceRecord): Instance {
  const { instance } = record;
  return store.transaction(() => {
    const networks = new Map<string, Network>();
    for (const { network } of record.ports) networks.set(network.id, network);
    for (const network of networks.values()) {
      if (network.routerId !== null && store.findRouter(network.routerId) === undefined) {
        store.putRouter({ id: network.routerId, name: `router-${network.routerId}` });
      }
      store.putNetwork(network);
    }
    // Image pins go first: putInstance assigns the next free number to an image it has not seen.
    const images: Array<[string | null, number | null]> = [
      [instance.imageId, instance.ec2ImageId],
      [instance.kernelId, instance.ec2KernelId],
      [instance.ramdiskId, instance.ec2RamdiskId],
    ];
    for (const [imageId, ec2Id] of images) {
      if (imageId !== null && ec2Id !== null) store.pinEc2Image({ imageId, ec2Id });
    }
    store.putInstance(instanceInput(instance));
    for (const { port } of record.ports) store.putPort(port);
    if (instance.password !== null) store.setPassword(instance.uuid, instance.password);
    return store.findInstance(instance.uuid)!;
  });
}
