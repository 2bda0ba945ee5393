/**
 * The SLA report's unit of evidence, the cell: a stretch of one service's time with the runs
 * that started in it. From the local store a cell is one scheduled interval, aligned to the
 * epoch, holding its runs; from CloudWatch it is whole aggregated periods (at least one
 * interval), holding the passed and failed runs that Sum and SampleCount of `Success` give.
 * Either way a cell has a number of slots (runs expected), and its up, down and missing shares
 * follow from how many runs passed and failed against those slots (see compute.ts for the
 * definition of availability these feed).
 *
 * Scheduling jitter can put two runs in one interval and none in its neighbour; both builders
 * move the run (or the excess) nearest the shared boundary into the empty neighbour, because it
 * is the run scheduled there.
 */
import type { Config } from '../../core/config.ts';
import { PRECEDENCE, rank } from '../../core/classify.ts';
import type { MetricPoint } from '../../adapters/history.ts';
import type { ResultRecord } from '../../core/records.ts';
import { FAILURE_CLASSES, type FailureClass } from '../../core/result.ts';
import type { ServiceKind, SlaService } from './services.ts';
import { overlap, type Span } from './time.ts';

/** One failed run (or, from CloudWatch, the reconstructed failures of a period). */
export interface Failure {
  class: FailureClass | null;
  owner: string;
  summary: string;
  /** Runs it stands for. */
  runs: number;
  /** From CloudWatch: FailureCount per class in the same period (the evidence the class was taken from). */
  failureCounts?: Partial<Record<FailureClass, number>>;
  /** The journey failed while another service failed with a class of higher precedence: that failure, as the root cause. */
  rootCause?: { service: string; class: FailureClass; summary: string };
}

/** A stretch of time with its runs: one interval (local) or one aggregated period (CloudWatch). */
export interface Cell {
  start: number;
  end: number;
  /** Runs expected in the cell: 1 for an interval; period / interval for an aggregated period. */
  slots: number;
  passed: number;
  failed: number;
  failures: Failure[];
}

/** The up, down and missing shares of a cell's time; they add up to 1. */
export interface Shares {
  up: number;
  down: number;
  missing: number;
}

/** A cell with what the figures take from it: its shares, and how much of it is counted time. */
export interface MeasuredCell {
  cell: Cell;
  share: Shares;
  /** The cell's time inside counted time (service hours, outside maintenance). */
  countedMs: number;
}

/** What a history says of probe outcomes: each run (local store), or Success and FailureCount per period (CloudWatch). */
export type Outcomes =
  | { kind: 'runs'; results: readonly ResultRecord[] }
  | {
      kind: 'periods';
      periodSeconds: number;
      /** Success points per service, in service order. */
      success: readonly (readonly MetricPoint[])[];
      /** FailureCount points per class, in FAILURE_CLASSES order. */
      failures: readonly (readonly MetricPoint[])[];
      /**
       * Per service, in service order: its own FailureCount per class (the `Probe` dimension the
       * `lps:<system>` results publish), in FAILURE_CLASSES order, or null to use `failures`.
       */
      probeFailures?: readonly ((readonly (readonly MetricPoint[])[]) | null)[];
    };

interface Run {
  at: number;
  ok: boolean;
  class: FailureClass | null;
  owner: string | null;
  summary: string;
}

/** Outcomes → each service's cells over `[from, to)`, in service order; from runs, journey failures also get their root cause. */
export function serviceCells(outcomes: Outcomes, services: readonly SlaService[], config: Config, from: number, to: number): Cell[][] {
  if (outcomes.kind === 'runs') {
    const runs = runsByService(outcomes.results, config);
    const cells = services.map((s) => withVendor(s, intervalCells(runs.get(s.id) ?? [], s.intervalSeconds * 1000, from, to)));
    // Only runs carry the text and timing to tie a journey failure to another service's.
    attributeToRootCause(services, cells, config.owners);
    return cells;
  }
  const byClass = new Map(FAILURE_CLASSES.map((c, i) => [c, outcomes.failures[i]!]));
  return services.map((s, i) => {
    const own = outcomes.probeFailures?.[i];
    const counts = own ? new Map(FAILURE_CLASSES.map((c, k) => [c, own[k]!])) : byClass;
    return withVendor(s, periodCells(outcomes.success[i]!, counts, s, outcomes.periodSeconds * 1000, from, to, config.owners));
  });
}

/**
 * An `lps` failure is its vendor's (lib/core/classify.ts ownerOf): in a service of an LPS
 * profile it is charged to that profile's vendor, never to a class owner. Changes the cells in
 * place.
 */
