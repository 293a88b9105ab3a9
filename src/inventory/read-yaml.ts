// The YAML stage: text → plain value, or the syntax errors with line:column; and, for later
// issues, the line of a document path (cheap: the parser already knows every node's offset).
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { PathPart } from './inventory-issue.js';

export interface YamlIssue {
  message: string;
  line: number;
  column: number;
}

export type YamlResult =
  | {
      ok: true;
      value: unknown;
      locate: (path: readonly PathPart[]) => { line: number; column: number } | undefined;
    }
  | { ok: false; issues: YamlIssue[] };

/** Alias expansion cap: a "billion laughs" document fails instead of eating memory. */
const MAX_ALIAS_COUNT = 100;

export function readYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ message: firstLine(e.message), ...position(e.pos[0]) })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return {
      ok: false,
      issues: [{ message: firstLine(String((err as Error).message)), line: 1, column: 1 }],
    };
  }
  return { ok: true, value, locate: (path) => locate(doc, path, position) };
}

function locate<T>(doc: Document, path: readonly PathPart[], position: (offset: number) => T): T | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) return position(range[0]);
  }
  return undefined;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0]!.trim();
  return line.charAt(0).toLowerCase() + line.slice(1).replace(/[.:]$/, '');
}
