/**
 * The SLA report as CSV, for a spreadsheet: one file, its sections one after another, each
 * with its own header row, and every row's first cell naming its section, so a filter on the
 * first column shows one table. RFC 4180: comma separated, CRLF line ends, fields quoted when
 * they hold a comma, quote or line break. UTF-8 with a byte-order mark, so Excel reads "ø".
 * Numbers use a decimal point; times are ISO 8601 in Copenhagen time with their offset.
 */
import type { SlaReport } from './compute.ts';
import { isoLocal } from './time.ts';
import { definition, minutes, pctNumber, serviceHoursText } from './words.ts';

type Field = string | number | boolean | null | undefined;

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: Field): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Free text that a spreadsheet could take for a formula (`=`, `+`, `-`, `@` first) gets a
 * leading apostrophe: evidence texts come from the target's answers.
 */
function text(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One section of the file: its name (every row's first cell), its header row, its rows. */
interface Section {
  name: string;
  headers: string[];
  body: Field[][];
}

const section = (name: string, headers: string[], body: Field[][]): Section => ({ name, headers, body });

export function renderCsv(report: SlaReport): string {
  const sections = [
    ...periodSections(report),
    ...measureSections(report),
    ...(report.lps ? lpsSections(report.lps) : []),
    section('definition', ['text'], [...definition(report), ...report.notes].map((p) => [p])),
  ];
  const rows: Field[][] = [];
  for (const { name, headers, body } of sections) {
    if (rows.length) rows.push([]);
    rows.push(['section', ...headers]);
    for (const r of body) rows.push([name, ...r]);
  }
  return `\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** The summary, availability per service and per owner, the incidents and the maintenance windows. */
function periodSections(report: SlaReport): Section[] {
  const headline = report.services.find((s) => s.id === report.headline);
  return [
    section('summary', ['key', 'value'], [
      ['environment', text(report.environment)],
      ['title', text(report.title)],
      ['from', isoLocal(report.from)],
      ['to', isoLocal(report.to)],
      ['period_hours', Math.round((report.periodMs / 3_600_000) * 1000) / 1000],
      ['counted_hours', Math.round((report.countedMs / 3_600_000) * 1000) / 1000],
      ['service_hours', text(serviceHoursText(report))],
      ['maintenance_minutes', minutes(report.maintenanceMs)],
      ['target_pct', report.targetPercent],
      ['flp_availability_pct', pctNumber(headline?.availabilityPercent ?? null)],
      ['flp_unmeasured_pct', pctNumber(headline?.unmeasuredPercent ?? null)],
      ['flp_conservative_pct', pctNumber(headline?.conservativePercent ?? null)],
      ['source', text(report.source)],
      ['generated', isoLocal(report.generatedAt)],
    ]),
    section(
      'availability',
      ['service', 'label', 'availability_pct', 'unmeasured_pct', 'conservative_pct', 'counted_min', 'up_min', 'down_min', 'missing_min', 'runs', 'failed_runs', 'incidents', 'interval_s'],
      report.services.map((s) => [
        s.id,
        s.label,
        pctNumber(s.availabilityPercent),
        pctNumber(s.unmeasuredPercent),
        pctNumber(s.conservativePercent),
        minutes(s.countedMs),
        minutes(s.upMs),
        minutes(s.downMs),
        minutes(s.missingMs),
        s.runs,
        s.failedRuns,
        s.incidents,
        s.intervalSeconds,
      ]),
    ),
    section(
      'owner',
      ['owner', 'journey_down_min', 'any_service_down_min', 'journey_overrun_min', 'any_service_overrun_min'],
      report.downtimeByOwner.map((o) => [text(o.owner), minutes(o.journeyMs), minutes(o.overallMs), minutes(o.journeyOverrunMs), minutes(o.overrunMs)]),
    ),
    section(
      'incident',
      ['service', 'start', 'end', 'downtime_min', 'class', 'owner', 'failed_runs', 'counted', 'evidence'],
      report.incidents.map((i) => [i.service, isoLocal(i.start), isoLocal(i.end), minutes(i.downtimeMs), i.class ?? 'unknown', text(i.owner), i.failedRuns, i.downtimeMs > 0 ? 'yes' : 'no', text(i.summary)]),
    ),
    section(
      'maintenance',
      ['reason', 'source', 'id', 'release', 'owner', 'planned_start', 'planned_end', 'actual_end', 'closed_early', 'excluded_min', 'overrun_min', 'overran', 'overrun_until'],
      report.maintenance.map((m) => [
        text(m.reason),
        m.source,
        m.id,
        text(m.release),
        text(m.owner),
        isoLocal(m.plannedStart),
        m.plannedEnd === null ? null : isoLocal(m.plannedEnd),
        m.actualEnd === null ? null : isoLocal(m.actualEnd),
        m.closedEarly ? 'yes' : 'no',
        minutes(m.excludedMs),
        m.overran === null ? null : minutes(m.overrunMs),
        m.overran === null ? null : m.overran ? 'yes' : 'no',
        m.overrunUntil === null ? null : isoLocal(m.overrunUntil),
      ]),
    ),
  ];
}

/** Latency, sync lag, availability per day, and the releases when there were any. */
function measureSections(report: SlaReport): Section[] {
  return [
    section(
      'latency',
      ['step', 'p50_ms', 'p95_ms', 'runs'],
      report.latency.map((l) => [l.step, l.p50Ms === null ? null : Math.round(l.p50Ms), l.p95Ms === null ? null : Math.round(l.p95Ms), l.samples]),
    ),
    section(
      'sync_lag',
      ['source', 'max_s', 'p95_s', 'samples'],
      report.syncLag.map((l) => [l.source, l.maxSeconds === null ? null : Math.round(l.maxSeconds), l.p95Seconds === null ? null : Math.round(l.p95Seconds), l.samples]),
    ),
    section(
      'day',
      ['date', 'service', 'availability_pct', 'counted_min', 'down_min', 'missing_min'],
      report.days.flatMap((d) =>
        report.services.map((s) => {
          const t = d.services[s.id]!;
          const measured = t.upMs + t.downMs;
          return [d.date, s.id, pctNumber(measured > 0 ? (100 * t.upMs) / measured : null), minutes(t.countedMs), minutes(t.downMs), minutes(t.missingMs)];
        }),
      ),
    ),
    ...(report.releases.length
      ? [section('release', ['time', 'version', 'canary', 'verdict'], report.releases.map((r) => [isoLocal(r.at), text(r.version), r.verdict, text(r.summary)]))]
      : []),
  ];
}

/** The LPS vendors' section: each vendor's systems, their incidents, and when the statistics were unknown. */
function lpsSections(lps: NonNullable<SlaReport['lps']>): Section[] {
  const share = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return [
    section(
      'vendor',
      ['vendor', 'system', 'style', 'launch_availability_pct', 'launch_unmeasured_pct', 'launch_down_min', 'real_availability_pct', 'refused_mean_pct', 'refused_worst_pct', 'refused_worst_at', 'refused_samples', 'lps_incidents', 'lps_down_min', 'vendor_lps_down_min'],
      lps.vendors.flatMap((v) =>
        v.systems.map((s) => [
          text(v.vendor),
          s.system,
          s.style,
          pctNumber(s.launch.availabilityPercent),
          pctNumber(s.launch.unmeasuredPercent),
          minutes(s.launch.downMs),
          pctNumber(s.real.availabilityPercent),
          share(s.refused.meanPercent),
          share(s.refused.worstPercent),
          s.refused.worstAt === null ? null : isoLocal(s.refused.worstAt),
          s.refused.samples,
          s.lpsIncidents,
          minutes(s.lpsDowntimeMs),
          minutes(v.lpsDowntimeMs),
        ]),
      ),
    ),
    section(
      'vendor_incident',
      ['service', 'start', 'end', 'downtime_min', 'class', 'owner', 'evidence'],
      lps.incidents.map((i) => [i.service, isoLocal(i.start), isoLocal(i.end), minutes(i.downtimeMs), i.class ?? 'unknown', text(i.owner), text(i.summary)]),
    ),
    section(
      'launch_stats_unknown',
      ['start', 'end', 'counted_min'],
      lps.statsUnknown.map((x) => [isoLocal(x.start), isoLocal(x.end), minutes(x.countedMs)]),
    ),
  ];
}