function withVendor(service: SlaService, cells: Cell[]): Cell[] {
  const vendor = service.profile?.vendor;
  if (!vendor) return cells;
  for (const cell of cells) for (const f of cell.failures) if (f.class === 'lps') f.owner = vendor;
  return cells;
}

/** Cells and counted time → each cell with its shares and its counted time. */
export function measureCells(cells: readonly Cell[], counted: readonly Span[]): MeasuredCell[] {
  return cells.map((cell) => ({ cell, share: shares(cell), countedMs: overlap(counted, cell.start, cell.end) }));
}

/** A cell → its up, down and missing shares (they add up to 1); runs beyond its slots count only as shares. */
export function shares(cell: Cell): Shares {
  const runs = cell.passed + cell.failed;
  if (runs <= 0 || cell.slots <= 0) return { up: 0, down: 0, missing: 1 };
  const measured = Math.min(runs, cell.slots) / cell.slots;
  return { up: (measured * cell.passed) / runs, down: (measured * cell.failed) / runs, missing: 1 - measured };
}

/** Result records → this environment's runs per probe id, oldest first. */
function runsByService(results: readonly ResultRecord[], config: Config): Map<string, Run[]> {
  const out = new Map<string, Run[]>();
  for (const r of results) {
    if (r.environment !== config.environment) continue;
    const list = out.get(r.probe) ?? [];
    list.push({ at: Date.parse(r.timestamp), ok: r.ok, class: r.class, owner: r.owner, summary: r.summary });
    out.set(r.probe, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/** One cell per scheduled interval overlapping `[from, to)`, with the runs that started in it. */
function intervalCells(runs: readonly Run[], intervalMs: number, from: number, to: number): Cell[] {
  const first = Math.floor(from / intervalMs);
  const count = Math.ceil(to / intervalMs) - first;
  const slots: Run[][] = Array.from({ length: count }, () => []);
  for (const r of runs) {
    const i = Math.floor(r.at / intervalMs) - first;
    if (i >= 0 && i < count) slots[i]!.push(r);
  }
  fillFromDoubledNeighbours(slots, first, intervalMs);
  return slots.map((list, i) => {
    const failed = list.filter((r) => !r.ok);
    return {
      start: (first + i) * intervalMs,
      end: (first + i + 1) * intervalMs,
      slots: 1,
      passed: list.length - failed.length,
      failed: failed.length,
      failures: failed.map((r) => ({ class: r.class, owner: r.owner ?? 'unknown', summary: r.summary, runs: 1 })),
    };
  });
}

/** Jitter, in place: an empty interval next to one with two runs takes the run nearest their boundary (within half an interval). */
function fillFromDoubledNeighbours(slots: Run[][], first: number, intervalMs: number): void {
  for (let i = 0; i < slots.length; i++) {
    if (slots[i]!.length) continue;
    const boundaryBefore = (first + i) * intervalMs;
    const boundaryAfter = boundaryBefore + intervalMs;
    const prev = slots[i - 1];
    const next = slots[i + 1];
    if (prev && prev.length >= 2 && prev.at(-1)!.at >= boundaryBefore - intervalMs / 2) slots[i]!.push(prev.pop()!);
    else if (next && next.length >= 2 && next[0]!.at < boundaryAfter + intervalMs / 2) slots[i]!.push(next.shift()!);
  }
}

/** The classes a failed probe of this kind can be given (lib/core/classify.ts). */
const PLAUSIBLE: Record<ServiceKind, readonly FailureClass[]> = {
  // The journey launches with a certified profile: its failures are never a vendor's `lps`.
  journey: FAILURE_CLASSES.filter((c) => c !== 'lps'),
  lb: ['infrastructure', 'application', 'monitor'],
  node: ['infrastructure', 'application', 'monitor'],
  sync: ['sync', 'infrastructure', 'monitor'],
  launch: ['infrastructure', 'application', 'monitor'],
  // Counted from its own FailureCount (Probe = lps:<system>): `lps`, or FLP refusing (`application`).
  lps: ['lps', 'application', 'monitor'],
};

/**
 * Cells from aggregated Success points: each cell spans whole periods and at least one
 * interval. FailureCount carries no probe, so a cell's class is the highest-precedence class
 * that this kind of probe can fail with and that counted failures in the same periods.
 */
function periodCells(
  success: readonly MetricPoint[],
  failures: ReadonlyMap<FailureClass, readonly MetricPoint[]>,
  service: SlaService,
  periodMs: number,
  from: number,
  to: number,
  owners: Record<FailureClass, string>,
): Cell[] {
  const intervalMs = service.intervalSeconds * 1000;
  const cellMs = Math.ceil(Math.max(intervalMs, periodMs) / periodMs) * periodMs;
  const first = Math.floor(from / cellMs);
  const count = Math.ceil(to / cellMs) - first;
  const cells: Cell[] = Array.from({ length: count }, (_, i) => ({
    start: (first + i) * cellMs,
    end: (first + i + 1) * cellMs,
    slots: cellMs / intervalMs,
    passed: 0,
    failed: 0,
    failures: [],
  }));
  const indexOf = (p: MetricPoint) => Math.floor(Date.parse(p.timestamp) / cellMs) - first;
  for (const p of success) {
    const cell = cells[indexOf(p)];
    if (!cell) continue;
    // Average × SampleCount is the number of passed runs; round away floating-point dust.
    const passed = Math.round(p.value * p.samples * 1e6) / 1e6;
    cell.passed += passed;
    cell.failed += p.samples - passed;
  }
  spreadExcessRuns(cells);
  const counts = new Map<FailureClass, Float64Array>();
  for (const [cls, points] of failures) {
    const arr = new Float64Array(count);
    for (const p of points) {
      const i = indexOf(p);
      if (i >= 0 && i < count) arr[i]! += p.value * p.samples;
    }
    counts.set(cls, arr);
  }
  for (let i = 0; i < count; i++) {
    const cell = cells[i]!;
    if (cell.failed <= 1e-9) {
      cell.failed = 0;
      continue;
    }
    const seen = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, Math.round(counts.get(c)?.[i] ?? 0)] as const).filter(([, n]) => n > 0));
    const cls = PRECEDENCE.find((c) => PLAUSIBLE[service.kind].includes(c) && seen[c]) ?? null;
    cell.failures = [{ class: cls, owner: cls ? owners[cls] : 'unknown', summary: '', runs: cell.failed, failureCounts: seen }];
  }
  return cells;
}

