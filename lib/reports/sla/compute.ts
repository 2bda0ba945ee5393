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
 * and the series read from the history (read-series.ts) → its counted time (tally.ts) → the
 * services (services.ts) → each service's cells, up/down/missing per interval or period
 * (cells.ts) → per-service and per-day tallies (tally.ts) → incidents (incidents.ts) → overruns
 * of maintenance windows (overruns.ts) → downtime attributed to owners (owner-downtime.ts) → the
 * windows' rows → latency and lag percentiles → the LPS vendors' section (vendors.ts) → the
 * report, whose shape is report.ts.
 */
import type { Config } from '../../core/config.ts';
import type { MetricPoint } from '../../adapters/history.ts';
import type { ReleaseRecord } from '../../core/records.ts';
import { JOURNEY_STEPS, PROBE_IDS } from '../../core/contract.ts';
import { maximum, percentile, type Weighted } from '../stats.ts';
import { measureCells, serviceCells, type MeasuredCell, type Outcomes } from './cells.ts';
import { serviceIncidents, type SlaIncident } from './incidents.ts';
import { downtimeByOwner } from './owner-downtime.ts';
import { overrunSegments, windowOverrun, withOverruns } from './overruns.ts';
import { readHandSet, readSeries, reportPeriod, type ReportPeriod } from './read-series.ts';
import type { ComputeOptions, ReportMaintenance, ReportRelease, SlaReport, StepLatency, SyncLag } from './report.ts';
import { slaServices, type SlaService } from './services.ts';
import { availabilityRow, countedTime, dayRows, tallyOf } from './tally.ts';
import { overlap, total, type Span } from './time.ts';
import { lpsReport } from './vendors.ts';
import { reportWindows, type SlaWindow } from './windows.ts';

export { slaServices, type ServiceKind, type SlaService } from './services.ts';
export type { IncidentClass, IncidentOverrun, SlaIncident } from './incidents.ts';
export type { OwnerDowntime } from './owner-downtime.ts';
export type { HandSetWindow, WindowSource } from './windows.ts';
export type {
  ComputeOptions,
  DayAvailability,
  LpsReport,
  RefusedShare,
  ReportMaintenance,
  ReportRelease,
  ServiceAvailability,
  SlaHistory,
  SlaReport,
  StatsUnknownStretch,
  StepLatency,
  SyncLag,
  Tally,
  VendorFigures,
  VendorSystem,
} from './report.ts';

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
