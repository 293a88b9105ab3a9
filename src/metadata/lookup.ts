// The dispatcher: a normalised path (normalize-path.ts) → what to answer
// (nova/api/metadata/base.py InstanceMetadata.lookup, reference/openstack-metadata.md §2.3, §2.5).
import type { InstanceRecord } from '../model/instance-record.js';
import { ec2VersionListing, resolveEc2Version, type Ec2Version } from './ec2-versions.js';
import { ec2Tree } from './ec2-tree.js';
import { findPath } from './find-path.js';
import type { Ec2Dir, Ec2Node } from './ec2-node.js';
import { instanceIdentityTree } from './instance-identity.js';
import { listing } from './listing.js';
import type { MetadataOptions } from './metadata-options.js';
import { NOT_FOUND, textDocument, type MetadataResult } from './metadata-result.js';
import { openstackFile } from './openstack-routes.js';
import { openstackVersionListing, resolveOpenstackVersion } from './openstack-versions.js';

export type { MetadataResult } from './metadata-result.js';

/** The normalised path Nova answers before identifying the instance (handler.py __call__). */
export const ROOT_PATH = '/';

/** GET / : the EC2 version list, served to anyone (text/plain; charset=UTF-8). */
export function rootListing(): MetadataResult {
  return textDocument(ec2VersionListing().join('\n'));
}

// The first segment picks the tree; anything but "ec2" or "openstack" is EC2 with "/ec2" implied,
// which is why /ec2/latest/... is an alias of /latest/....
const TREES: Readonly<Record<string, TreeLookup>> = {
  ec2: lookupEc2,
  openstack: lookupOpenstack,
};

type TreeLookup = (
  record: InstanceRecord,
  tokens: string[],
  opts: MetadataOptions,
  trees: Ec2TreeMemo | undefined,
) => MetadataResult;

/**
 * EC2 trees already built for one record, kept by the caller for as long as that record object is
 * unchanged. cloud-init asks ~20 paths of the same tree per boot; building it (addresses parsed,
 * hostname, block devices) once instead of per path makes rendering an uncached instance cheap.
 */
export type Ec2TreeMemo = Map<string, Ec2Dir>;

export function lookupMetadata(
  record: InstanceRecord,
  normalizedPath: string,
  opts: MetadataOptions,
  trees?: Ec2TreeMemo,
): MetadataResult {
  const tokens = normalizedPath
    .split('/')
    .slice(1)
    .filter((t) => t !== '');
  const [first = '', ...rest] = tokens;
  if (Object.hasOwn(TREES, first)) return TREES[first]!(record, rest, opts, trees);
  return lookupEc2(record, tokens, opts, trees);
}

// /ec2 lists the versions; /<v>/... walks the version's tree.
function lookupEc2(
  record: InstanceRecord,
  tokens: string[],
  opts: MetadataOptions,
  trees: Ec2TreeMemo | undefined,
): MetadataResult {
  const [name, ...path] = tokens;
  if (name === undefined) return rootListing();
  const version = resolveEc2Version(name);
  if (version === undefined) return NOT_FOUND;
  if (path[0] === 'dynamic') return walk(instanceIdentityTree(record), path.slice(1));
  return walk(memoEc2Tree(record, version, opts, trees), path);
}

function memoEc2Tree(
  record: InstanceRecord,
  version: Ec2Version,
  opts: MetadataOptions,
  trees: Ec2TreeMemo | undefined,
): Ec2Dir {
  if (trees === undefined) return ec2Tree(record, version, opts);
  // Every option the tree reads is in the key.
  const key = `${version}\n${opts.dhcpDomain}\n${opts.requestAddress ?? ''}`;
  let tree = trees.get(key);
  if (tree === undefined) {
    tree = ec2Tree(record, version, opts);
    trees.set(key, tree);
  }
  return tree;
}

function walk(root: Ec2Node, path: string[]): MetadataResult {
  const node = findPath(root, path);
  return node === undefined ? NOT_FOUND : textDocument(listing(node));
}

// /openstack lists the versions not dated in the future; /openstack/content/NNNN would be injected
// content, of which the API service has none (no network template is rendered, and personality
// files exist only on config drives): not found, as Nova answers for a missing key.
function lookupOpenstack(record: InstanceRecord, tokens: string[], opts: MetadataOptions): MetadataResult {
  const [name, ...path] = tokens;
  if (name === undefined) return textDocument(openstackVersionListing(opts.today).join('\n'));
  if (name === 'content') return NOT_FOUND;
  const version = resolveOpenstackVersion(name);
  if (version === undefined) return NOT_FOUND;
  return openstackFile(record, version, path.length === 0 ? 'version' : path.join('/'), opts);
}