/** Jitter, as for runs, in place: a cell short of runs takes a neighbour's runs beyond its slots, passed and failed in proportion. */
function spreadExcessRuns(cells: Cell[]): void {
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const missing = cell.slots - (cell.passed + cell.failed);
    if (missing <= 1e-9) continue;
    for (const neighbour of [cells[i - 1], cells[i + 1]]) {
      if (!neighbour) continue;
      const runs = neighbour.passed + neighbour.failed;
      const excess = Math.min(runs - neighbour.slots, cell.slots - (cell.passed + cell.failed));
      if (excess <= 1e-9) continue;
      const passedPart = (excess * neighbour.passed) / runs;
      neighbour.passed -= passedPart;
      neighbour.failed -= excess - passedPart;
      cell.passed += passedPart;
      cell.failed += excess - passedPart;
    }
  }
}

/**
 * A journey failure is often a symptom: the page errs because the database is down. As the
 * monitor's verdict does (contract precedence, lib/core/classify.ts), a failed journey run is put
 * under the highest-precedence class that any other service failed with in overlapping time,
 * when that outranks the journey's own class; the other failure is kept as its root cause.
 * Other services measure their own component, so their own class stands. Changes the journey's
 * cells in place.
 */
function attributeToRootCause(services: readonly SlaService[], cells: readonly Cell[][], owners: Record<FailureClass, string>): void {
  const journey = services.findIndex((s) => s.kind === 'journey');
  if (journey < 0) return;
  // A system's real launches are not on the journey's path (it launches with a certified profile,
  // checked as `launch:<system>`): refused clinics' launches are never a journey failure's cause.
  const others = services.map((s, i) => ({ service: s, cells: cells[i]! })).filter((x, i) => i !== journey && x.service.kind !== 'lps');
  for (const cell of cells[journey]!) {
    if (!cell.failed) continue;
    let best: { service: SlaService; failure: Failure } | null = null;
    for (const other of others) {
      for (const c of overlapping(other.cells, cell.start, cell.end)) {
        for (const f of c.failures) if (f.class && (!best || rank(f.class) < rank(best.failure.class))) best = { service: other.service, failure: f };
      }
    }
    if (!best) continue;
    const root = best.failure.class!;
    cell.failures = cell.failures.map((f) =>
      rank(root) < rank(f.class)
        ? { ...f, class: root, owner: best.failure.owner || owners[root], rootCause: { service: best.service.id, class: root, summary: best.failure.summary } }
        : f,
    );
  }
}

/** The cells of a sorted, gap-free list that overlap [start, end). */
function overlapping(cells: readonly Cell[], start: number, end: number): Cell[] {
  let lo = 0;
  let hi = cells.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cells[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  const out: Cell[] = [];
  for (let i = lo; i < cells.length && cells[i]!.start < end; i++) out.push(cells[i]!);
  return out;
}
