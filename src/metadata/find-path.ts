// nova/api/metadata/base.py find_path_in_tree: walk the EC2 tree one path token at a time.
import type { Ec2Node } from './ec2-node.js';

/**
 * The node at `tokens` below `root`, or undefined. Nova raises KeyError (404) for a missing name
 * and TypeError (a 500 from the WSGI server) for one token into a list, str, int or bytes;
 * openimds answers both with not found, so only dicts are descended into.
 */
export function findPath(root: Ec2Node, tokens: readonly string[]): Ec2Node | undefined {
  let node: Ec2Node | undefined = root;
  for (const token of tokens) {
    if (!(node instanceof Map) || !node.has(token)) return undefined;
    node = node.get(token);
  }
  return node;
}
