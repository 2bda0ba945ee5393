/**
 * What every rendering of an SLA report says the same way: percentages, durations, the
 * definition of availability, the period and its service hours.
 */
import { PRECEDENCE } from '../../core/classify.ts';
import type { ReportMaintenance, SlaReport, ServiceAvailability } from './compute.ts';
import type { ServiceKind } from './services.ts';
import { showDuration, showLocal, FLP_TIME_ZONE } from './time.ts';

/**
 * A percentage with three decimals. A figure below 100 never shows as "100.000": 99.9996 is
 * written 99.999, so a report never claims a perfect month that was not.
 */
export function pct(value: number | null): string {
  if (value === null) return 'no data';
  if (value >= 100) return '100 %';
  const text = value.toFixed(3);
  return `${text === '100.000' ? '99.999' : text} %`;
}

/** The same for spreadsheets and JSON: a number with three decimals, empty/null when unknown. */
export function pctNumber(value: number | null): number | null {
  if (value === null) return null;
  if (value >= 100) return 100;
  const rounded = Math.round(value * 1000) / 1000;
  return rounded >= 100 ? 99.999 : rounded;
}

export function minutes(ms: number): number {
  return Math.round(ms / 600) / 100;
}

export function duration(ms: number): string {
  return ms <= 0 ? '0 min' : showDuration(ms);
}

export function hours(ms: number): string {
  const h = ms / 3_600_000;
  return `${Number.isInteger(h) ? h : h.toFixed(2)} h`;
}

const DAY_NAMES: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

export function serviceHoursText(report: SlaReport): string {
  const h = report.serviceHours;
  if (!h) return 'all hours';
  return `service hours ${h.days.map((d) => DAY_NAMES[d]).join(', ')} ${h.start}–${h.end} (${FLP_TIME_ZONE})`;
}

export function periodText(report: SlaReport): string {
  const cut = report.to < report.requestedTo ? ` (period not ended: up to ${showLocal(report.to)})` : '';
  return `${showLocal(report.from)} to ${showLocal(report.to)}, ${hours(report.periodMs)}${cut}`;
}

export function headlineOf(report: SlaReport): ServiceAvailability {
  return report.services.find((s) => s.id === report.headline) ?? report.services[0]!;
}

export function meetsTarget(report: SlaReport): boolean | null {
  const h = headlineOf(report);
  return h.availabilityPercent === null ? null : h.availabilityPercent >= report.targetPercent;
}

export function labelOf(report: SlaReport, serviceId: string): string {
  return report.services.find((s) => s.id === serviceId)?.label ?? serviceId;
}

/** The intervals per kind, as the definition states them: "journey every 300 s; sync every 60 s; …". */
function intervals(report: SlaReport): string {
  const byKind = new Map<string, number>();
  const names: Record<ServiceKind, string> = { journey: 'journey', lb: 'nodes and load balancer', node: 'nodes and load balancer', sync: 'sync sources', launch: 'LPS launches', lps: 'LPS launches' };
  for (const s of report.services) byKind.set(names[s.kind], s.intervalSeconds);
  return [...byKind].map(([k, v]) => `${k} every ${v} s`).join('; ');
}

/**
 * The classes a journey failure can be put under as a symptom, in contract precedence
 * (lib/core/classify.ts): all but `monitor` (which outranks nothing) and `lps` (a system's real
 * launches are not on the journey's path, cells.ts).
 */
const ROOT_CAUSE_CLASSES = PRECEDENCE.filter((c) => c !== 'monitor' && c !== 'lps');

