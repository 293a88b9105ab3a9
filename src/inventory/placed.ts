// A parsed entity and where it came from, for messages that name both places of a conflict.
import { formatPath, type PathPart } from './inventory-issue.js';

export interface Placed<T> {
  value: T;
  path: PathPart[];
  /** A name to show next to the path, e.g. the instance's name. */
  label?: string;
  /** False when the item had errors of its own: checks that need its details skip it. */
  complete: boolean;
}

/** `instances[0].ports[1] (web-1)`. */
export function describePlace(place: Placed<unknown>): string {
  const path = formatPath(place.path);
  return place.label === undefined ? path : `${path} (${place.label})`;
}
