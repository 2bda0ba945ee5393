/**
 * The SLA report's LPS vendors' section (contract v2): per vendor, each system's certified and
 * real launches, the refused share, and the `lps` down time charged to the vendor; the stretches
 * in which the launch statistics could not be judged.
 */
import type { Config } from '../../core/config.ts';
import type { MetricPoint } from '../../adapters/history.ts';
import { PROBE_IDS } from '../../core/contract.ts';
import type { MeasuredCell } from './cells.ts';
import type { SlaIncident } from './incidents.ts';
import { chargedSpans, type OverrunSegment } from './overruns.ts';
import type { ReportPeriod, Series } from './read-series.ts';
import type { LpsReport, RefusedShare, StatsUnknownStretch, VendorFigures, VendorSystem } from './report.ts';
import type { SlaService } from './services.ts';
import { availabilityRow, tallyOf } from './tally.ts';
import { normalise, overlap, total, type Span } from './time.ts';

/** The LPS vendors' section from the profiles' services, their cells and incidents, and the statistics' metrics; null without profiles. */
export function lpsReport(
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
