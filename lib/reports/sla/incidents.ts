/**
 * Incidents of the SLA report: a service's consecutive failing cells, with their downtime in
 * counted time, the classes and owners of the failures in them, and a one-line summary. A
 * stretch without runs is no incident (a monitor that was down says nothing), and neither does
 * a passing cell continue one.
 */
import { rank } from '../../core/classify.ts';
import { FAILURE_CLASSES, type FailureClass } from '../../core/result.ts';
import { shares, type Cell, type MeasuredCell } from './cells.ts';
import type { SlaService } from './services.ts';

export interface IncidentClass {
  class: FailureClass | null;
  owner: string;
  downtimeMs: number;
  failedRuns: number;
}

/** Consecutive DOWN intervals of one service. */
export interface SlaIncident {
  service: string;
  start: number;
  end: number;
  /** Down time inside counted time (0 when it lay wholly in maintenance or outside service hours). */
  downtimeMs: number;
  failedRuns: number;
  /** The class with the most downtime in the incident (ties by contract precedence); null when unknown. */
  class: FailureClass | null;
  owner: string;
  summary: string;
  /** Every class seen in the incident, most downtime first. */
  classes: IncidentClass[];
  /** The maintenance windows it overran (overruns.ts): counted down time after each planned end, charged to the window's owner. */
  overruns?: IncidentOverrun[];
}

/** An incident's down time after a window's planned end. */
export interface IncidentOverrun {
  /** The window's reason. */
  window: string;
  plannedEnd: number;
  owner: string;
  downtimeMs: number;
}

/** The cells of one incident before it is described, and their down time inside counted time. */
export interface IncidentStretch {
  cells: Cell[];
  downtimeMs: number;
}

/** One service's measured cells → its incidents, oldest first. */
export function serviceIncidents(service: SlaService, measured: readonly MeasuredCell[]): SlaIncident[] {
  return incidentStretches(measured).map((s) => describeIncident(service, s.cells, s.downtimeMs));
}

/**
 * Measured cells, in time order → the stretches of consecutive failing cells. Two states:
 * none open, or one open. A cell with failed runs extends the open stretch when it starts where
 * that one ends, else opens a new one; any other cell (passed, or no runs) closes it.
 */
export function incidentStretches(measured: readonly MeasuredCell[]): IncidentStretch[] {
  const stretches: IncidentStretch[] = [];
  let open: IncidentStretch | null = null;
  for (const { cell, share, countedMs } of measured) {
    if (cell.failed <= 0) {
      open = null;
      continue;
    }
    const downtimeMs = countedMs * share.down;
    if (open && open.cells.at(-1)!.end === cell.start) {
      open.cells.push(cell);
      open.downtimeMs += downtimeMs;
    } else {
      open = { cells: [cell], downtimeMs };
      stretches.push(open);
    }
  }
  return stretches;
}

/** What the failures of an incident's cells add up to, before it is put in words. */
interface IncidentEvidence {
  /** Per class and owner; downtime is the cell's down time (all of it, counted or not) in proportion to runs. */
  classes: IncidentClass[];
  failedRuns: number;
  /** From runs: how often each summary was seen, own or as a symptom of a root cause. */
  summaries: { text: string; count: number; class: FailureClass | null; attributed: boolean }[];
  /** From runs: how often each root cause was seen. */
  roots: { count: number; class: FailureClass; text: string }[];
  /** From CloudWatch: FailureCount per class over the incident's periods; null from runs. */
  failureCounts: Partial<Record<FailureClass, number>> | null;
}

/** An incident's cells and counted downtime → the incident: its main class and owner, every class, a summary. */
function describeIncident(service: SlaService, cells: readonly Cell[], downtimeMs: number): SlaIncident {
  const evidence = evidenceOf(cells);
  const main = evidence.classes[0] ?? { class: null, owner: 'unknown', downtimeMs: 0, failedRuns: 0 };
  const runs = Math.round(evidence.failedRuns);
  return {
    service: service.id,
    start: cells[0]!.start,
    end: cells.at(-1)!.end,
    downtimeMs,
    failedRuns: runs,
    class: main.class,
    owner: main.owner,
    summary: evidence.failureCounts ? cloudWatchSummary(evidence.failureCounts, main.class, runs) : runSummary(evidence, main.class, runs),
    classes: evidence.classes.map((c) => ({ ...c, failedRuns: Math.round(c.failedRuns) })),
  };
}

