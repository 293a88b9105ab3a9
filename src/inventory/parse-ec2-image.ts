// ec2_images[i]: { image_id, ec2_id: "ami-0000000a" } pins the integer behind ami-/aki-/ari-%08x
// for an image id (Nova's s3_images row), so a cloud migrated from Nova keeps its EC2 ids.
import type { Ec2ImageMapping } from '../store/store.js';
import { parseEc2Id } from './ec2-id.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';

export function parseEc2Image(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): Ec2ImageMapping | undefined {
  const r = new MapReader(value, path, issues, ['image_id', 'ec2_id']);
  if (!r.ok) return undefined;
  const imageId = r.string('image_id', true);
  const text = r.string('ec2_id', true);
  const ec2Id = text === undefined ? undefined : parseEc2Id(text, ['ami', 'aki', 'ari']);
  if (text !== undefined && ec2Id === undefined) {
    r.fail('ec2_id', `"${text}" is not an EC2 image id (expected "ami-", "aki-" or "ari-" and 8 hex digits)`);
  }
  if (imageId === undefined || ec2Id === undefined) return undefined;
  return { imageId, ec2Id };
}
