// One problem found in an inventory, named by its document path (instances[2].ports[0].ip) so an
// operator can find it in any editor; the line is added where the YAML parser knows it.

export type PathPart = string | number;

export interface InventoryIssue {
  /** The inventory file, as the caller named it. */
  file: string;
  /** Document path, e.g. "instances[2].ports[0].ip"; "" for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
}

/** ["instances", 2, "ports", 0, "ip"] → "instances[2].ports[0].ip". */
export function formatPath(parts: readonly PathPart[]): string {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? part : `.${part}`;
  }
  return text;
}

/** "inventory.yaml: instances[2].ports[0].ip: …", or "inventory.yaml:3:5: …" for a syntax error. */
export function formatIssue(issue: InventoryIssue): string {
  if (issue.path !== '') return `${issue.file}: ${issue.path}: ${issue.message}`;
  if (issue.line !== undefined) return `${issue.file}:${issue.line}:${issue.column ?? 1}: ${issue.message}`;
  return `${issue.file}: ${issue.message}`;
}

/** Collects issues while a parser walks the document, so every error is reported at once. */
export class IssueList {
  readonly items: Array<{ path: readonly PathPart[]; message: string }> = [];

  add(path: readonly PathPart[], message: string): void {
    this.items.push({ path, message });
  }

  get count(): number {
    return this.items.length;
  }
}
