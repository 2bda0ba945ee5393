/**
 * The SLA report as Markdown, for a ticket: the headline first, then one table per question.
 */
import type { SlaReport } from './compute.ts';
import { showLocal } from './time.ts';
import { actualEndText, definition, duration, headlineOf, hours, labelOf, lpsIntro, meetsTarget, overranText, overrunText, pct, periodText, refusedText, serviceHoursText, statsUnknownText } from './words.ts';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function table(headers: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function renderMarkdown(report: SlaReport): string {
  const h = headlineOf(report);
  const meets = meetsTarget(report);
  const verdict = meets === null ? 'no measurements' : meets ? 'target met' : 'target missed';
  const counted = report.incidents.filter((i) => i.downtimeMs > 0);
  const outside = report.incidents.length - counted.length;
  const out: string[] = [
    `# FLP availability: ${report.title} (${report.environment})`,
    '',
    `Period ${periodText(report)} · ${serviceHoursText(report)} · source: ${report.source}`,
    '',
    `**FLP as a whole (the journey): ${pct(h.availabilityPercent)}** of measured time (target ${report.targetPercent} %: ${verdict}) · ${pct(h.unmeasuredPercent)} unmeasured · ${pct(h.conservativePercent)} counting unmeasured time as down`,
    '',
    `Counted time ${hours(report.countedMs)} = ${hours(report.serviceMs)} (${serviceHoursText(report)}) − ${duration(report.maintenanceMs)} of maintenance.`,
    '',
    '## Availability per service',
    '',
    table(
      ['service', 'availability', 'unmeasured', 'conservative', 'down', 'missing', 'runs', 'failed', 'incidents'],
      report.services.map((s) => [
        s.label,
        pct(s.availabilityPercent),
        pct(s.unmeasuredPercent),
        pct(s.conservativePercent),
        duration(s.downMs),
        duration(s.missingMs),
        String(s.runs),
        String(s.failedRuns),
        String(s.incidents),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '## Downtime by owner',
    '',
    report.downtimeByOwner.length
      ? table(
          ['owner', 'journey (FLP as a whole)', 'any service', 'of it overrun: journey', 'of it overrun: any service'],
          report.downtimeByOwner.map((o) => [o.owner, duration(o.journeyMs), duration(o.overallMs), duration(o.journeyOverrunMs), duration(o.overrunMs)]),
          ['l', 'r', 'r', 'r', 'r'],
        )
      : 'No downtime in counted time.',
    '',
    '## Downtime incidents',
    '',
    counted.length
      ? table(
          ['start', 'end', 'duration', 'service', 'class', 'owner', 'evidence'],
          counted.map((i) => [showLocal(i.start), showLocal(i.end), duration(i.downtimeMs), labelOf(report, i.service), i.class ?? 'unknown', i.owner, i.summary]),
          ['l', 'l', 'r'],
        )
      : 'None.',
    ...(outside ? ['', `${outside} further failure stretch${outside === 1 ? '' : 'es'} lay wholly in maintenance or outside service hours and ${outside === 1 ? 'is' : 'are'} not counted.`] : []),
    '',
    ...lpsSection(report),
    '## Maintenance windows',
    '',
    report.maintenance.length
      ? table(
          ['reason', 'source', 'release', 'owner', 'planned start', 'planned end', 'actual end', 'excluded', 'overrun', 'overran'],
          report.maintenance.map((m) => [
            m.reason,
            m.source,
            m.release ?? '–',
            m.owner ?? '–',
            showLocal(m.plannedStart),
            m.plannedEnd === null ? '–' : showLocal(m.plannedEnd),
            actualEndText(m, showLocal),
            duration(m.excludedMs),
            overrunText(m),
            overranText(m),
          ]),
          ['l', 'l', 'l', 'l', 'l', 'l', 'l', 'r', 'r'],
        )
      : 'None in this period.',
    '',
    '## Latency per journey step',
    '',
    report.latency.length
      ? table(
          ['step', 'p50', 'p95', 'runs'],
          report.latency.map((l) => [l.step, ms(l.p50Ms), ms(l.p95Ms), String(l.samples)]),
          ['l', 'r', 'r', 'r'],
        )
      : 'No journey in this config.',
    '',
    '## Sync lag per source',
    '',
    report.syncLag.length
      ? table(
          ['source', 'max', 'p95', 'samples'],
          report.syncLag.map((l) => [l.source, seconds(l.maxSeconds), seconds(l.p95Seconds), String(l.samples)]),
          ['l', 'r', 'r', 'r'],
        )
      : 'No sync sources in this config.',
    '',
    ...(report.releases.length
      ? [
          '## Releases',
          '',
          table(
            ['time', 'version', 'canary', 'verdict'],
            report.releases.map((r) => [showLocal(r.at), r.version, r.verdict, r.summary]),
          ),
          '',
        ]
      : []),
    '## How availability is measured',
    '',
    ...definition(report).flatMap((p) => [p, '']),
    ...report.notes.flatMap((n) => [`> ${n}`, '']),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}

/** The LPS vendors' section (contract v2), only for a config with launch profiles: one table per vendor, the incidents of the LPS checks, the statistics' unknown stretches. */
function lpsSection(report: SlaReport): string[] {
  const lps = report.lps;
  if (!lps) return [];
  const out = ['## LPS vendors', '', lpsIntro(lps), ''];
  for (const v of lps.vendors) {
    out.push(
      `### ${v.vendor}`,
      '',
      table(
        ['system', 'style', 'certified launch', 'unmeasured', 'launch down', 'refused: mean', 'refused: worst', 'worst at', 'lps incidents', 'lps downtime'],
        v.systems.map((s) => [
          s.system,
          s.style,
          pct(s.launch.availabilityPercent),
          pct(s.launch.unmeasuredPercent),
          duration(s.launch.downMs),
          refusedText(s.refused.meanPercent),
          refusedText(s.refused.worstPercent),
          s.refused.worstAt === null ? '–' : showLocal(s.refused.worstAt),
          String(s.lpsIncidents),
          duration(s.lpsDowntimeMs),
        ]),
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
      ),
      '',
      `lps downtime charged to ${v.vendor}: ${duration(v.lpsDowntimeMs)} in ${v.lpsIncidents} incident${v.lpsIncidents === 1 ? '' : 's'}.`,
      '',
    );
  }
  out.push(
    '### Incidents of the LPS checks',
    '',
    lps.incidents.length
      ? table(
          ['start', 'end', 'duration', 'service', 'class', 'owner', 'evidence'],
          lps.incidents.map((i) => [showLocal(i.start), showLocal(i.end), duration(i.downtimeMs), labelOf(report, i.service), i.class ?? 'unknown', i.owner, i.summary]),
          ['l', 'l', 'r'],
        )
      : 'None.',
    '',
    '### Launch statistics unknown',
    '',
    statsUnknownText(lps),
    '',
  );
  if (lps.statsUnknown.length) out.push(table(['start', 'end', 'counted'], lps.statsUnknown.map((x) => [showLocal(x.start), showLocal(x.end), duration(x.countedMs)]), ['l', 'l', 'r']), '');
  return out;
}

function ms(v: number | null): string {
  return v === null ? '–' : `${Math.round(v)} ms`;
}

function seconds(v: number | null): string {
  return v === null ? '–' : duration(v * 1000);
}
