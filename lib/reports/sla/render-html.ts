/**
 * The SLA report as one self-contained HTML page: inline CSS, charts as inline SVG drawn here
 * (availability per day, latency per step, incidents on a timeline), no script, no external
 * resource, so it can be mailed, archived and printed as it is. Charts scale with the page
 * (viewBox) and keep their colours in print.
 */
import type { FailureClass } from '../../core/result.ts';
import type { SlaReport } from './compute.ts';
import { localParts } from '../../core/maintenance.ts';
import { showLocal } from './time.ts';
import { actualEndText, definition, duration, headlineOf, hours, labelOf, lpsIntro, meetsTarget, overranText, overrunText, pct, periodText, refusedText, serviceHoursText, statsUnknownText } from './words.ts';

const CLASS_COLOURS: Record<FailureClass | 'unknown', string> = {
  infrastructure: '#c0392b',
  sync: '#d35400',
  application: '#8e44ad',
  release: '#1f6fb2',
  lps: '#16a085',
  monitor: '#7f8c8d',
  unknown: '#555555',
};

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const n1 = (v: number) => (Math.round(v * 10) / 10).toString();

const STYLE = `
:root { color-scheme: light; --ok: #1e8449; --bad: #c0392b; --muted: #666; --line: #d9d9d9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p { margin: 6px 0; }
.meta { color: var(--muted); }
.headline { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: center; margin: 16px 0 8px; padding: 14px 18px; border: 1px solid var(--line); border-radius: 8px; }
.big { font-size: 40px; font-weight: 700; line-height: 1.1; }
.big.ok { color: var(--ok); } .big.bad { color: var(--bad); }
.headline dl { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 0; }
.headline dt { color: var(--muted); } .headline dd { margin: 0; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
td.text { overflow-wrap: anywhere; min-width: 12em; }
td.reason { overflow-wrap: anywhere; min-width: 8em; }
td.word { white-space: nowrap; }
th { font-weight: 600; background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.time { font-variant-numeric: tabular-nums; }
.chart { width: 100%; height: auto; display: block; margin: 4px 0 8px; }
.chart text { font: 11px system-ui, sans-serif; fill: #333; }
.chart .axis { stroke: #999; stroke-width: 1; }
.chart .grid { stroke: #e3e3e3; stroke-width: 1; }
.chart .target { stroke: #333; stroke-dasharray: 4 3; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.note { color: var(--muted); font-size: 13px; }
.word { white-space: nowrap; }
.class { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; white-space: nowrap; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@media (max-width: 820px) {
  main { padding: 16px 10px 32px; }
  th, td { padding: 3px 4px; }
}
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  section, .headline, svg, tr { break-inside: avoid; }
  th { background: #eee; }
  table { font-size: 9pt; }
  th, td { padding: 2px 4px; }
}
`;

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

/** The bottom of the availability axis: low enough that the worst day shows, high enough that 99.5 and 100 differ. */
function axisFloor(values: number[], target: number): number {
  const lowest = Math.min(target, ...values);
  for (const c of [99.9, 99.5, 99, 98, 95, 90, 80, 50]) if (c <= lowest - (100 - c) * 0.1) return c;
  return 0;
}

