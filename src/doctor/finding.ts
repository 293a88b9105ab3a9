// What the doctor reports: a finding names a cause (stable id), how sure we are (severity), what we
// saw (evidence) and what to type to fix it. When one failure explains others, the others name it in
// `consequenceOf` and the report shows the root once, with its consequences folded under it.
import type { FindingId } from './catalog.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** One line: what is wrong, with the values ("guest 10.0.0.5 ARPs for 169.254.169.254 …"). */
  summary: string;
  /** What was read that shows it (command output lines, config lines, file paths). */
  evidence: string[];
  /** What to do: concrete commands or settings. */
  fix: string;
  /** The id of a root finding in the same report that explains this one. */
  consequenceOf?: FindingId;
}

/** The JSON the CLI prints with --json (issue 5 §4). */
export interface DoctorReport {
  findings: Finding[];
}

/** Something wrong: an error or a warning (info findings are not). Exit code 1 when any. */
export function hasProblems(report: DoctorReport): boolean {
  return report.findings.some((f) => f.severity !== 'info');
}