/** An incident's cells → its evidence: classes by downtime (ties by contract precedence), summaries, root causes, FailureCount. */
function evidenceOf(cells: readonly Cell[]): IncidentEvidence {
  const byClass = new Map<string, IncidentClass>();
  const summaries = new Map<string, { count: number; class: FailureClass | null; attributed: boolean }>();
  const roots = new Map<string, { count: number; class: FailureClass; text: string }>();
  let failureCounts: Partial<Record<FailureClass, number>> | null = null;
  let failedRuns = 0;
  for (const cell of cells) {
    // The cell's whole down time, not only the counted part: the classes say what happened.
    const cellDown = (cell.end - cell.start) * shares(cell).down;
    failedRuns += cell.failed;
    for (const f of cell.failures) {
      const key = `${f.class}|${f.owner}`;
      const entry = byClass.get(key) ?? { class: f.class, owner: f.owner, downtimeMs: 0, failedRuns: 0 };
      entry.downtimeMs += (cellDown * f.runs) / cell.failed;
      entry.failedRuns += f.runs;
      byClass.set(key, entry);
      if (f.failureCounts) {
        failureCounts ??= {};
        for (const [c, n] of Object.entries(f.failureCounts) as [FailureClass, number][]) failureCounts[c] = (failureCounts[c] ?? 0) + n;
      } else {
        const key = `${f.rootCause ? 'root' : 'own'}|${f.summary}`;
        const s = summaries.get(key) ?? { count: 0, class: f.class, attributed: !!f.rootCause };
        s.count += f.runs;
        summaries.set(key, s);
      }
      if (f.rootCause) {
        const text = `${f.rootCause.class} on ${f.rootCause.service}: ${f.rootCause.summary}`;
        const r = roots.get(text) ?? { count: 0, class: f.rootCause.class, text };
        r.count += f.runs;
        roots.set(text, r);
      }
    }
  }
  return {
    classes: [...byClass.values()].sort((a, b) => b.downtimeMs - a.downtimeMs || rank(a.class) - rank(b.class)),
    failedRuns,
    summaries: [...summaries].map(([key, v]) => ({ text: key.slice(key.indexOf('|') + 1), ...v })),
    roots: [...roots.values()],
    failureCounts,
  };
}

/** CloudWatch evidence → a summary that says what it was reconstructed from. */
function cloudWatchSummary(failureCounts: Partial<Record<FailureClass, number>>, main: FailureClass | null, runs: number): string {
  const entries = FAILURE_CLASSES.filter((c) => failureCounts[c]).map((c) => `${c} ${failureCounts[c]}`);
  const counted = entries.length ? entries.join(', ') : 'none';
  return `${failedRunWords(runs)} (Success); FailureCount in the same periods: ${counted}${main ? `; taken as ${main}` : '; class unknown'} (reconstructed from CloudWatch)`;
}

/** Run evidence → a summary: the main class's most frequent text, or its root cause when most of it was a symptom. */
function runSummary(evidence: IncidentEvidence, main: FailureClass | null, runs: number): string {
  const byCount = <T extends { count: number }>(list: T[]) => list.sort((a, b) => b.count - a.count)[0];
  const entries = evidence.summaries;
  const own = byCount(entries.filter((e) => e.class === main && !e.attributed));
  const root = byCount(evidence.roots.filter((r) => r.class === main));
  const useRoot = !!root && (!own || root.count > own.count);
  const seen = useRoot ? byCount(entries.filter((e) => e.attributed && e.class === main)) : own;
  const others = evidence.classes.slice(1).map((c) => `${c.class ?? 'unknown'} ×${c.failedRuns}`);
  const tail = `(${failedRunWords(runs)}${others.length ? `; also ${others.join(', ')}` : ''})`;
  return useRoot ? `root cause ${root.text}; the journey saw: ${seen?.text ?? 'failed'} ${tail}` : `${own?.text ?? byCount(entries)?.text ?? 'failed'} ${tail}`;
}

function failedRunWords(runs: number): string {
  return `${runs} failed run${runs === 1 ? '' : 's'}`;
}
