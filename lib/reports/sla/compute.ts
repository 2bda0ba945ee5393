/**
 * The SLA report's figures, from a HistorySource (the local store or CloudWatch).
 *
 * Availability, precisely: time is divided into each probe's scheduled intervals
 * (`config.schedule`), aligned to the epoch (so to the hour in Copenhagen too). An interval is
 * UP when its probe run passed, DOWN when it failed, MISSING when no run was recorded (the
 * monitor was down or not publishing). A run counts in the interval it started in; an
 * interval with several runs counts each run's share. Scheduling jitter can put two runs in
 * one interval and none in its neighbour: then the run nearest the shared boundary (within
 * half an interval of it) fills the empty neighbour, because it is the run scheduled there.
 *
 * Only counted time enters the figures: the period's service hours (all hours unless
 * `sla.serviceHours`), minus maintenance windows. Per service:
 *   availability = up / (up + down)       over measured time; null when nothing was measured
 *   unmeasured   = missing / counted       the share of time nobody looked
 *   conservative = up / counted            missing counted as down
 * Missing time is never counted as up.
 *
 * From CloudWatch the same definition runs on aggregated periods: a period's Sum and
 * SampleCount of `Success` say how many runs passed and failed, and the period's expected run
 * count (period / interval) says how many are missing. Classes of failures are reconstructed
 * from `FailureCount` in the same periods.
 */
import type { Config } from '../../core/config.ts';
import { PRECEDENCE, rank } from '../../core/classify.ts';
import type { HistorySource, MetricPoint, MetricQuery } from '../../adapters/history.ts';
import { DIMENSIONS, METRICS } from '../../core/metric-names.ts';
import type { ReleaseRecord, ResultRecord } from '../../core/records.ts';
import { FAILURE_CLASSES, type FailureClass } from '../../core/result.ts';
import { intervalSeconds, JOURNEY_STEPS, PROBE_IDS, type ProbeGroup } from '../../core/contract.ts';
import { maximum, percentile, type Weighted } from '../stats.ts';
import {
  intersect,
  localDays,
  maintenanceWindows,
  normalise,
  overlap,
  serviceHourSpans,
  subtract,
  total,
  type ServiceHours,
  type Span,
} from './time.ts';

/** A HistorySource that aggregates (CloudWatch) says at which period it answers a range. */
export type SlaHistory = HistorySource & {
  /** The period, in seconds, of the points `metric()` returns for this range; absent for raw runs. */
  periodSeconds?: (from: Date, to: Date) => number;
  /** Releases the canary recorded (the local store keeps them), so the report can mark them. */
  releases?: (range: { from: Date; to: Date }) => Promise<ReleaseRecord[]>;
};

export interface ReportRelease {
  at: number;
  version: string;
  verdict: 'pass' | 'fail';
  summary: string;
}

export type ServiceKind = 'journey' | 'lb' | 'node' | 'sync';

/** A service whose availability the report states: the probe that measures it and its interval. */
export interface SlaService {
  /** The probe's identity: `journey`, `lb`, `node:flp-1`, `sync:lab`. */
  id: string;
  label: string;
  kind: ServiceKind;
  intervalSeconds: number;
}

export interface Tally {
  /** Time in service hours, outside maintenance. */
  countedMs: number;
  upMs: number;
  downMs: number;
  missingMs: number;
}

export interface ServiceAvailability extends SlaService, Tally {
  /** up / (up + down), in percent; null when nothing was measured. */
  availabilityPercent: number | null;
  /** up / counted, in percent (missing counted as down); null when no time was counted. */
  conservativePercent: number | null;
  /** missing / counted, in percent; null when no time was counted. */
  unmeasuredPercent: number | null;
  /** Probe runs in counted time (for CloudWatch: the SampleCount of Success). */
  runs: number;
  failedRuns: number;
  /** Incidents with counted downtime. */
  incidents: number;
}

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
}

export interface OwnerDowntime {
  owner: string;
  /** Down time of the journey (the user-facing service) attributed to this owner. */
  journeyMs: number;
  /** Time in which any service was down because of this owner (overlaps across services counted once). */
  overallMs: number;
}

