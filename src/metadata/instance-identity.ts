// /<ec2-version>/dynamic/instance-identity/document: an openimds extension (Nova has no `dynamic`
// tree). cloud-init on platform "aws" walks it after the meta-data tree; without it, 22.4 retries the
// path six times a second apart, twice per boot (reference/cloud-init-client.md §3.3), ~10 s lost.
// Served but listed nowhere, so every Nova listing stays byte-identical. Field names as AWS's
// identity document; values from the instance (no signature: nothing here is signed).
import type { InstanceRecord } from '../model/instance-record.js';
import { ec2Id } from './ec2-id.js';
import type { Ec2Dir } from './ec2-node.js';
import { firstFixedIpv4 } from './ec2-tree.js';

export function instanceIdentityTree(record: InstanceRecord): Ec2Dir {
  return new Map([['instance-identity', new Map([['document', identityDocument(record)]])]]);
}

function identityDocument(record: InstanceRecord): string {
  const i = record.instance;
  const zone = i.availabilityZone ?? 'nova';
  const doc = {
    accountId: i.projectId,
    architecture: 'x86_64',
    availabilityZone: zone,
    imageId: i.ec2ImageId === null ? null : ec2Id('ami', i.ec2ImageId),
    instanceId: ec2Id('i', i.ec2Id),
    instanceType: i.flavor,
    kernelId: i.ec2KernelId === null ? null : ec2Id('aki', i.ec2KernelId),
    pendingTime: i.createdAt,
    privateIp: firstFixedIpv4(record) ?? null,
    ramdiskId: i.ec2RamdiskId === null ? null : ec2Id('ari', i.ec2RamdiskId),
    // Nova zones carry no region suffix ("nova"), so the zone is the region.
    region: zone,
    version: '2017-09-30',
  };
  return JSON.stringify(doc, null, 2);
}
