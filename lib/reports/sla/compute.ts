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
 * `sla.serviceHours`), minus maintenance windows (windows.ts: the config's and those set at run
 * time), each from its start to its planned end or to when it was closed early, never longer.
 * A service still down at a window's planned end overruns it (overruns.ts): that down time is
 * counted and charged to the window's owner. A window set by hand (the maintenance alarm put
 * into ALARM with set-alarm-state, read from CloudWatch) is listed and takes nothing out. Per
 * service:
 *   availability = up / (up + down)       over measured time; null when nothing was measured
 *   unmeasured   = missing / counted       the share of time nobody looked
 *   conservative = up / counted            missing counted as down
 * Missing time is never counted as up.
 *
 * From CloudWatch the same definition runs on aggregated periods: a period's Sum and
 * SampleCount of `Success` say how many runs passed and failed, and the period's expected run
 * count (period / interval) says how many are missing. Classes of failures are reconstructed
 * from `FailureCount` in the same periods.
 *
 * `computeSla` is a pipeline of stages, each a function below or in a sibling file: the period
 * and its counted time → the services (services.ts) → the series read from the history → each
 * service's cells, up/down/missing per interval or period (cells.ts) → per-service and per-day
 * tallies → incidents (incidents.ts) → overruns of maintenance windows (overruns.ts) → downtime
 * attributed to owners (owner-downtime.ts) → the windows' rows → latency and lag percentiles →
 * the report.
 */
import type { Config, LaunchStyle } from '../../core/config.ts';
import type { RuntimeWindow } from '../../core/windows.ts';
import type { HistorySource, MetricPoint, MetricQuery } from '../../adapters/history.ts';
import { DIMENSIONS, METRICS } from '../../core/metric-names.ts';
import type { ReleaseRecord } from '../../core/records.ts';
import { FAILURE_CLASSES } from '../../core/result.ts';
import { JOURNEY_STEPS, PROBE_IDS } from '../../core/contract.ts';
import { maximum, percentile, type Weighted } from '../stats.ts';
import { measureCells, serviceCells, type MeasuredCell, type Outcomes, type Shares } from './cells.ts';
import { serviceIncidents, type SlaIncident } from './incidents.ts';
import { downtimeByOwner, type OwnerDowntime } from './owner-downtime.ts';
import { chargedSpans, overrunSegments, windowOverrun, withOverruns, type OverrunSegment } from './overruns.ts';
import { slaServices, type SlaService } from './services.ts';
import { reportWindows, type HandSetWindow, type SlaWindow, type WindowSource } from './windows.ts';
import {
  intersect,
  localDays,
  normalise,
  overlap,
  serviceHourSpans,
  subtract,
  total,
  type LocalDay,
  type ServiceHours,
  type Span,
} from './time.ts';

export { slaServices, type ServiceKind, type SlaService } from './services.ts';
export type { IncidentClass, IncidentOverrun, SlaIncident } from './incidents.ts';
export type { OwnerDowntime } from './owner-downtime.ts';
export type { HandSetWindow, WindowSource } from './windows.ts';

/** A HistorySource that aggregates (CloudWatch) says at which period it answers a range. */
export type SlaHistory = HistorySource & {
  /** The period, in seconds, of the points `metric()` returns for this range; absent for raw runs. */
  periodSeconds?: (from: Date, to: Date) => number;
  /** Releases the canary recorded (the local store keeps them), so the report can mark them. */
  releases?: (range: { from: Date; to: Date }) => Promise<ReleaseRecord[]>;
  /**
   * Periods the maintenance alarm was put into ALARM by hand (CloudWatch's alarm history), so the
   * report can list them. May throw: the report then says in its notes that it could not read them.
   */
  handSetWindows?: (range: { from: Date; to: Date }) => Promise<HandSetWindow[]>;
};

/** A release the canary judged in the period, as the report marks it. */
export interface ReportRelease {
  at: number;
  version: string;
  verdict: 'pass' | 'fail';
  summary: string;
}

/** How a service's counted time divides into up, down and missing. */
export interface Tally {
  /** Time in service hours, outside maintenance. */
  countedMs: number;
  upMs: number;
  downMs: number;
  missingMs: number;
}

/** One service's row of the report: its tally, the percentages from it, runs and incidents. */
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

