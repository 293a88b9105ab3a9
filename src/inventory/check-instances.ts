// Checks across instances and EC2 image pins: unique names, uuids and EC2 ids; every pinned image
// used by some instance (the store only shows a pin through an instance that uses it).
import type { Ec2ImageMapping } from '../store/store.js';
import { checkUnique } from './check-unique.js';
import type { DesiredInstance } from './desired-inventory.js';
import { formatEc2Id } from './ec2-id.js';
import type { IssueList } from './inventory-issue.js';
import { describePlace, type Placed } from './placed.js';

export function checkInstances(
  instances: readonly Placed<DesiredInstance>[],
  images: readonly Placed<Ec2ImageMapping>[],
  issues: IssueList,
): void {
  checkUnique(instances, 'name', (i) => i.name, issues);
  checkUnique(instances, 'uuid', (i) => i.uuid, issues);
  checkUnique(
    instances,
    'ec2_id',
    (i) => (i.ec2Id === undefined ? undefined : formatEc2Id('i', i.ec2Id)),
    issues,
    'EC2 id',
  );
  checkUnique(images, 'image_id', (m) => m.imageId, issues, 'image id');
  checkEc2Numbers(images, issues);
  // An instance with errors may have lost its image_id: the pins are then checked on the next run.
  if (instances.some((i) => !i.complete)) return;
  const used = new Set(instances.flatMap(({ value: i }) => [i.imageId, i.kernelId, i.ramdiskId]));
  for (const image of images) {
    if (used.has(image.value.imageId)) continue;
    const message = `"${image.value.imageId}" is not the image_id, kernel_id or ramdisk_id of any instance: remove the pin`;
    issues.add([...image.path, 'image_id'], message);
  }
}

/** ami-, aki- and ari- ids are one sequence in Nova (s3_images): one number, one image. */
function checkEc2Numbers(images: readonly Placed<Ec2ImageMapping>[], issues: IssueList): void {
  const seen = new Map<number, Placed<Ec2ImageMapping>>();
  for (const image of images) {
    const first = seen.get(image.value.ec2Id);
    if (first === undefined) {
      seen.set(image.value.ec2Id, image);
      continue;
    }
    const place = describePlace({ ...first, label: first.value.imageId });
    const number = formatEc2Id('ami', image.value.ec2Id).slice(4);
    issues.add(
      [...image.path, 'ec2_id'],
      `number ${number} is already pinned by ${place}: ami-, aki- and ari- ids share one sequence`,
    );
  }
}