export interface StepLatency {
  step: string;
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface SyncLag {
  source: string;
  samples: number;
  maxSeconds: number | null;
  p95Seconds: number | null;
}

export interface DayAvailability {
  /** The Copenhagen date, `2026-10-25`. */
  date: string;
  start: number;
  end: number;
  /** Counted time of the day (23, 24 or 25 hours at most). */
  countedMs: number;
  services: Record<string, Tally>;
}

export interface ReportMaintenance {
  start: number;
  end: number;
  reason: string;
  recurring: boolean;
  /** How much of the window lay in the period's service hours (what it took out of the denominator). */
  excludedMs: number;
}

export interface SlaReport {
  environment: string;
  /** `October 2026`, or the range. */
  title: string;
  generatedAt: number;
  /** Where the data came from: "local store …", "CloudWatch …". */
  source: string;
  from: number;
  to: number;
  /** The end asked for; later than `to` when the period has not ended yet. */
  requestedTo: number;
  periodMs: number;
  serviceHours: ServiceHours | null;
  /** Time in service hours. */
  serviceMs: number;
  /** Service-hour time inside maintenance windows (out of the denominator). */
  maintenanceMs: number;
  /** serviceMs - maintenanceMs: the denominator. */
  countedMs: number;
  targetPercent: number;
  /** The id of the service that stands for FLP as a whole (the journey). */
  headline: string;
  services: ServiceAvailability[];
  days: DayAvailability[];
  maintenance: ReportMaintenance[];
  /** Every incident in the period, oldest first, including those outside counted time (downtimeMs 0). */
  incidents: SlaIncident[];
  downtimeByOwner: OwnerDowntime[];
  latency: StepLatency[];
  syncLag: SyncLag[];
  /** Releases the canary judged in the period (from the local store). */
  releases: ReportRelease[];
  /** `runs`: each probe run (local store); `periods`: aggregated points of `periodSeconds` (CloudWatch). */
  resolution: { kind: 'runs' } | { kind: 'periods'; periodSeconds: number };
  notes: string[];
}

export interface ComputeOptions {
  config: Config;
  history: SlaHistory;
  from: Date;
  to: Date;
  /** Shown as the report's title; default: the range. */
  title?: string;
  /** Default: the current time. A period that has not ended is reported up to now. */
  now?: Date;
  /** Reading progress, for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
}

/** The services of a config, in report order: the journey, the load balancer, each node, each sync source. */
export function slaServices(config: Config): SlaService[] {
  const every = (group: ProbeGroup) => intervalSeconds(config, group);
  return [
    ...(config.journey.enabled ? [{ id: PROBE_IDS.journey, label: 'FLP journey (FLP as a whole)', kind: 'journey' as const, intervalSeconds: every('journey') }] : []),
    { id: PROBE_IDS.loadBalancer, label: 'load balancer', kind: 'lb' as const, intervalSeconds: every('nodes') },
    ...config.target.nodes.map((n) => ({ id: PROBE_IDS.node(n.name), label: `node ${n.name}`, kind: 'node' as const, intervalSeconds: every('nodes') })),
    ...config.sync.map((x) => ({ id: PROBE_IDS.sync(x.source), label: `sync ${x.source}`, kind: 'sync' as const, intervalSeconds: every('sync') })),
  ];
}

/** One failed run (or, from CloudWatch, the reconstructed failures of a period). */
interface Failure {
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
interface Cell {
  start: number;
  end: number;
  /** Runs expected in the cell: 1 for an interval; period / interval for an aggregated period. */
  slots: number;
  passed: number;
  failed: number;
  failures: Failure[];
}

interface Run {
  at: number;
  ok: boolean;
  class: FailureClass | null;
  owner: string | null;
  summary: string;
}

const HOUR = 3_600_000;

export async function computeSla(options: ComputeOptions): Promise<SlaReport> {
  const { config, history } = options;
  const nowMs = (options.now ?? new Date()).getTime();
  const from = options.from.getTime();
  const requestedTo = options.to.getTime();
  const to = Math.min(requestedTo, nowMs);
  if (to <= from) throw new RangeError(`the period starts ${new Date(from).toISOString()}, which is not yet past`);
  const services = slaServices(config);
  const notes: string[] = [];
  if (to < requestedTo) notes.push('The period has not ended: the report covers it up to the time it was made.');

  // What counts: service hours minus maintenance.
  const serviceSpans = serviceHourSpans(config.sla.serviceHours, from, to);
  const windows = maintenanceWindows(config.maintenance, from, to);
  const maintenanceSpans = normalise(windows.map((w) => ({ start: Math.max(from, w.start.getTime()), end: Math.min(to, w.end.getTime()) })));
  const counted = subtract(serviceSpans, maintenanceSpans);
  const days = localDays(from, to).map((d) => ({ day: d, counted: intersect(counted, [{ start: d.start, end: d.end }]) }));

  // Read with a margin, so intervals and periods that straddle the ends are seen whole.
  const longest = Math.max(...services.map((s) => s.intervalSeconds)) * 1000;
  const margin = Math.ceil(Math.max(HOUR, longest) / HOUR) * HOUR;
  const readFrom = new Date(Math.floor(from / HOUR) * HOUR - margin);
  const readTo = new Date(Math.ceil(to / HOUR) * HOUR + margin);

  const progress = progressMerger(options.onProgress);
  const results = await history.results({ from: readFrom, to: readTo });
  const periodSeconds = results ? null : (history.periodSeconds?.(readFrom, readTo) ?? 60);
  const metric = (name: string, dimensions: Record<string, string>) =>
    history.metric({ name, dimensions, from: readFrom, to: readTo } satisfies MetricQuery, progress.track());
  const env = { [DIMENSIONS.environment]: config.environment };

  // Every query at once: CloudWatch batches what is asked together into one GetMetricData.
  const stepsP = Promise.all(JOURNEY_STEPS.map((step) => metric(METRICS.stepDuration.name, { ...env, [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.step]: step })));
  const lagP = Promise.all(config.sync.map((s) => metric(METRICS.syncLag.name, { ...env, [DIMENSIONS.source]: s.source })));
  const successP = results ? null : Promise.all(services.map((s) => metric(METRICS.success.name, { ...env, [DIMENSIONS.probe]: s.id })));
  const failuresP = results ? null : Promise.all(FAILURE_CLASSES.map((c) => metric(METRICS.failures.name, { ...env, [DIMENSIONS.failureClass]: c })));
  const releasesP = history.releases ? history.releases({ from: new Date(from), to: new Date(to) }) : Promise.resolve([]);
  const [stepPoints, lagPoints, successPoints, failurePoints, releaseRecords] = await Promise.all([stepsP, lagP, successP, failuresP, releasesP]);

  let cellsOf: (s: SlaService, index: number) => Cell[];
  if (results) {
    const runs = runsByService(results, config);
    cellsOf = (s) => intervalCells(runs.get(s.id) ?? [], s.intervalSeconds * 1000, from, to);
  } else {
    const period = periodSeconds!;
    notes.push(
      `From CloudWatch at a ${period} s period: each period's Sum and SampleCount of Success give its passed and failed runs, and incidents are placed to the period. Failure classes are reconstructed from FailureCount in the same periods.`,
    );
    const byClass = new Map(FAILURE_CLASSES.map((c, i) => [c, failurePoints![i]!]));
    cellsOf = (s, i) => periodCells(successPoints![i]!, byClass, s, period * 1000, from, to, config.owners);
  }

  const cellsByService = services.map((s, i) => cellsOf(s, i));
  if (results) attributeToRootCause(services, cellsByService, config.owners);

  const serviceRows: ServiceAvailability[] = [];
  const dayRows: DayAvailability[] = days.map(({ day, counted: c }) => ({ date: day.date, start: day.start, end: day.end, countedMs: total(c), services: {} }));
  const incidents: SlaIncident[] = [];
  const ownerSpans = new Map<string, Span[]>();
  const journeyByOwner = new Map<string, number>();

  services.forEach((service, index) => {
    const cells = cellsByService[index]!;
    const tally: Tally = { countedMs: total(counted), upMs: 0, downMs: 0, missingMs: 0 };
    const perDay = dayRows.map(() => ({ countedMs: 0, upMs: 0, downMs: 0, missingMs: 0 }));
    let runs = 0;
    let failedRuns = 0;
    let dayIndex = 0;
    let open: { cells: Cell[]; downtime: number } | null = null;
    const closeIncident = () => {
      if (open) incidents.push(incidentOf(service, open.cells, open.downtime));
      open = null;
    };
    for (const cell of cells) {
      const share = shares(cell);
      const inCounted = overlap(counted, cell.start, cell.end);
      if (inCounted > 0) {
        tally.upMs += inCounted * share.up;
        tally.downMs += inCounted * share.down;
        tally.missingMs += inCounted * share.missing;
        runs += (cell.passed + cell.failed) * (inCounted / (cell.end - cell.start));
        failedRuns += cell.failed * (inCounted / (cell.end - cell.start));
        while (dayIndex < days.length - 1 && days[dayIndex]!.day.end <= cell.start) dayIndex++;
        for (let d = dayIndex; d < days.length && days[d]!.day.start < cell.end; d++) {
          const part = overlap(days[d]!.counted, cell.start, cell.end);
          perDay[d]!.countedMs += part;
          perDay[d]!.upMs += part * share.up;
          perDay[d]!.downMs += part * share.down;
          perDay[d]!.missingMs += part * share.missing;
        }
      }
      if (cell.failed > 0) {
        const downtime = inCounted * share.down;
        if (open && open.cells.at(-1)!.end === cell.start) {
          open.cells.push(cell);
          open.downtime += downtime;
        } else {
          closeIncident();
          open = { cells: [cell], downtime };
        }
        // Whose downtime: each failure's share of the cell's down time.
        let offset = cell.start;
        for (const f of cell.failures) {
          const fraction = (share.down * f.runs) / cell.failed;
          const length = (cell.end - cell.start) * fraction;
          const spans = intersect(counted, [{ start: offset, end: offset + length }]);
          offset += length;
          if (!spans.length) continue;
          ownerSpans.set(f.owner, [...(ownerSpans.get(f.owner) ?? []), ...spans]);
          if (service.kind === 'journey') journeyByOwner.set(f.owner, (journeyByOwner.get(f.owner) ?? 0) + total(spans));
        }
      } else closeIncident();
    }
    closeIncident();
    perDay.forEach((t, d) => (dayRows[d]!.services[service.id] = t));
    const measured = tally.upMs + tally.downMs;
    serviceRows.push({
      ...service,
      ...tally,
      availabilityPercent: measured > 0 ? (100 * tally.upMs) / measured : null,
      conservativePercent: tally.countedMs > 0 ? (100 * tally.upMs) / tally.countedMs : null,
      unmeasuredPercent: tally.countedMs > 0 ? (100 * tally.missingMs) / tally.countedMs : null,
      runs: Math.round(runs),
      failedRuns: Math.round(failedRuns),
      incidents: 0,
    });
  });
  incidents.sort((a, b) => a.start - b.start || services.findIndex((s) => s.id === a.service) - services.findIndex((s) => s.id === b.service));
  for (const row of serviceRows) row.incidents = incidents.filter((i) => i.service === row.id && i.downtimeMs > 0).length;

  const owners = [...new Set([...ownerSpans.keys(), ...journeyByOwner.keys()])];
  const downtimeByOwner = owners
    .map((owner) => ({ owner, journeyMs: journeyByOwner.get(owner) ?? 0, overallMs: total(normalise(ownerSpans.get(owner) ?? [])) }))
    .filter((o) => o.overallMs > 0 || o.journeyMs > 0)
    .sort((a, b) => b.journeyMs - a.journeyMs || b.overallMs - a.overallMs || a.owner.localeCompare(b.owner));

  const inCounted = (p: MetricPoint) => {
    const t = Date.parse(p.timestamp);
    return overlap(counted, t, t + 1) > 0;
  };
  const weighted = (points: MetricPoint[]): Weighted[] => points.filter(inCounted).map((p) => ({ value: p.value, weight: p.samples }));
  const latency = JOURNEY_STEPS.map((step, i) => {
    const w = weighted(stepPoints[i]!);
    return { step, samples: Math.round(w.reduce((s, x) => s + x.weight, 0)), p50Ms: percentile(w, 50), p95Ms: percentile(w, 95) };
  }).filter((l) => config.journey.enabled || l.samples > 0);
  const syncLag = config.sync.map((s, i) => {
    const w = weighted(lagPoints[i]!);
    return { source: s.source, samples: Math.round(w.reduce((sum, x) => sum + x.weight, 0)), maxSeconds: maximum(w), p95Seconds: percentile(w, 95) };
  });
  if (!results && periodSeconds && periodSeconds > Math.min(config.schedule.journeySeconds, config.schedule.syncSeconds)) {
    notes.push(`Latency and lag percentiles are taken over ${periodSeconds} s averages where a period holds several runs; the maximum lag is the largest such average.`);
  }

  const headline = config.journey.enabled ? PROBE_IDS.journey : PROBE_IDS.loadBalancer;
  if (!config.journey.enabled) notes.push('The journey is switched off in this config: the load balancer stands for FLP as a whole.');
  const serviceMs = total(serviceSpans);
  return {
    environment: config.environment,
    title: options.title ?? 'SLA report',
    generatedAt: nowMs,
    source: history.label,
    from,
    to,
    requestedTo,
    periodMs: to - from,
    serviceHours: config.sla.serviceHours ?? null,
    serviceMs,
    maintenanceMs: serviceMs - total(counted),
    countedMs: total(counted),
    targetPercent: config.sla.targetPercent,
    headline,
    services: serviceRows,
    days: dayRows,
    maintenance: windows.map((w) => ({
      start: w.start.getTime(),
      end: w.end.getTime(),
      reason: w.reason,
      recurring: w.recurring,
      excludedMs: overlap(serviceSpans, w.start.getTime(), w.end.getTime()),
    })),
    incidents,
    downtimeByOwner,
    latency,
    syncLag,
    releases: releaseRecords
      .filter((r) => r.environment === config.environment)
      .map((r) => ({ at: Date.parse(r.timestamp), version: r.version, verdict: r.verdict, summary: r.summary })),
    resolution: results ? { kind: 'runs' } : { kind: 'periods', periodSeconds: periodSeconds! },
    notes,
  };
}

/** The up, down and missing shares of a cell (they add up to 1). */
function shares(cell: Cell): { up: number; down: number; missing: number } {
  const runs = cell.passed + cell.failed;
  if (runs <= 0 || cell.slots <= 0) return { up: 0, down: 0, missing: 1 };
  const measured = Math.min(runs, cell.slots) / cell.slots;
  return { up: (measured * cell.passed) / runs, down: (measured * cell.failed) / runs, missing: 1 - measured };
}

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
  // Jitter: an empty interval next to one with two runs takes the run nearest their boundary.
  for (let i = 0; i < count; i++) {
    if (slots[i]!.length) continue;
    const boundaryBefore = (first + i) * intervalMs;
    const boundaryAfter = boundaryBefore + intervalMs;
    const prev = slots[i - 1];
    const next = slots[i + 1];
    if (prev && prev.length >= 2 && prev.at(-1)!.at >= boundaryBefore - intervalMs / 2) slots[i]!.push(prev.pop()!);
    else if (next && next.length >= 2 && next[0]!.at < boundaryAfter + intervalMs / 2) slots[i]!.push(next.shift()!);
  }
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

/** The classes a failed probe of this kind can be given (lib/classify.ts). */
const PLAUSIBLE: Record<ServiceKind, readonly FailureClass[]> = {
  journey: FAILURE_CLASSES,
  lb: ['infrastructure', 'application', 'monitor'],
  node: ['infrastructure', 'application', 'monitor'],
  sync: ['sync', 'infrastructure', 'monitor'],
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
  // Jitter, as for runs: an empty cell next to one with more runs than intervals takes the excess.
  for (let i = 0; i < count; i++) {
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

/**
 * A journey failure is often a symptom: the page errs because the database is down. As the
 * monitor's verdict does (contract precedence, lib/classify.ts), a failed journey run is put
 * under the highest-precedence class that any other service failed with in overlapping time,
 * when that outranks the journey's own class; the other failure is kept as its root cause.
 * Other services measure their own component, so their own class stands.
 */
function attributeToRootCause(services: readonly SlaService[], cells: readonly Cell[][], owners: Record<FailureClass, string>): void {
  const journey = services.findIndex((s) => s.kind === 'journey');
  if (journey < 0) return;
  const others = services.map((s, i) => ({ service: s, cells: cells[i]! })).filter((_, i) => i !== journey);
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

function incidentOf(service: SlaService, cells: readonly Cell[], downtimeMs: number): SlaIncident {
  const byClass = new Map<string, IncidentClass>();
  const summaries = new Map<string, { count: number; class: FailureClass | null; attributed: boolean }>();
  const roots = new Map<string, { count: number; class: FailureClass; text: string }>();
  let failureCounts: Partial<Record<FailureClass, number>> | null = null;
  let failedRuns = 0;
  for (const cell of cells) {
    const share = shares(cell);
    const cellDown = (cell.end - cell.start) * share.down;
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
  const classes = [...byClass.values()].sort((a, b) => b.downtimeMs - a.downtimeMs || rank(a.class) - rank(b.class));
  const main = classes[0] ?? { class: null, owner: 'unknown', downtimeMs: 0, failedRuns: 0 };
  const runs = Math.round(failedRuns);
  const runWords = `${runs} failed run${runs === 1 ? '' : 's'}`;
  let summary: string;
  if (failureCounts) {
    const entries = FAILURE_CLASSES.filter((c) => failureCounts![c]).map((c) => `${c} ${failureCounts![c]}`);
    const counted = entries.length ? entries.join(', ') : 'none';
    summary = `${runWords} (Success); FailureCount in the same periods: ${counted}${main.class ? `; taken as ${main.class}` : '; class unknown'} (reconstructed from CloudWatch)`;
  } else {
    // The evidence of the main class: the journey's own, or, when most of it was a symptom, its root cause.
    const byCount = <T extends { count: number }>(list: T[]) => list.sort((a, b) => b.count - a.count)[0];
    const entries = [...summaries].map(([key, v]) => ({ text: key.slice(key.indexOf('|') + 1), ...v }));
    const own = byCount(entries.filter((e) => e.class === main.class && !e.attributed));
    const root = byCount([...roots.values()].filter((r) => r.class === main.class));
    const useRoot = !!root && (!own || root.count > own.count);
    const seen = useRoot ? byCount(entries.filter((e) => e.attributed && e.class === main.class)) : own;
    const others = classes.slice(1).map((c) => `${c.class ?? 'unknown'} ×${c.failedRuns}`);
    const tail = `(${runWords}${others.length ? `; also ${others.join(', ')}` : ''})`;
    summary = useRoot ? `root cause ${root.text}; the journey saw: ${seen?.text ?? 'failed'} ${tail}` : `${own?.text ?? byCount(entries)?.text ?? 'failed'} ${tail}`;
  }
  return {
    service: service.id,
    start: cells[0]!.start,
    end: cells.at(-1)!.end,
    downtimeMs,
    failedRuns: runs,
    class: main.class,
    owner: main.owner,
    summary,
    classes: classes.map((c) => ({ ...c, failedRuns: Math.round(c.failedRuns) })),
  };
}

/** Adds up the progress of several concurrent reads into one (done, total). */
function progressMerger(onProgress?: (done: number, total: number) => void) {
  const parts: { done: number; total: number }[] = [];
  return {
    track(): ((done: number, total: number) => void) | undefined {
      if (!onProgress) return undefined;
      const part = { done: 0, total: 0 };
      parts.push(part);
      return (done, totalCount) => {
        part.done = done;
        part.total = totalCount;
        onProgress(
          parts.reduce((s, p) => s + p.done, 0),
          parts.reduce((s, p) => s + p.total, 0),
        );
      };
    },
  };
}
