// meta_data.json carries random_seed, fresh random bytes on every request even when Nova serves the
// rest from its cache (reference/openstack-metadata.md §2.7, §2.15). We render the document once,
// split around the seed's value, and splice a new seed into each response.
import { pythonJson, pythonJsonString, type JsonValue } from './python-json.js';

export interface SeededParts {
  before: Buffer;
  after: Buffer;
}

/** Nova: base64 of 512 bytes from os.urandom, i.e. 684 characters. */
export const RANDOM_SEED_BYTES = 512;

/**
 * The bytes of `{...before, "<seedKey>": "<seed>", ...after}` up to and after the seed's base64
 * text. Built from the two halves' own serialisations, so no marker can collide with user data.
 */
export function seededParts(
  before: ReadonlyMap<string, JsonValue>,
  seedKey: string,
  after: ReadonlyMap<string, JsonValue>,
): SeededParts {
  const head = pythonJson(before).slice(0, -1); // "{...", without the closing brace
  const tail = pythonJson(after).slice(1); // "...}", without the opening brace
  return {
    before: Buffer.from(`${head}${before.size > 0 ? ', ' : ''}${pythonJsonString(seedKey)}: "`),
    after: Buffer.from(`"${after.size > 0 ? ', ' : ''}${tail}`),
  };
}

/** The full body for one response: base64 needs no JSON escaping, so it goes in verbatim. */
export function withSeed(parts: SeededParts, seed: Buffer): Buffer {
  return Buffer.concat([parts.before, Buffer.from(seed.toString('base64')), parts.after]);
}
