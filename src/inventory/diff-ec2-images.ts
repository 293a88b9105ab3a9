// EC2 image pins: a pin the store already shows (through an instance using the image) is no step.
import type { Instance } from '../model/instance.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Ec2ImageMapping } from '../store/store.js';
import { formatEc2Id } from './ec2-id.js';
import type { PlanStep } from './inventory-plan.js';

export function diffEc2Images(
  current: Snapshot,
  desired: readonly Ec2ImageMapping[],
  instances: readonly Pick<Instance, 'kernelId' | 'ramdiskId'>[],
): PlanStep[] {
  const known = knownEc2Images(current);
  const kernels = new Set(instances.map((i) => i.kernelId));
  const ramdisks = new Set(instances.map((i) => i.ramdiskId));
  return desired.flatMap((mapping): PlanStep[] => {
    const stored = known.get(mapping.imageId);
    if (stored === mapping.ec2Id) return [];
    // Shown with the prefix the guest will see: aki- for kernels, ari- for ramdisks, else ami-.
    const prefix = kernels.has(mapping.imageId) ? 'aki' : ramdisks.has(mapping.imageId) ? 'ari' : 'ami';
    const from = stored === undefined ? null : formatEc2Id(prefix, stored);
    const change = { key: 'ec2_id', from, to: formatEc2Id(prefix, mapping.ec2Id) };
    return [
      { kind: 'ec2-image', action: stored === undefined ? 'create' : 'update', mapping, changes: [change] },
    ];
  });
}

/** Image id → EC2 number, as the instances show them (image, kernel and ramdisk share Nova's s3_images). */
export function knownEc2Images(snapshot: Snapshot): Map<string, number> {
  const known = new Map<string, number>();
  for (const { instance: i } of snapshot.instances) {
    if (i.imageId !== null && i.ec2ImageId !== null) known.set(i.imageId, i.ec2ImageId);
    if (i.kernelId !== null && i.ec2KernelId !== null) known.set(i.kernelId, i.ec2KernelId);
    if (i.ramdiskId !== null && i.ec2RamdiskId !== null) known.set(i.ramdiskId, i.ec2RamdiskId);
  }
  return known;
}