/** The definition of availability, as paragraphs of plain text (renderers add their markup). */
export function definition(report: SlaReport): string[] {
  return [
    `Time is divided into each probe's scheduled intervals (${intervals(report)}). An interval is UP when its probe run passed, DOWN when it failed, and MISSING when no run was recorded (the monitor itself was not running or not publishing). A run counts in the interval it started in; an interval with several runs counts each run's share. MISSING time is never counted as up.`,
    `Counted time is ${report.serviceHours ? `the period's ${serviceHoursText(report)}` : 'every hour of the period'}, less planned maintenance windows (listed below), each from its start to its planned end, or to when it was closed early. Of counted time: availability = up ÷ (up + down), over measured time; unmeasured = missing ÷ counted; conservative = up ÷ counted, which counts missing time as down.`,
    `A service still down at a window's planned end overran it: its down time from the planned end until it recovered is counted as downtime and charged to the window's owner, whatever the class of the failure. A window closed early cannot overrun: down time after it is charged by class. A window set by hand (the maintenance alarm put into ALARM with set-alarm-state) had no plan: it is listed and takes nothing out.`,
    `The journey (launch from the LPS, overview, create, print and delete a plan) stands for FLP as a whole: it is what a clinic does. A downtime incident is a run of consecutive DOWN intervals of one service; its class and owner are those of most of its down time. A journey failure while another service failed with a class of higher precedence (${ROOT_CAUSE_CLASSES.join(', ')}, in that order) is counted under that root cause, as the monitor's verdict does. Times are ${FLP_TIME_ZONE} with their UTC offset.`,
    ...(report.lps ? [lpsDefinition(report.lps)] : []),
  ];
}

/** How the LPS vendors' figures are taken, for a config with launch profiles. */
function lpsDefinition(lps: NonNullable<SlaReport['lps']>): string {
  const order = PRECEDENCE.join(' > ');
  return `Each LPS vendor's certified launch (launch:<system>) is measured like any service; FLP refusing it is application, KiAP's. Its clinics' real launches (lps:<system>) are judged from FLP's launch statistics over ${lps.statsMinutes} min: refused beyond ${lps.maxRejectedPercent} % (with at least ${lps.minLaunches} launches) while the certified launch is accepted is class lps, charged to that vendor and never to PLSP or a maintenance window's owner (precedence ${order}); refused along with the certified launch, or for every system alike, is FLP's (application). The refused share is the mean and the worst of the runs' shares in counted time; statistics unknown (unavailable, malformed, or a system missing from them) pass and are listed as stretches, never as lps.`;
}

/** A window's actual end for people: a time, "(closed early)" after it when so, "still in ALARM" for a window set by hand not yet over. */
export function actualEndText(m: ReportMaintenance, show: (ms: number) => string): string {
  if (m.actualEnd === null) return 'still in ALARM';
  return m.closedEarly ? `${show(m.actualEnd)} (closed early)` : show(m.actualEnd);
}

/** Whether it overran, for people: yes, no, or – for a window set by hand. */
export function overranText(m: ReportMaintenance): string {
  return m.overran === null ? '–' : m.overran ? 'yes' : 'no';
}

/** The overrun for people: "25 min", "0 min", or – for a window set by hand. */
export function overrunText(m: ReportMaintenance): string {
  return m.overran === null ? '–' : duration(m.overrunMs);
}

/** A refused share for people: "12.5 %", or – without readings. */
export function refusedText(value: number | null): string {
  return value === null ? '–' : `${Math.round(value * 10) / 10} %`;
}

/** The vendors' section's opening line: what the figures are and whose downtime `lps` is. */
export function lpsIntro(lps: NonNullable<SlaReport['lps']>): string {
  return `Per vendor: FLP's acceptance of its certified launch (the monitor's own launch with the vendor's profile; a refusal is application, KiAP's) and its clinics' real launches as FLP counted them (refused beyond ${lps.maxRejectedPercent} % over ${lps.statsMinutes} min while the certified launch is accepted: lps, the vendor's). lps downtime is charged to the vendor, never to PLSP.`;
}

/** The statistics-unknown line: how long, in how many stretches, or that they were known throughout. */
export function statsUnknownText(lps: NonNullable<SlaReport['lps']>): string {
  const n = lps.statsUnknown.length;
  return n ? `Launch statistics unknown for ${duration(lps.statsUnknownMs)} of counted time in ${n} stretch${n === 1 ? '' : 'es'} (checks passed with a warning, never lps):` : 'Launch statistics known throughout the period.';
}
