// instances[i].keys: the instance's keypairs; the first one is its key_name (EC2 public-keys/0).
import type { Keypair } from '../model/instance.js';
import { INSTANCE_DEFAULTS } from './instance-defaults.js';
import { formatPath, type IssueList, type PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';
import { readList } from './read-list.js';

const KEY_TYPES: readonly Keypair['type'][] = ['ssh', 'x509'];

export function readKeypairs(instance: MapReader, issues: IssueList): Keypair[] | undefined {
  const keys = readList(instance, 'keys', issues, parseKeypair);
  if (keys === undefined) return undefined;
  const seen = new Map<string, number>();
  let ok = true;
  keys.forEach((key, i) => {
    const first = seen.get(key.name);
    if (first === undefined) seen.set(key.name, i);
    else {
      ok = false;
      const place = formatPath([...instance.at('keys'), first]);
      issues.add([...instance.at('keys'), i, 'name'], `"${key.name}" is already the name of ${place}`);
    }
  });
  return ok ? keys : undefined;
}

function parseKeypair(value: unknown, path: readonly PathPart[], issues: IssueList): Keypair | undefined {
  const r = new MapReader(value, path, issues, ['name', 'type', 'public_key']);
  if (!r.ok) return undefined;
  const name = r.string('name', true);
  const type = r.oneOf('type', KEY_TYPES) ?? INSTANCE_DEFAULTS.keyType;
  const publicKey = r.string('public_key', true);
  // With its name, a key with other errors still takes part in the duplicate-name check.
  return name === undefined ? undefined : { name, type, publicKey: publicKey ?? '' };
}
