// "0 foreign reads", made checkable: every test instance carries a marker of its own (in its name,
// hostname, metadata and user data), so any response body can be searched for the markers of every
// other instance. A body is either the asking instance's own data or an error — never someone else's.
import { randomBytes } from 'node:crypto';
import type { InstanceInput } from '../../src/store/store.js';
import { sampleInstance } from './sample-instance.js';

export interface Marked {
  /** Short name used in tables and failure messages ("A", "B", …). */
  label: string;
  uuid: string;
  /** A string found nowhere but in this instance's data (same length for all, so none contains another). */
  marker: string;
  input: InstanceInput;
}

/** sampleInstance(n) with a marker in every place a guest can read it back. */
export function markedInstance(n: number, label: string, overrides: Partial<InstanceInput> = {}): Marked {
  const marker = `mk${label.toLowerCase()}${randomBytes(5).toString('hex')}`.slice(0, 14).padEnd(14, 'x');
  const input = sampleInstance(n, {
    name: marker,
    hostname: marker,
    metadata: { owner: marker },
    userData: Buffer.from(`#cloud-config\n# owner: ${marker}\n`),
    ...overrides,
  });
  return { label, uuid: input.uuid, marker, input };
}

/**
 * The instances (other than `owner`) whose data shows in `body`. A uuid counts only when the request
 * did not carry it itself (`sent`), since an error page may echo a header value back.
 */
export function foreignReads(
  body: Buffer | string,
  owner: string | undefined,
  all: readonly Marked[],
  sent = '',
): string[] {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const lowerSent = sent.toLowerCase();
  const lowerText = text.toLowerCase();
  return all
    .filter((m) => m.uuid !== owner)
    .filter(
      (m) =>
        lowerText.includes(m.marker) ||
        (lowerText.includes(m.uuid.toLowerCase()) && !lowerSent.includes(m.uuid.toLowerCase())),
    )
    .map((m) => m.label);
}
