// Human and JSON output of a doctor run. Roots first (errors before warnings before info), each with
// its consequences folded under it, so one cause is said once, not as a wall of noise.
import { CATALOG } from './catalog.js';
import type { DoctorReport, Finding, Severity } from './finding.js';

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const LABEL: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING', info: 'info' };

/** Roots (findings that are not a consequence of another finding present in the report), sorted. */
export function rootFindings(report: DoctorReport): Finding[] {
  const ids = new Set(report.findings.map((f) => f.id));
  return report.findings
    .filter((f) => f.consequenceOf === undefined || !ids.has(f.consequenceOf))
    .sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

export function formatReport(report: DoctorReport): string {
  if (report.findings.length === 0) return 'No problems found.\n';
  const lines: string[] = [];
  for (const root of rootFindings(report)) {
    lines.push(`${LABEL[root.severity]} ${root.id}: ${root.summary}`);
    for (const e of root.evidence) lines.push(`    seen: ${e}`);
    lines.push(`    fix:  ${root.fix}`);
    const consequences = report.findings.filter((f) => f.consequenceOf === root.id);
    for (const c of consequences) lines.push(`    consequence: ${c.id}: ${c.summary}`);
    lines.push('');
  }
  const problems = report.findings.filter(
    (f) => f.severity !== 'info' && !isFoldedConsequence(report, f),
  ).length;
  lines.push(
    problems === 0
      ? 'No problems found (only information above).'
      : `${problems} problem${problems === 1 ? '' : 's'} found. Details of each id: docs/doctor.md`,
  );
  return lines.join('\n') + '\n';
}

export function formatReportJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

function isFoldedConsequence(report: DoctorReport, f: Finding): boolean {
  return f.consequenceOf !== undefined && report.findings.some((r) => r.id === f.consequenceOf);
}

/** A finding with the catalog's fix text unless the check gives a more specific one. */
export function finding(
  id: keyof typeof CATALOG,
  severity: Severity,
  summary: string,
  evidence: string[],
  fix?: string,
  consequenceOf?: keyof typeof CATALOG,
): Finding {
  return {
    id,
    severity,
    summary,
    evidence,
    fix: fix ?? CATALOG[id].fix,
    ...(consequenceOf === undefined ? {} : { consequenceOf }),
  };
}
