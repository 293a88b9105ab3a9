// EC2-style ids (nova/api/ec2/ec2utils.py id_to_ec2_id: template % id, e.g. "i-%08x"). The integer
// comes from Nova's mapping tables (instance_id_mappings, s3_images); the store assigns ours.

/** "<prefix>-" + the id in lower-case hex, zero-padded to 8 digits (longer ids keep every digit). */
export function ec2Id(prefix: 'i' | 'ami' | 'aki' | 'ari', id: number): string {
  return `${prefix}-${id.toString(16).padStart(8, '0')}`;
}
