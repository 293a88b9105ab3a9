// nova/api/metadata/base.py ec2_md_print (reference/openstack-metadata.md §2.5.1): how every EC2
// value, and the OpenStack version lists, become a response body.
import { EC2_NAME_KEY, type Ec2Dir, type Ec2Node } from './ec2-node.js';

/** The body for one node: directory listing, list lines, raw bytes or the str() of a scalar. */
export function listing(node: Ec2Node): Buffer {
  if (Buffer.isBuffer(node)) return node;
  if (node instanceof Map) return Buffer.from(directoryListing(node));
  if (Array.isArray(node)) return Buffer.from(node.join('\n'));
  return Buffer.from(pythonStr(node as string | number | null));
}

// Keys sorted (Python's str order; code-unit order for the ASCII names Nova uses), `_name` never
// listed, a sub-dict shown as "<key>/" unless it carries `_name`, whose value is shown instead.
// Lines are joined without a final newline (Nova strips the last "\n").
function directoryListing(dir: Ec2Dir): string {
  const lines: string[] = [];
  for (const key of [...dir.keys()].sort()) {
    if (key === EC2_NAME_KEY) continue;
    const value = dir.get(key);
    if (!(value instanceof Map)) lines.push(key);
    else if (value.has(EC2_NAME_KEY)) lines.push(pythonStr(value.get(EC2_NAME_KEY) as string));
    else lines.push(`${key}/`);
  }
  return lines.join('\n');
}

// Python str(): None prints "None", an int in decimal.
function pythonStr(value: string | number | null): string {
  return value === null ? 'None' : String(value);
}
