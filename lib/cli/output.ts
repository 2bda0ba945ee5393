/**
 * What the CLI prints: the results table for people and the one JSON document for machines.
 */
import type { ClassifiedResult, RunReport, Verdict } from '../core/result.ts';
import type { CanaryReport } from '../reports/canary.ts';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Cut longer cells to this width, with an ellipsis. */
  max?: number;
}

/** A plain aligned table: no borders, so it copies cleanly into a ticket. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => clip(c.value(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function clip(s: string, max?: number): string {
  const one = s.replace(/\s+/g, ' ');
  return max && one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function statusOf(r: ClassifiedResult): string {
  if (r.ok) return r.steps.length && r.steps.every((s) => s.status === 'skipped') ? 'skip' : r.attempts > 1 ? 'pass*' : 'pass';
  return 'FAIL';
}

/**
 * One row per probe. `width` is the terminal's: the summary is cut so a row fits it; without
 * a width (a pipe, a file, a log) nothing is cut.
 */
export function resultsTable(results: readonly ClassifiedResult[], width?: number): string {
  return renderTable(results, [
    { header: 'probe', value: (r) => r.probe },
    { header: 'status', value: statusOf },
    { header: 'class', value: (r) => r.class ?? '-' },
    { header: 'owner', value: (r) => r.owner ?? '-' },
    { header: 'duration', value: (r) => `${r.durationMs} ms` },
    { header: 'summary', value: (r) => r.summary, ...(width ? { max: Math.max(30, width - 70) } : {}) },
  ]);
}

export function verdictLine(v: Verdict): string {
  return v.ok ? `OK: ${v.summary}` : `FAIL ${v.class} / ${v.owner}: ${v.summary.replace(/^[a-z]+ \([^)]*\): /, '')}`;
}

/** The canary's verdict line: `PASS release 2026.4.1: …` or `FAIL release 2026.4.1: version flp-3 failed (release, owner KiAP): …`. */
export function canaryVerdictLine(report: Pick<CanaryReport, 'verdict' | 'version'>): string {
  return `${report.verdict.pass ? 'PASS' : 'FAIL'} release ${report.version}: ${report.verdict.summary}`;
}

/** The `--json` document: one object, stable keys first. */
export function reportJson(report: RunReport): string {
  return JSON.stringify(
    {
      ok: report.ok,
      verdict: report.verdict,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      results: report.results.map((r) => ({
        probe: r.probe,
        kind: r.kind,
        target: r.target,
        startedAt: r.startedAt,
        ok: r.ok,
        class: r.class,
        owner: r.owner,
        durationMs: r.durationMs,
        attempts: r.attempts,
        steps: r.steps,
        error: r.ok ? null : r.summary,
        summary: r.summary,
        evidence: r.evidence,
        observations: r.observations,
        artifacts: r.artifacts,
      })),
    },
    null,
    2,
  );
}
