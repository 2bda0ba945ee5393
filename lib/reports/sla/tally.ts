/**
 * The SLA pipeline's tallies: the counted time (service hours minus maintenance, in all and per
 * Copenhagen day), and each service's cells added up into up, down and missing over it, per
 * service and per day, with the percentages of its row.
 */
import type { Config } from '../../core/config.ts';
import type { MeasuredCell, Shares } from './cells.ts';
import type { SlaIncident } from './incidents.ts';
import type { DayAvailability, ServiceAvailability, Tally } from './report.ts';
import type { SlaService } from './services.ts';
import { intersect, localDays, normalise, overlap, serviceHourSpans, subtract, total, type LocalDay, type Span } from './time.ts';
import type { SlaWindow } from './windows.ts';

/** What counts in the period: service hours minus maintenance, in all and per Copenhagen day. */
export interface CountedTime {
  serviceSpans: Span[];
  counted: Span[];
  days: CountedDay[];
}

export interface CountedDay {
  day: LocalDay;
  counted: Span[];
}

/** The config's service hours, the windows and the period → the counted time, in all and per day. */
export function countedTime(config: Config, windows: readonly SlaWindow[], from: number, to: number): CountedTime {
  const serviceSpans = serviceHourSpans(config.sla.serviceHours, from, to);
  // Each window up to its planned end, or to when it was closed early; a window set by hand takes nothing out.
  const maintenanceSpans = normalise(windows.flatMap((w) => (w.excluded ? [{ start: Math.max(from, w.excluded.start), end: Math.min(to, w.excluded.end) }] : [])));
  const counted = subtract(serviceSpans, maintenanceSpans);
  const days = localDays(from, to).map((day) => ({ day, counted: intersect(counted, [{ start: day.start, end: day.end }]) }));
  return { serviceSpans, counted, days };
}

/** A service's tally over counted time, with its runs and failed runs in counted time (unrounded). */
export interface ServiceTally {
  tally: Tally;
  runs: number;
  failedRuns: number;
}

/** One service's measured cells and the period's counted time → its tally, runs and failed runs. */
export function tallyOf(measured: readonly MeasuredCell[], countedMs: number): ServiceTally {
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
export function dayRows(services: readonly SlaService[], measured: readonly (readonly MeasuredCell[])[], days: readonly CountedDay[]): DayAvailability[] {
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
export function availabilityRow(service: SlaService, { tally, runs, failedRuns }: ServiceTally, incidents: readonly SlaIncident[]): ServiceAvailability {
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