/** A journey step's duration percentiles over counted time. */
export interface StepLatency {
  step: string;
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** A sync source's lag over counted time. */
export interface SyncLag {
  source: string;
  samples: number;
  maxSeconds: number | null;
  p95Seconds: number | null;
}

/** One Copenhagen day of the period, with each service's tally. */
export interface DayAvailability {
  /** The Copenhagen date, `2026-10-25`. */
  date: string;
  start: number;
  end: number;
  /** Counted time of the day (23, 24 or 25 hours at most). */
  countedMs: number;
  services: Record<string, Tally>;
}

/** A maintenance window that touched the period: its plan (as the stages have it), what it took out, and its overrun. */
export interface ReportMaintenance extends Omit<SlaWindow, 'excluded'> {
  /** When it began (its planned start). */
  start: number;
  /** When it ended (`actualEnd`); for a window set by hand still in ALARM, the end of the period. */
  end: number;
  /** A weekly occurrence. */
  recurring: boolean;
  /** How much of the window lay in the period's service hours (what it took out of the denominator); 0 for a window set by hand. */
  excludedMs: number;
  /** Counted down time after the planned end, until the service recovered (any service, overlaps once). */
  overrunMs: number;
  /** overrunMs > 0; null for a window set by hand (no plan to overrun). */
  overran: boolean | null;
  /** When the last overrunning service recovered. */
  overrunUntil: number | null;
  /** Each service that was down at the planned end: its overrun and when it recovered. */
  overrunByService: { service: string; overrunMs: number; recoveredAt: number }[];
}

/** Everything the renderers (Markdown, CSV, HTML, JSON) show. */
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
  /** Service-hour time inside maintenance windows, each up to its planned end (out of the denominator). */
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
  /** The LPS vendors' section (contract v2); null for a config without `lps.profiles`. */
  lps: LpsReport | null;
  notes: string[];
}

/** The refused share of one system's real launches over counted time, from `LaunchRejectedPercent`. */
export interface RefusedShare {
  /** Readings behind the figures (runs whose statistics were known; from CloudWatch, SampleCount). */
  samples: number;
  /** The mean of the readings, in percent; null without readings. */
  meanPercent: number | null;
  /** The largest reading (from CloudWatch: the largest period average), in percent. */
  worstPercent: number | null;
  /** When the worst reading was taken (the start of its period from CloudWatch); null when nothing was ever refused. */
  worstAt: number | null;
}

/** One LPS system of a vendor: its certified launch, its real launches, and the `lps` downtime charged to the vendor. */
export interface VendorSystem {
  system: string;
  style: LaunchStyle;
  /** The certified launch (`launch:<system>`), as the services table has it. */
  launch: ServiceAvailability;
  /** The real launches (`lps:<system>`), as the services table has it: down while refused beyond the threshold. */
  real: ServiceAvailability;
  refused: RefusedShare;
  /** Counted down time of class `lps` of this system, the vendor's. */
  lpsDowntimeMs: number;
  /** Incidents of `lps:<system>` with counted downtime whose class is `lps`. */
  lpsIncidents: number;
}

/** One vendor: its systems and the `lps` downtime charged to it (overlaps across its systems counted once). */
export interface VendorFigures {
  vendor: string;
  systems: VendorSystem[];
  lpsDowntimeMs: number;
  lpsIncidents: number;
}

/** A stretch in which the launch statistics could not be judged (LaunchStatsUnknown 1 in every run or period of it). */
export interface StatsUnknownStretch {
  start: number;
  end: number;
  /** Its time inside counted time. */
  countedMs: number;
}

/** The LPS vendors' section: what KiAP brings to its meetings with the vendors. */
export interface LpsReport {
  statsMinutes: number;
  maxRejectedPercent: number;
  minLaunches: number;
  /** In config order of each vendor's first profile. */
  vendors: VendorFigures[];
  /** Incidents of the LPS checks (`launch:<system>`, `lps:<system>`) with counted downtime, oldest first. */
  incidents: SlaIncident[];
  statsUnknown: StatsUnknownStretch[];
  /** Counted time in which the statistics were unknown (the stretches' countedMs added up). */
  statsUnknownMs: number;
}

