/**
 * The SLA report as one JSON document: every figure of the other formats, times as ISO 8601 in
 * Copenhagen time with their offset, durations in milliseconds, percentages with three decimals
 * (null when nothing was measured).
 */
import type { SlaReport, Tally } from './compute.ts';
import { isoLocal } from './time.ts';
import { definition, pctNumber } from './words.ts';

const round = (ms: number) => Math.round(ms);

function tally(t: Tally) {
  return { countedMs: round(t.countedMs), upMs: round(t.upMs), downMs: round(t.downMs), missingMs: round(t.missingMs) };
}

export function reportDocument(report: SlaReport) {
  const headline = report.services.find((s) => s.id === report.headline);
  return {
    environment: report.environment,
    title: report.title,
    generatedAt: isoLocal(report.generatedAt),
    source: report.source,
    timeZone: 'Europe/Copenhagen',
    period: {
      from: isoLocal(report.from),
      to: isoLocal(report.to),
      requestedTo: isoLocal(report.requestedTo),
      periodMs: report.periodMs,
      serviceHours: report.serviceHours,
      serviceMs: round(report.serviceMs),
      maintenanceMs: round(report.maintenanceMs),
      countedMs: round(report.countedMs),
    },
    targetPercent: report.targetPercent,
    flp: {
      service: report.headline,
      availabilityPercent: pctNumber(headline?.availabilityPercent ?? null),
      unmeasuredPercent: pctNumber(headline?.unmeasuredPercent ?? null),
      conservativePercent: pctNumber(headline?.conservativePercent ?? null),
      meetsTarget: headline?.availabilityPercent == null ? null : headline.availabilityPercent >= report.targetPercent,
    },
    services: report.services.map((s) => ({
      id: s.id,
      label: s.label,
      kind: s.kind,
      intervalSeconds: s.intervalSeconds,
      availabilityPercent: pctNumber(s.availabilityPercent),
      unmeasuredPercent: pctNumber(s.unmeasuredPercent),
      conservativePercent: pctNumber(s.conservativePercent),
      ...tally(s),
      runs: s.runs,
      failedRuns: s.failedRuns,
      incidents: s.incidents,
    })),
    downtimeByOwner: report.downtimeByOwner.map((o) => ({
      owner: o.owner,
      journeyMs: round(o.journeyMs),
      overallMs: round(o.overallMs),
      journeyOverrunMs: round(o.journeyOverrunMs),
      overrunMs: round(o.overrunMs),
    })),
    incidents: report.incidents.map((i) => ({
      service: i.service,
      start: isoLocal(i.start),
      end: isoLocal(i.end),
      durationMs: i.end - i.start,
      downtimeMs: round(i.downtimeMs),
      counted: i.downtimeMs > 0,
      class: i.class,
      owner: i.owner,
      failedRuns: i.failedRuns,
      summary: i.summary,
      classes: i.classes.map((c) => ({ ...c, downtimeMs: round(c.downtimeMs) })),
      overruns: (i.overruns ?? []).map((o) => ({ window: o.window, plannedEnd: isoLocal(o.plannedEnd), owner: o.owner, downtimeMs: round(o.downtimeMs) })),
    })),
    maintenance: report.maintenance.map((m) => ({
      start: isoLocal(m.start),
      end: isoLocal(m.end),
      reason: m.reason,
      recurring: m.recurring,
      excludedMs: round(m.excludedMs),
      source: m.source,
      id: m.id,
      release: m.release,
      owner: m.owner,
      plannedStart: isoLocal(m.plannedStart),
      plannedEnd: m.plannedEnd === null ? null : isoLocal(m.plannedEnd),
      actualEnd: m.actualEnd === null ? null : isoLocal(m.actualEnd),
      closedEarly: m.closedEarly,
      overrunMs: round(m.overrunMs),
      overran: m.overran,
      overrunUntil: m.overrunUntil === null ? null : isoLocal(m.overrunUntil),
      overrunByService: m.overrunByService.map((s) => ({ service: s.service, overrunMs: round(s.overrunMs), recoveredAt: isoLocal(s.recoveredAt) })),
    })),
    releases: report.releases.map((r) => ({ at: isoLocal(r.at), version: r.version, verdict: r.verdict, summary: r.summary })),
    latency: report.latency,
    syncLag: report.syncLag,
    days: report.days.map((d) => ({
      date: d.date,
      start: isoLocal(d.start),
      end: isoLocal(d.end),
      countedMs: round(d.countedMs),
      services: Object.fromEntries(Object.entries(d.services).map(([k, v]) => [k, tally(v)])),
    })),
    resolution: report.resolution,
    // Only with launch profiles: a config without them gets the document it always did.
    ...(report.lps ? { lps: lpsDocument(report.lps) } : {}),
    definition: definition(report),
    notes: report.notes,
  };
}

function lpsDocument(lps: NonNullable<SlaReport['lps']>) {
  const pct1 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    statsMinutes: lps.statsMinutes,
    maxRejectedPercent: lps.maxRejectedPercent,
    minLaunches: lps.minLaunches,
    vendors: lps.vendors.map((v) => ({
      vendor: v.vendor,
      lpsDowntimeMs: round(v.lpsDowntimeMs),
      lpsIncidents: v.lpsIncidents,
      systems: v.systems.map((s) => ({
        system: s.system,
        style: s.style,
        launch: { service: s.launch.id, availabilityPercent: pctNumber(s.launch.availabilityPercent), unmeasuredPercent: pctNumber(s.launch.unmeasuredPercent), downMs: round(s.launch.downMs), runs: s.launch.runs, failedRuns: s.launch.failedRuns, incidents: s.launch.incidents },
        real: { service: s.real.id, availabilityPercent: pctNumber(s.real.availabilityPercent), unmeasuredPercent: pctNumber(s.real.unmeasuredPercent), downMs: round(s.real.downMs), runs: s.real.runs, failedRuns: s.real.failedRuns, incidents: s.real.incidents },
        refused: { samples: s.refused.samples, meanPercent: pct1(s.refused.meanPercent), worstPercent: pct1(s.refused.worstPercent), worstAt: s.refused.worstAt === null ? null : isoLocal(s.refused.worstAt) },
        lpsDowntimeMs: round(s.lpsDowntimeMs),
        lpsIncidents: s.lpsIncidents,
      })),
    })),
    incidents: lps.incidents.map((i) => ({ service: i.service, start: isoLocal(i.start), end: isoLocal(i.end), downtimeMs: round(i.downtimeMs), class: i.class, owner: i.owner, summary: i.summary })),
    statsUnknown: lps.statsUnknown.map((x) => ({ start: isoLocal(x.start), end: isoLocal(x.end), countedMs: round(x.countedMs) })),
    statsUnknownMs: round(lps.statsUnknownMs),
  };
}

export function renderJson(report: SlaReport): string {
  return `${JSON.stringify(reportDocument(report), null, 2)}\n`;
}