function daysChart(report: SlaReport): string {
  const service = report.headline;
  const days = report.days.filter((d) => d.countedMs > 0);
  if (!days.length) return '<p class="note">No counted time in this period.</p>';
  const W = 900;
  const H = 220;
  const left = 52;
  const right = 10;
  const top = 12;
  const bottom = 34;
  const plotH = H - top - bottom;
  const band = (W - left - right) / days.length;
  const values = days.map((d) => {
    const tl = d.services[service]!;
    const measured = tl.upMs + tl.downMs;
    return { day: d, tally: tl, value: measured > 0 ? (100 * tl.upMs) / measured : null };
  });
  const lo = axisFloor(
    values.flatMap((v) => (v.value === null ? [] : [v.value])),
    report.targetPercent,
  );
  const y = (v: number) => top + plotH - ((Math.max(lo, v) - lo) / (100 - lo)) * plotH;
  const parts: string[] = [];
  for (const tick of [lo, lo + (100 - lo) / 2, 100]) {
    parts.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${n1(y(tick))}" y2="${n1(y(tick))}"/>`);
    parts.push(`<text x="${left - 6}" y="${n1(y(tick) + 4)}" text-anchor="end">${esc(`${+tick.toFixed(2)} %`)}</text>`);
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 31));
  values.forEach((v, i) => {
    const x = left + i * band + band * 0.15;
    const w = Math.max(1, band * 0.7);
    const tip = `${v.day.date}: ${pct(v.value)} (down ${duration(v.tally.downMs)}, missing ${duration(v.tally.missingMs)})`;
    if (v.value === null) {
      parts.push(`<rect class="bar-day nodata" data-date="${v.day.date}" x="${n1(x)}" y="${top}" width="${n1(w)}" height="${plotH}" fill="#d5d5d5"><title>${esc(tip)}</title></rect>`);
    } else {
      const yv = Math.min(y(v.value), top + plotH - 2);
      const colour = v.value >= report.targetPercent ? '#2e8b57' : '#c0392b';
      parts.push(`<rect class="bar-day" data-date="${v.day.date}" x="${n1(x)}" y="${n1(yv)}" width="${n1(w)}" height="${n1(top + plotH - yv)}" fill="${colour}"><title>${esc(tip)}</title></rect>`);
    }
    // Unmeasured time, as a grey cap above the bar: never hidden, never counted as up.
    const missingShare = v.day.countedMs > 0 ? v.tally.missingMs / v.day.countedMs : 0;
    if (missingShare > 0 && v.value !== null) {
      parts.push(`<rect class="bar-missing" x="${n1(x)}" y="${top}" width="${n1(w)}" height="${n1(Math.max(2, missingShare * plotH))}" fill="#bdbdbd"><title>${esc(`${v.day.date}: ${pct(missingShare * 100)} unmeasured`)}</title></rect>`);
    }
    if (i % labelEvery === 0) parts.push(`<text x="${n1(left + i * band + band / 2)}" y="${H - bottom + 14}" text-anchor="middle">${esc(String(Number(v.day.date.slice(8))))}</text>`);
  });
  const ty = y(report.targetPercent);
  parts.push(`<line class="target" x1="${left}" x2="${W - right}" y1="${n1(ty)}" y2="${n1(ty)}"><title>target ${report.targetPercent} %</title></line>`);
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  parts.push(`<text x="${left}" y="${H - 4}">${esc(`${days[0]!.date} – ${days.at(-1)!.date} (day of month; dashed: target ${report.targetPercent} %; grey: unmeasured)`)}</text>`);
  return `<svg class="chart" id="chart-days" role="img" aria-label="availability per day" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" preserveAspectRatio="xMinYMin meet">${parts.join('')}</svg>`;
}

function latencyChart(report: SlaReport): string {
  const rows = report.latency.filter((l) => l.p50Ms !== null && l.p95Ms !== null);
  if (!rows.length) return '<p class="note">No step timings in this period.</p>';
  const W = 900;
  const rowH = 30;
  const left = 110;
  const right = 130;
  const top = 8;
  const H = top + rows.length * rowH + 24;
  const max = Math.max(...rows.map((l) => l.p95Ms!)) * 1.1 || 1;
  const x = (v: number) => left + (v / max) * (W - left - right);
  const parts: string[] = [];
  rows.forEach((l, i) => {
    const yMid = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 8}" y="${n1(yMid + 4)}" text-anchor="end">${esc(l.step)}</text>`);
    parts.push(`<rect class="lat-p50" data-step="${esc(l.step)}" x="${left}" y="${n1(yMid - 7)}" width="${n1(Math.max(2, x(l.p50Ms!) - left))}" height="14" fill="#5b8fd6"><title>${esc(`${l.step}: p50 ${Math.round(l.p50Ms!)} ms`)}</title></rect>`);
    parts.push(`<rect class="lat-p95" data-step="${esc(l.step)}" x="${n1(x(l.p95Ms!) - 1.5)}" y="${n1(yMid - 11)}" width="3" height="22" fill="#1a3d6d"><title>${esc(`${l.step}: p95 ${Math.round(l.p95Ms!)} ms`)}</title></rect>`);
    parts.push(`<text x="${n1(x(l.p95Ms!) + 8)}" y="${n1(yMid + 4)}">${esc(`p50 ${Math.round(l.p50Ms!)} · p95 ${Math.round(l.p95Ms!)} ms`)}</text>`);
  });
  const axisY = top + rows.length * rowH + 4;
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${axisY}" y2="${axisY}"/>`);
  parts.push(`<text x="${left}" y="${axisY + 16}">0 ms</text><text x="${W - right}" y="${axisY + 16}" text-anchor="end">${Math.round(max)} ms</text>`);
  return `<svg class="chart" id="chart-latency" role="img" aria-label="latency per journey step" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" preserveAspectRatio="xMinYMin meet">${parts.join('')}</svg><p class="legend"><span><span class="swatch" style="background:#5b8fd6"></span>p50 (bar)</span><span><span class="swatch" style="background:#1a3d6d"></span>p95 (mark)</span></p>`;
}