/** What `computeSla` reads, over which range. */
export interface ComputeOptions {
  config: Config;
  history: SlaHistory;
  from: Date;
  to: Date;
  /** Windows set at run time (`flp-monitor window add`), beside the config's; default none. */
  windows?: readonly RuntimeWindow[];
  /** Shown as the report's title; default: the range. */
  title?: string;
  /** Default: the current time. A period that has not ended is reported up to now. */
  now?: Date;
  /** Reading progress, for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
}

const HOUR = 3_600_000;

/** Options → the SLA report: the pipeline of the stages below, in order. */
export async function computeSla(options: ComputeOptions): Promise<SlaReport> {
  const { config, history } = options;
  const period = reportPeriod(options);
  const services = slaServices(config);
  const [series, handSet] = await Promise.all([readSeries(options, services, period), readHandSet(history, period)]);
  const windows = reportWindows(config, options.windows ?? [], handSet.windows, period.from, period.to);
  const time = countedTime(config, windows, period.from, period.to);
  const measured = serviceCells(series.outcomes, services, config, period.from, period.to).map((cells) => measureCells(cells, time.counted));
  const overruns = overrunSegments(services, measured, windows, time.counted);
  const incidents = withOverruns(reportIncidents(services, measured), overruns, windows);
  const countedMs = total(time.counted);
  const serviceMs = total(time.serviceSpans);
  return {
    environment: config.environment,
    title: options.title ?? 'SLA report',
    generatedAt: period.nowMs,
    source: history.label,
    from: period.from,
    to: period.to,
    requestedTo: period.requestedTo,
    periodMs: period.to - period.from,
    serviceHours: config.sla.serviceHours ?? null,
    serviceMs,
    maintenanceMs: serviceMs - countedMs,
    countedMs,
    targetPercent: config.sla.targetPercent,
    headline: config.journey.enabled ? PROBE_IDS.journey : PROBE_IDS.loadBalancer,
    services: services.map((s, i) => availabilityRow(s, tallyOf(measured[i]!, countedMs), incidents)),
    days: dayRows(services, measured, time.days),
    maintenance: maintenanceRows(windows, time.serviceSpans, period.to, (w) => windowOverrun(w, services, measured, time.counted, overruns)),
    incidents,
    downtimeByOwner: downtimeByOwner(services, measured, time.counted, overruns),
    latency: stepLatency(config, series.steps, time.counted),
    syncLag: syncLag(config, series.lags, time.counted),
    releases: releaseRows(series.releases, config.environment),
    resolution: series.outcomes.kind === 'runs' ? { kind: 'runs' } : { kind: 'periods', periodSeconds: series.outcomes.periodSeconds },
    lps: lpsReport(config, services, measured, incidents, overruns, series, time.counted, period),
    notes: [...reportNotes(config, period, series.outcomes), ...windowNotes(handSet.error)],
  };
}

/** The reported period, in epoch ms: `to` is the earlier of the end asked for and now. */
interface ReportPeriod {
  from: number;
  to: number;
  requestedTo: number;
  nowMs: number;
}

/** Options → the period to report: up to now when it has not ended; a RangeError when it has not begun. */
function reportPeriod(options: ComputeOptions): ReportPeriod {
  const nowMs = (options.now ?? new Date()).getTime();
  const from = options.from.getTime();
  const requestedTo = options.to.getTime();
  const to = Math.min(requestedTo, nowMs);
  if (to <= from) throw new RangeError(`the period starts ${new Date(from).toISOString()}, which is not yet past`);
  return { from, to, requestedTo, nowMs };
}

/** What counts in the period: service hours minus maintenance, in all and per Copenhagen day. */
interface CountedTime {
  serviceSpans: Span[];
  counted: Span[];
  days: CountedDay[];
}

interface CountedDay {
  day: LocalDay;
  counted: Span[];
}

/** The config's service hours, the windows and the period → the counted time, in all and per day. */
function countedTime(config: Config, windows: readonly SlaWindow[], from: number, to: number): CountedTime {
  const serviceSpans = serviceHourSpans(config.sla.serviceHours, from, to);
  // Each window up to its planned end, or to when it was closed early; a window set by hand takes nothing out.
  const maintenanceSpans = normalise(windows.flatMap((w) => (w.excluded ? [{ start: Math.max(from, w.excluded.start), end: Math.min(to, w.excluded.end) }] : [])));
  const counted = subtract(serviceSpans, maintenanceSpans);
  const days = localDays(from, to).map((day) => ({ day, counted: intersect(counted, [{ start: day.start, end: day.end }]) }));
  return { serviceSpans, counted, days };
}

/** The windows set by hand, from the history when it can tell them, or why they could not be read. */
async function readHandSet(history: SlaHistory, period: ReportPeriod): Promise<{ windows: HandSetWindow[]; error: string | null }> {
  if (!history.handSetWindows) return { windows: [], error: null };
  try {
    return { windows: await history.handSetWindows({ from: new Date(period.from), to: new Date(period.to) }), error: null };
  } catch (e) {
    return { windows: [], error: (e as Error).message };
  }
}

/** Everything read from the history for one report. */
interface Series {
  outcomes: Outcomes;
  /** StepDuration points of the journey, per step in JOURNEY_STEPS order. */
  steps: MetricPoint[][];
  /** SyncLag points, per sync source in config order. */
  lags: MetricPoint[][];
  releases: ReleaseRecord[];
  /** LaunchRejectedPercent points, per LPS profile in config order. */
  rejected: MetricPoint[][];
  /** LaunchStatsUnknown points (one per `lps:<system>` result). */
  statsUnknown: MetricPoint[];
}

/** The period, widened to whole hours and a margin, so intervals and periods that straddle its ends are read whole. */
function readRange(services: readonly SlaService[], period: ReportPeriod): { from: Date; to: Date } {
  const longest = Math.max(...services.map((s) => s.intervalSeconds)) * 1000;
  const margin = Math.ceil(Math.max(HOUR, longest) / HOUR) * HOUR;
  return { from: new Date(Math.floor(period.from / HOUR) * HOUR - margin), to: new Date(Math.ceil(period.to / HOUR) * HOUR + margin) };
}

/** The history and the services → the series: runs (or Success and FailureCount per period), step durations, sync lag, releases. */
async function readSeries(options: ComputeOptions, services: readonly SlaService[], period: ReportPeriod): Promise<Series> {
  const { config, history } = options;
  const { from: readFrom, to: readTo } = readRange(services, period);
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
  const releasesP = history.releases ? history.releases({ from: new Date(period.from), to: new Date(period.to) }) : Promise.resolve([]);
  // The LPS profiles' figures, asked only when there are profiles: a config without them reads what it always did.
  const profiles = config.lps.profiles;
  const rejectedP = Promise.all(profiles.map((p) => metric(METRICS.launchRejectedPercent.name, { ...env, [DIMENSIONS.system]: p.system })));
  const unknownP = profiles.length ? metric(METRICS.launchStatsUnknown.name, env) : Promise.resolve([]);
  // Each system's real launches publish their own FailureCount (Probe = lps:<system>): the class of an
  // `lps:<system>` period is taken from those, not from every probe's.
  const probeFailuresP =
    results || !profiles.length
      ? null
      : Promise.all(
          services.map((s) =>
            s.kind === 'lps'
              ? Promise.all(FAILURE_CLASSES.map((c) => metric(METRICS.failures.name, { ...env, [DIMENSIONS.probe]: s.id, [DIMENSIONS.failureClass]: c })))
              : null,
          ),
        );
  const [steps, lags, success, failures, releases, rejected, statsUnknown, probeFailures] = await Promise.all([
    stepsP,
    lagP,
    successP,
    failuresP,
    releasesP,
    rejectedP,
    unknownP,
    probeFailuresP,
  ]);
  const outcomes: Outcomes = results
    ? { kind: 'runs', results }
    : { kind: 'periods', periodSeconds: periodSeconds!, success: success!, failures: failures!, ...(probeFailures ? { probeFailures } : {}) };
  return { outcomes, steps, lags, releases, rejected, statsUnknown };
}

/** A service's tally over counted time, with its runs and failed runs in counted time (unrounded). */
interface ServiceTally {
  tally: Tally;
  runs: number;
  failedRuns: number;
}

/** One service's measured cells and the period's counted time → its tally, runs and failed runs. */
function tallyOf(measured: readonly MeasuredCell[], countedMs: number): ServiceTally {
  const tally: Tally = { countedMs, upMs: 0, downMs: 0, missingMs: 0 };
  let runs = 0;
  let failedRuns = 0;
  for (const { cell, share, countedMs: inCounted } of measured) {
    if (inCounted <= 0) continue;
    addShares(tally, inCounted, share);
    // A cell partly in counted time counts that part of its runs.
    runs += (cell.passed + cell.failed) * (inCounted / (cell.end - cell.start));
    failedRuns += cell.failed * (inCounted / (cell.end - cell.start));
  }
  return { tally, runs, failedRuns };
}

/** One service's measured cells and the counted days → its tally per day, in day order. */
function dailyTallies(measured: readonly MeasuredCell[], days: readonly CountedDay[]): Tally[] {
  const perDay = days.map(() => ({ countedMs: 0, upMs: 0, downMs: 0, missingMs: 0 }));
  // Cells and days are both in time order: walk the days along with the cells.
  let dayIndex = 0;
  for (const { cell, share, countedMs } of measured) {
    if (countedMs <= 0) continue;
    while (dayIndex < days.length - 1 && days[dayIndex]!.day.end <= cell.start) dayIndex++;
    for (let d = dayIndex; d < days.length && days[d]!.day.start < cell.end; d++) {
      const part = overlap(days[d]!.counted, cell.start, cell.end);
      perDay[d]!.countedMs += part;
      addShares(perDay[d]!, part, share);
    }
  }
  return perDay;
}

/** Adds `ms` of a cell's time to a tally, split by the cell's shares. */
function addShares(tally: Tally, ms: number, share: Shares): void {
  tally.upMs += ms * share.up;
  tally.downMs += ms * share.down;
  tally.missingMs += ms * share.missing;
}

/** Every service's measured cells and the counted days → the report's days, each with every service's tally. */
function dayRows(services: readonly SlaService[], measured: readonly (readonly MeasuredCell[])[], days: readonly CountedDay[]): DayAvailability[] {
  const daily = measured.map((m) => dailyTallies(m, days));
  return days.map(({ day, counted }, d) => ({
    date: day.date,
    start: day.start,
    end: day.end,
    countedMs: total(counted),
    services: Object.fromEntries(services.map((s, i) => [s.id, daily[i]![d]!])),
  }));
}

/** A service, its tally and the report's incidents → its row: the three percentages, rounded runs, incidents with counted downtime. */
function availabilityRow(service: SlaService, { tally, runs, failedRuns }: ServiceTally, incidents: readonly SlaIncident[]): ServiceAvailability {
  const measured = tally.upMs + tally.downMs;
  return {
    ...service,
    ...tally,
    availabilityPercent: measured > 0 ? (100 * tally.upMs) / measured : null,
    conservativePercent: tally.countedMs > 0 ? (100 * tally.upMs) / tally.countedMs : null,
    unmeasuredPercent: tally.countedMs > 0 ? (100 * tally.missingMs) / tally.countedMs : null,
    runs: Math.round(runs),
    failedRuns: Math.round(failedRuns),
    incidents: incidents.filter((i) => i.service === service.id && i.downtimeMs > 0).length,
  };
}

/** Every service's measured cells → all incidents, oldest first (ties in service order). */
function reportIncidents(services: readonly SlaService[], measured: readonly (readonly MeasuredCell[])[]): SlaIncident[] {
  const order = (id: string) => services.findIndex((s) => s.id === id);
  return services.flatMap((s, i) => serviceIncidents(s, measured[i]!)).sort((a, b) => a.start - b.start || order(a.service) - order(b.service));
}

/** The windows and service hours → the report's windows, each with the service-hour time it took out and its overrun. */
function maintenanceRows(
  windows: readonly SlaWindow[],
  serviceSpans: readonly Span[],
  to: number,
  overrunOf: (index: number) => { overrunMs: number; overrunUntil: number | null; byService: ReportMaintenance['overrunByService'] },
): ReportMaintenance[] {
  return windows.map((w, i) => {
    const overrun = overrunOf(i);
    return {
      start: w.plannedStart,
      end: w.actualEnd ?? to,
      reason: w.reason,
      recurring: w.source === 'weekly',
      excludedMs: w.excluded ? overlap(serviceSpans, w.excluded.start, w.excluded.end) : 0,
      source: w.source,
      id: w.id,
      release: w.release,
      owner: w.owner,
      plannedStart: w.plannedStart,
      plannedEnd: w.plannedEnd,
      actualEnd: w.actualEnd,
      closedEarly: w.closedEarly,
      overrunMs: overrun.overrunMs,
      overran: w.plannedEnd === null ? null : overrun.overrunMs > 0,
      overrunUntil: overrun.overrunUntil,
      overrunByService: overrun.byService,
    };
  });
}

/** A failed read of the alarm history → the note that says so (how windows and overruns count is in the definition, words.ts). */
function windowNotes(handSetError: string | null): string[] {
  return handSetError === null ? [] : [`The maintenance alarm's history could not be read (${handSetError}): windows set by hand are not listed.`];
}

/** Release records → this environment's releases as the report marks them. */
function releaseRows(records: readonly ReleaseRecord[], environment: string): ReportRelease[] {
  return records
    .filter((r) => r.environment === environment)
    .map((r) => ({ at: Date.parse(r.timestamp), version: r.version, verdict: r.verdict, summary: r.summary }));
}

/** Points → those that lie in counted time, weighted by the runs behind each. */
function weightedInCounted(points: readonly MetricPoint[], counted: readonly Span[]): Weighted[] {
  return points
    .filter((p) => {
      const t = Date.parse(p.timestamp);
      return overlap(counted, t, t + 1) > 0;
    })
    .map((p) => ({ value: p.value, weight: p.samples }));
}

const weightOf = (points: readonly Weighted[]) => points.reduce((sum, x) => sum + x.weight, 0);

/** StepDuration points per step → each step's p50 and p95 over counted time; steps without samples only when the journey is on. */
function stepLatency(config: Config, steps: readonly MetricPoint[][], counted: readonly Span[]): StepLatency[] {
  return JOURNEY_STEPS.map((step, i) => {
    const w = weightedInCounted(steps[i]!, counted);
    return { step, samples: Math.round(weightOf(w)), p50Ms: percentile(w, 50), p95Ms: percentile(w, 95) };
  }).filter((l) => config.journey.enabled || l.samples > 0);
}

/** SyncLag points per source → each source's maximum and p95 lag over counted time. */
function syncLag(config: Config, lags: readonly MetricPoint[][], counted: readonly Span[]): SyncLag[] {
  return config.sync.map((s, i) => {
    const w = weightedInCounted(lags[i]!, counted);
    return { source: s.source, samples: Math.round(weightOf(w)), maxSeconds: maximum(w), p95Seconds: percentile(w, 95) };
  });
}

/** The LPS vendors' section from the profiles' services, their cells and incidents, and the statistics' metrics; null without profiles. */
function lpsReport(
  config: Config,
  services: readonly SlaService[],
  measured: readonly (readonly MeasuredCell[])[],
  incidents: readonly SlaIncident[],
  overruns: readonly (readonly OverrunSegment[])[],
  series: Series,
  counted: readonly Span[],
  period: ReportPeriod,
): LpsReport | null {
  const { profiles, statsMinutes, maxRejectedPercent, minLaunches } = config.lps;
  if (!profiles.length) return null;
  const countedMs = total(counted);
  const rowOf = (id: string) => {
    const i = services.findIndex((s) => s.id === id);
    return { i, row: availabilityRow(services[i]!, tallyOf(measured[i]!, countedMs), incidents) };
  };
  // The down time of class `lps` of one service, as owner-downtime.ts lays it out (overruns included: `lps` stays the vendor's).
  const lpsSpans = (i: number): Span[] =>
    measured[i]!.flatMap(({ cell, share }) => (cell.failed > 0 ? chargedSpans(cell, share, counted, overruns[i] ?? []).filter((c) => c.class === 'lps').flatMap((c) => c.spans) : []));
  const vendors: (VendorFigures & { spans: Span[] })[] = [];
  profiles.forEach((p, k) => {
    const launch = rowOf(PROBE_IDS.launch(p.system));
    const real = rowOf(PROBE_IDS.lps(p.system));
    const spans = normalise(lpsSpans(real.i));
    const lpsIncidents = incidents.filter((x) => x.service === real.row.id && x.class === 'lps' && x.downtimeMs > 0).length;
    const system: VendorSystem = { system: p.system, style: p.style, launch: launch.row, real: real.row, refused: refusedShare(series.rejected[k]!, counted), lpsDowntimeMs: total(spans), lpsIncidents };
    const vendor = vendors.find((v) => v.vendor === p.vendor) ?? (vendors[vendors.push({ vendor: p.vendor, systems: [], lpsDowntimeMs: 0, lpsIncidents: 0, spans: [] }) - 1]!);
    vendor.systems.push(system);
    vendor.spans.push(...spans);
    vendor.lpsIncidents += lpsIncidents;
  });
  const ids = new Set(services.filter((s) => s.profile).map((s) => s.id));
  const nodesMs = services.find((s) => s.kind === 'lps')!.intervalSeconds * 1000;
  const cellMs = series.outcomes.kind === 'periods' ? Math.ceil(Math.max(nodesMs, series.outcomes.periodSeconds * 1000) / (series.outcomes.periodSeconds * 1000)) * series.outcomes.periodSeconds * 1000 : nodesMs;
  const statsUnknown = unknownStretches(series.statsUnknown, cellMs, period.from, period.to, counted);
  return {
    statsMinutes,
    maxRejectedPercent,
    minLaunches,
    vendors: vendors.map(({ spans, ...v }) => ({ ...v, lpsDowntimeMs: total(normalise(spans)) })),
    incidents: incidents.filter((x) => ids.has(x.service) && x.downtimeMs > 0),
    statsUnknown,
    statsUnknownMs: statsUnknown.reduce((sum, x) => sum + x.countedMs, 0),
  };
}

/** LaunchRejectedPercent points → the mean and worst refused share over counted time. */
function refusedShare(points: readonly MetricPoint[], counted: readonly Span[]): RefusedShare {
  const inCounted = points.filter((p) => {
    const t = Date.parse(p.timestamp);
    return overlap(counted, t, t + 1) > 0;
  });
  const weight = inCounted.reduce((sum, p) => sum + p.samples, 0);
  if (!inCounted.length || weight <= 0) return { samples: Math.round(weight), meanPercent: null, worstPercent: null, worstAt: null };
  const worst = inCounted.reduce((a, b) => (b.value > a.value ? b : a));
  return {
    samples: Math.round(weight),
    meanPercent: inCounted.reduce((sum, p) => sum + p.value * p.samples, 0) / weight,
    worstPercent: worst.value,
    worstAt: worst.value > 0 ? Date.parse(worst.timestamp) : null,
  };
}

/**
 * LaunchStatsUnknown points → the stretches in which the statistics were unknown: cells of one
 * nodes interval (from CloudWatch, whole periods) in which any run reported 1 (the statistics
 * unavailable, or a system missing from them), consecutive ones merged, cut to the period.
 */
function unknownStretches(points: readonly MetricPoint[], cellMs: number, from: number, to: number, counted: readonly Span[]): StatsUnknownStretch[] {
  const unknown = new Set<number>();
  for (const p of points) {
    const t = Date.parse(p.timestamp);
    if (t >= from && t < to && p.value > 0) unknown.add(Math.floor(t / cellMs));
  }
  const out: StatsUnknownStretch[] = [];
  for (const i of [...unknown].sort((a, b) => a - b)) {
    const start = Math.max(from, i * cellMs);
    const end = Math.min(to, (i + 1) * cellMs);
    const last = out.at(-1);
    if (last && last.end === start) last.end = end;
    else out.push({ start, end, countedMs: 0 });
  }
  for (const x of out) x.countedMs = overlap(counted, x.start, x.end);
  return out;
}

/** The config, period and outcomes → what a reader must know to read the figures right, in report order. */
function reportNotes(config: Config, period: ReportPeriod, outcomes: Outcomes): string[] {
  const notes: string[] = [];
  if (period.to < period.requestedTo) notes.push('The period has not ended: the report covers it up to the time it was made.');
  if (outcomes.kind === 'periods') {
    const p = outcomes.periodSeconds;
    notes.push(
      `From CloudWatch at a ${p} s period: each period's Sum and SampleCount of Success give its passed and failed runs, and incidents are placed to the period. Failure classes are reconstructed from FailureCount in the same periods.`,
    );
    if (p > Math.min(config.schedule.journeySeconds, config.schedule.syncSeconds)) {
      notes.push(`Latency and lag percentiles are taken over ${p} s averages where a period holds several runs; the maximum lag is the largest such average.`);
    }
  }
  if (!config.journey.enabled) notes.push('The journey is switched off in this config: the load balancer stands for FLP as a whole.');
  return notes;
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
