// Values the diff generates when the file gives none and the store has none to keep.
import type { DiffGenerators } from './inventory-plan.js';

/** OpenStack's default base_mac prefix (Neutron [DEFAULT] base_mac = fa:16:3e:00:00:00). */
const MAC_PREFIX = 'fa:16:3e';
const MAC_ATTEMPTS = 1000;
const RESERVATION_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** fa:16:3e:xx:xx:xx, not in `taken`. */
export function generateMac(gen: DiffGenerators, taken: ReadonlySet<string>): string {
  for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
    const bytes = gen.randomBytes(3);
    const mac = [MAC_PREFIX, ...[...bytes.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'))].join(
      ':',
    );
    if (!taken.has(mac)) return mac;
  }
  throw new Error(`Cannot generate a free MAC after ${MAC_ATTEMPTS} attempts: is randomBytes random?`);
}

/** Nova's form: "r-" and 8 of [0-9a-z]. */
export function generateReservationId(gen: DiffGenerators): string {
  const bytes = gen.randomBytes(8);
  return `r-${[...bytes.subarray(0, 8)].map((b) => RESERVATION_ALPHABET[b % 36]).join('')}`;
}