function timelineChart(report: SlaReport): string {
  const W = 900;
  const left = 150;
  const right = 10;
  const top = 8;
  const laneH = 22;
  const lanes = report.services;
  const H = top + lanes.length * laneH + 30;
  const span = report.to - report.from;
  const x = (ms: number) => left + ((Math.min(report.to, Math.max(report.from, ms)) - report.from) / span) * (W - left - right);
  const parts: string[] = [];
  for (const m of report.maintenance) {
    // A window set by hand took nothing out: drawn as an outline, not as excluded time.
    const byHand = m.source === 'set by hand';
    const fill = byHand ? 'fill="none" stroke="#8fa8d0" stroke-dasharray="3 2"' : 'fill="#eef3fb"';
    parts.push(
      `<rect class="maint${byHand ? ' by-hand' : ''}" x="${n1(x(m.start))}" y="${top}" width="${n1(Math.max(1, x(m.end) - x(m.start)))}" height="${lanes.length * laneH}" ${fill}><title>${esc(`maintenance (${m.source}): ${m.reason}${m.overran ? `; overran by ${duration(m.overrunMs)}` : ''}`)}</title></rect>`,
    );
  }
  // Day (or week) ticks at Copenhagen midnights.
  const dayCount = report.days.length;
  const every = dayCount > 62 ? 7 : dayCount > 16 ? Math.ceil(dayCount / 16) : 1;
  report.days.forEach((d, i) => {
    if (i % every !== 0) return;
    const p = localParts(new Date(d.start));
    // The first day of an ISO range may start mid-day: a label, but no midnight line.
    const atMidnight = p.hour === 0 && p.minute === 0;
    const xx = x(d.start);
    if (atMidnight) parts.push(`<line class="grid" x1="${n1(xx)}" x2="${n1(xx)}" y1="${top}" y2="${top + lanes.length * laneH}"/>`);
    parts.push(`<text x="${n1(xx + 2)}" y="${top + lanes.length * laneH + 14}">${esc(dayCount > 2 ? d.date.slice(5) : showLocal(d.start).slice(5, 16))}</text>`);
  });
  lanes.forEach((s, i) => {
    const y = top + i * laneH;
    parts.push(`<text x="${left - 8}" y="${y + laneH / 2 + 4}" text-anchor="end">${esc(s.label.replace(' (FLP as a whole)', ''))}</text>`);
    parts.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${y + laneH}" y2="${y + laneH}"/>`);
  });
  for (const inc of report.incidents) {
    const lane = lanes.findIndex((s) => s.id === inc.service);
    if (lane < 0) continue;
    const x0 = x(inc.start);
    const w = Math.max(3, x(inc.end) - x0);
    const colour = CLASS_COLOURS[inc.class ?? 'unknown'];
    const hollow = inc.downtimeMs <= 0;
    const tip = `${labelOf(report, inc.service)}: ${showLocal(inc.start)} – ${showLocal(inc.end)}, ${inc.class ?? 'unknown'} (${inc.owner}): ${inc.summary}`;
    parts.push(
      `<rect class="incident${hollow ? ' uncounted' : ''}" data-service="${esc(inc.service)}" data-class="${esc(inc.class ?? 'unknown')}" x="${n1(Math.min(x0, W - right - w))}" y="${top + lane * laneH + 4}" width="${n1(w)}" height="${laneH - 8}" fill="${hollow ? 'none' : colour}" stroke="${colour}" stroke-width="1"><title>${esc(tip)}</title></rect>`,
    );
  }
  for (const r of report.releases) {
    const xx = x(r.at);
    parts.push(
      `<line class="release" x1="${n1(xx)}" x2="${n1(xx)}" y1="${top}" y2="${top + lanes.length * laneH}" stroke="${r.verdict === 'pass' ? '#1f6fb2' : '#c0392b'}" stroke-width="2" stroke-dasharray="3 2"><title>${esc(`release ${r.version} (canary ${r.verdict}) at ${showLocal(r.at)}`)}</title></line>`,
    );
  }
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${top + lanes.length * laneH}" y2="${top + lanes.length * laneH}"/>`);
  const used = [...new Set(report.incidents.map((i) => i.class ?? 'unknown'))] as (FailureClass | 'unknown')[];
  const legend = `<p class="legend">${used.map((c) => `<span><span class="swatch" style="background:${CLASS_COLOURS[c]}"></span>${esc(c)}</span>`).join('')}${report.maintenance.length ? '<span><span class="swatch" style="background:#eef3fb;border:1px solid #ccd"></span>maintenance</span>' : ''}${report.releases.length ? '<span><span class="swatch" style="background:#1f6fb2"></span>release (dashed line)</span>' : ''}</p>`;
  return `<svg class="chart" id="chart-timeline" role="img" aria-label="incidents on a timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" preserveAspectRatio="xMinYMin meet">${parts.join('')}</svg>${legend}`;
}
