/**
 * The SLA report's charts as inline SVG: availability per day, latency per step, incidents on a
 * timeline. They scale with the page (viewBox) and keep their colours in print.
 */
import type { FailureClass } from '../../core/result.ts';
import type { SlaReport } from './compute.ts';
import { localParts } from '../../core/maintenance.ts';
import { CLASS_COLOURS, esc, n1 } from './html-style.ts';
import { showLocal } from './time.ts';
import { duration, labelOf, pct } from './words.ts';

/** The bottom of the availability axis: low enough that the worst day shows, high enough that 99.5 and 100 differ. */
function axisFloor(values: number[], target: number): number {
  const lowest = Math.min(target, ...values);
  for (const c of [99.9, 99.5, 99, 98, 95, 90, 80, 50]) if (c <= lowest - (100 - c) * 0.1) return c;
  return 0;
}

export function daysChart(report: SlaReport): string {
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

export function latencyChart(report: SlaReport): string {
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

export function timelineChart(report: SlaReport): string {
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
