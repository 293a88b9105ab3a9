// Splits a guest bundle (guest-script.ts) into its sections, bounded before anything is parsed: a
// bundle may be huge, truncated, binary or not a bundle at all, and none of that may throw.
import { BUNDLE_MAGIC } from './guest-script.js';

/** Bytes of a bundle that are read; the rest is ignored (and said so). */
export const BUNDLE_MAX_BYTES = 4 * 1024 * 1024;
/** Lines kept per section (a lease directory or a neighbour table can be long). */
export const SECTION_MAX_LINES = 4000;
/** Characters kept per line. */
const LINE_MAX_CHARS = 1000;

export interface BundleSections {
  /** Section name → its lines (without the "=== name ===" line). */
  sections: Map<string, string[]>;
  /** The bundle starts with the script's first line. */
  hasMagic: boolean;
  /** Bytes beyond BUNDLE_MAX_BYTES were ignored. */
  truncated: boolean;
  /** The input had NUL bytes or other control characters (binary, or a damaged file). */
  binary: boolean;
}

const SECTION_LINE = /^=== ([a-z0-9-]+(?: [0-9]+)?) ===\s*$/;

export function bundleSections(input: string | Uint8Array): BundleSections {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  const truncated = bytes.length > BUNDLE_MAX_BYTES;
  const raw = bytes.subarray(0, BUNDLE_MAX_BYTES).toString('utf8');
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
  const binary = controls.test(raw);
  const text = raw.replace(controls, ' ').replace(/\r\n?/g, '\n');
  const sections = new Map<string, string[]>();
  let hasMagic = false;
  let current: string[] | undefined;
  for (const full of text.split('\n')) {
    const line = full.length > LINE_MAX_CHARS ? full.slice(0, LINE_MAX_CHARS) : full;
    const header = SECTION_LINE.exec(line.trim());
    if (header) {
      if (line.trim() === BUNDLE_MAGIC) {
        hasMagic = true;
        current = undefined;
        continue;
      }
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    if (current !== undefined && current.length < SECTION_MAX_LINES) current.push(line);
  }
  return { sections, hasMagic, truncated, binary };
}

/** The "## key: value" notes the script writes into a section (source, tool, exit, missing…). */
export function sectionNotes(lines: readonly string[], key: string): string[] {
  const prefix = `## ${key}:`;
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
}

/** The lines of a section that are output, not the script's notes. */
export function outputLines(lines: readonly string[]): string[] {
  return lines.filter((l) => !l.startsWith('## ') && l.trim() !== '');
}
