// How the CLI reports: errors as "error CODE: message" + "hint: …" (or one JSON object with --json),
// exit codes from the error registry (docs/errors.md).
import { CommanderError } from 'commander';
import { EXIT_CODES, ImdsError, toImdsError } from '../errors.js';
import { formatIssue, type InventoryIssue } from '../inventory/inventory-issue.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const PROCESS_IO: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Prints an error for a person (or as JSON) and returns the exit code it maps to. */
export function reportError(err: unknown, io: Io, json: boolean): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CODES.usage;
  const e = toImdsError(err);
  if (json) {
    io.out(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
  } else {
    io.err(`error ${e.code}: ${e.message}\n`);
    for (const line of detailLines(e)) io.err(`  ${line}\n`);
    if (e.hint !== undefined) io.err(`hint: ${e.hint}\n`);
    if (e.code === 'INTERNAL' && err instanceof Error && err.stack) io.err(err.stack + '\n');
  }
  return e.exitCode;
}

function detailLines(e: ImdsError): string[] {
  const d = e.details as { issues?: unknown } | unknown[] | undefined;
  const list = Array.isArray(d)
    ? d
    : Array.isArray((d as { issues?: unknown })?.issues)
      ? (d as { issues: unknown[] }).issues
      : [];
  return list.map((x) => (typeof x === 'string' ? x : isIssue(x) ? formatIssue(x) : JSON.stringify(x)));
}

function isIssue(x: unknown): x is InventoryIssue {
  return typeof x === 'object' && x !== null && 'file' in x && 'path' in x && 'message' in x;
}

/** A fixed-width table for list commands. */
export function table(rows: string[][], headers: string[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
