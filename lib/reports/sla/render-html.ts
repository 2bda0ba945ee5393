/**
 * The SLA report as one self-contained HTML page: inline CSS (html-style.ts), charts as inline SVG (html-charts.ts)
 * (availability per day, latency per step, incidents on a timeline), no script, no external
 * resource, so it can be mailed, archived and printed as it is. Charts scale with the page
 * (viewBox) and keep their colours in print.
 */
import type { FailureClass } from '../../core/result.ts';
import type { SlaReport } from './compute.ts';
import { daysChart, latencyChart, timelineChart } from './html-charts.ts';
import { CLASS_COLOURS, esc, STYLE } from './html-style.ts';
import { showLocal } from './time.ts';
import { actualEndText, definition, duration, headlineOf, hours, labelOf, lpsIntro, meetsTarget, overranText, overrunText, pct, periodText, refusedText, serviceHoursText, statsUnknownText } from './words.ts';

export { esc } from './html-style.ts';

export function renderHtml(report: SlaReport): string {
  const h = headlineOf(report);
  const meets = meetsTarget(report);
  const counted = report.incidents.filter((i) => i.downtimeMs > 0);
  const outside = report.incidents.length - counted.length;
  const title = `FLP availability: ${report.title} (${report.environment})`;
  const body = [
    `<header><h1>${esc(title)}</h1>`,
    `<p class="meta">Period ${esc(periodText(report))} · ${esc(serviceHoursText(report))} · source: ${esc(report.source)}</p></header>`,
    `<section class="headline" aria-label="FLP as a whole">`,
    `<div><div class="big ${meets === false ? 'bad' : 'ok'}" data-testid="flp-availability">${esc(pct(h.availabilityPercent))}</div>`,
    `<div>FLP as a whole (the journey), over measured time</div></div>`,
    `<dl><dt>target</dt><dd>${esc(String(report.targetPercent))} % (${meets === null ? 'no measurements' : meets ? 'met' : 'missed'})</dd>`,
    `<dt>unmeasured</dt><dd>${esc(pct(h.unmeasuredPercent))}</dd>`,
    `<dt>conservative</dt><dd>${esc(pct(h.conservativePercent))} (unmeasured counted as down)</dd>`,
    `<dt>counted time</dt><dd>${esc(hours(report.countedMs))} (${esc(duration(report.maintenanceMs))} maintenance excluded)</dd></dl>`,
    `</section>`,
    `<section><h2>Availability per day: ${esc(h.label)}</h2>${daysChart(report)}</section>`,
    `<section><h2>Availability per service</h2>${servicesTable(report)}</section>`,
    `<section><h2>Downtime incidents</h2>${timelineChart(report)}${incidentsTable(report, counted)}${
      outside ? `<p class="note">${outside} further failure stretch${outside === 1 ? '' : 'es'} lay wholly in maintenance or outside service hours and ${outside === 1 ? 'is' : 'are'} not counted (drawn hollow on the timeline).</p>` : ''
    }</section>`,
    `<section><h2>Downtime by owner</h2>${ownersTable(report)}</section>`,
    ...(report.lps ? [lpsSection(report.lps, report)] : []),
    `<section><h2>Latency per journey step</h2>${latencyChart(report)}${latencyTable(report)}</section>`,
    `<section><h2>Sync lag per source</h2>${syncTable(report)}</section>`,
    `<section><h2>Maintenance windows</h2>${maintenanceTable(report)}</section>`,
    report.releases.length ? `<section><h2>Releases</h2>${releasesTable(report)}</section>` : '',
    `<section><h2>How availability is measured</h2>${definition(report)
      .map((p) => `<p>${esc(p)}</p>`)
      .join('')}${report.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}</section>`,
    `<footer>Generated ${esc(showLocal(report.generatedAt))} by flp-monitor sla.</footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

type Cell = { html: string; kind?: 'num' | 'time' | 'text' | 'word' | 'reason' };

function table(headers: { text: string; num?: boolean }[], rows: Cell[][], empty: string, id: string): string {
  if (!rows.length) return `<p class="note">${esc(empty)}</p>`;
  return `<table class="${id}"><thead><tr>${headers.map((x) => `<th${x.num ? ' class="num"' : ''}>${esc(x.text)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td${c.kind ? ` class="${c.kind}"` : ''}>${c.html}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const t = (s: string): Cell => ({ html: esc(s) });
/** A figure: it may wrap between "1 h" and "50 min", never between a number and its unit. */
const num = (s: string): Cell => ({ html: esc(s).replace(/(\d) (?=[a-z%])/g, '$1&nbsp;'), kind: 'num' });
const word = (s: string): Cell => ({ html: esc(s), kind: 'word' });
const text = (s: string): Cell => ({ html: esc(s), kind: 'text' });
/** A time that may break after its date, never inside "10:00 +02:00". */
const time = (ms: number): Cell => {
  const [date, clock, offset] = showLocal(ms).split(' ');
  return { html: `${esc(date!)} <span class="word">${esc(clock!)}&nbsp;${esc(offset!)}</span>`, kind: 'time' };
};

function classBadge(c: FailureClass | null): string {
  const key = c ?? 'unknown';
  return `<span class="class" style="background:${CLASS_COLOURS[key]}">${esc(key)}</span>`;
}

function servicesTable(report: SlaReport): string {
  return table(
    [{ text: 'service' }, { text: 'availability', num: true }, { text: 'unmeasured', num: true }, { text: 'conservative', num: true }, { text: 'down', num: true }, { text: 'missing', num: true }, { text: 'runs', num: true }, { text: 'failed', num: true }, { text: 'incidents', num: true }],
    report.services.map((s) => [
      t(s.label),
      num(pct(s.availabilityPercent)),
      num(pct(s.unmeasuredPercent)),
      num(pct(s.conservativePercent)),
      num(duration(s.downMs)),
      num(duration(s.missingMs)),
      num(String(s.runs)),
      num(String(s.failedRuns)),
      num(String(s.incidents)),
    ]),
    'No services.',
    'services',
  );
}

function incidentsTable(report: SlaReport, incidents: SlaReport['incidents']): string {
  return table(
    [{ text: 'start' }, { text: 'end' }, { text: 'duration', num: true }, { text: 'service' }, { text: 'class' }, { text: 'owner' }, { text: 'evidence' }],
    incidents.map((i) => [time(i.start), time(i.end), num(duration(i.downtimeMs)), word(labelOf(report, i.service).replace(' (FLP as a whole)', '')), { html: classBadge(i.class) }, word(i.owner), text(i.summary)]),
    'No downtime in counted time.',
    'incidents',
  );
}

function ownersTable(report: SlaReport): string {
  return table(
    [{ text: 'owner' }, { text: 'journey (FLP as a whole)', num: true }, { text: 'any service', num: true }, { text: 'of it overrun: journey', num: true }, { text: 'of it overrun: any service', num: true }],
    report.downtimeByOwner.map((o) => [t(o.owner), num(duration(o.journeyMs)), num(duration(o.overallMs)), num(duration(o.journeyOverrunMs)), num(duration(o.overrunMs))]),
    'No downtime in counted time.',
    'owners',
  );
}

/** The LPS vendors' section (contract v2), only for a config with launch profiles. */
function lpsSection(lps: NonNullable<SlaReport['lps']>, report: SlaReport): string {
  const vendors = lps.vendors
    .map(
      (v) =>
        `<h3>${esc(v.vendor)}</h3>${table(
          [
            { text: 'system' },
            { text: 'style' },
            { text: 'certified launch', num: true },
            { text: 'unmeasured', num: true },
            { text: 'launch down', num: true },
            { text: 'refused: mean', num: true },
            { text: 'refused: worst', num: true },
            { text: 'worst at' },
            { text: 'lps incidents', num: true },
            { text: 'lps downtime', num: true },
          ],
          v.systems.map((s) => [
            word(s.system),
            word(s.style),
            num(pct(s.launch.availabilityPercent)),
            num(pct(s.launch.unmeasuredPercent)),
            num(duration(s.launch.downMs)),
            num(refusedText(s.refused.meanPercent)),
            num(refusedText(s.refused.worstPercent)),
            s.refused.worstAt === null ? t('–') : time(s.refused.worstAt),
            num(String(s.lpsIncidents)),
            num(duration(s.lpsDowntimeMs)),
          ]),
          'No systems.',
          'vendor',
        )}<p>${esc(`lps downtime charged to ${v.vendor}: ${duration(v.lpsDowntimeMs)} in ${v.lpsIncidents} incident${v.lpsIncidents === 1 ? '' : 's'}.`)}</p>`,
    )
    .join('');
  const unknown = lps.statsUnknown.length
    ? table(
        [{ text: 'start' }, { text: 'end' }, { text: 'counted', num: true }],
        lps.statsUnknown.map((x) => [time(x.start), time(x.end), num(duration(x.countedMs))]),
        'None.',
        'stats-unknown',
      )
    : '';
  return `<section class="vendors"><h2>LPS vendors</h2><p>${esc(lpsIntro(lps))}</p>${vendors}<h3>Incidents of the LPS checks</h3>${incidentsTable(report, lps.incidents)}<h3>Launch statistics unknown</h3><p>${esc(statsUnknownText(lps))}</p>${unknown}</section>`;
}

function latencyTable(report: SlaReport): string {
  return table(
    [{ text: 'step' }, { text: 'p50', num: true }, { text: 'p95', num: true }, { text: 'runs', num: true }],
    report.latency.map((l) => [t(l.step), num(l.p50Ms === null ? '–' : `${Math.round(l.p50Ms)} ms`), num(l.p95Ms === null ? '–' : `${Math.round(l.p95Ms)} ms`), num(String(l.samples))]),
    'No journey in this config.',
    'latency',
  );
}

function syncTable(report: SlaReport): string {
  const s = (v: number | null) => (v === null ? '–' : duration(v * 1000));
  return table(
    [{ text: 'source' }, { text: 'max lag', num: true }, { text: 'p95 lag', num: true }, { text: 'samples', num: true }],
    report.syncLag.map((l) => [t(l.source), num(s(l.maxSeconds)), num(s(l.p95Seconds)), num(String(l.samples))]),
    'No sync sources in this config.',
    'sync-lag',
  );
}

function releasesTable(report: SlaReport): string {
  return table(
    [{ text: 'time' }, { text: 'version' }, { text: 'canary' }, { text: 'verdict' }],
    report.releases.map((r) => [time(r.at), word(r.version), word(r.verdict), text(r.summary)]),
    'None.',
    'releases',
  );
}

/** One row per window; planned start and end share a cell so the table fits an A4 page. */
function maintenanceTable(report: SlaReport): string {
  return table(
    [
      { text: 'reason' },
      { text: 'source' },
      { text: 'release' },
      { text: 'owner' },
      { text: 'planned' },
      { text: 'actual end' },
      { text: 'excluded', num: true },
      { text: 'overrun', num: true },
      { text: 'overran' },
    ],
    report.maintenance.map((m) => [
      { html: esc(m.reason), kind: 'reason' },
      word(m.source),
      word(m.release ?? '–'),
      word(m.owner ?? '–'),
      { html: m.plannedEnd === null ? `${time(m.plannedStart).html} (no plan)` : `${time(m.plannedStart).html} – ${time(m.plannedEnd).html}`, kind: 'time' },
      m.actualEnd === null ? t(actualEndText(m, showLocal)) : m.closedEarly ? { html: `${time(m.actualEnd).html} (closed early)`, kind: 'time' } : time(m.actualEnd),
      num(duration(m.excludedMs)),
      num(overrunText(m)),
      word(overranText(m)),
    ]),
    'None in this period.',
    'maintenance',
  );
}
