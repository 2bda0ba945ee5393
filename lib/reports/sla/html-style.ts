/**
 * What the SLA report's HTML page (render-html.ts) and its charts (html-charts.ts) share: the
 * page's inline CSS, the colour of each failure class, escaping, and one-decimal figures.
 */
import type { FailureClass } from '../../core/result.ts';

export const CLASS_COLOURS: Record<FailureClass | 'unknown', string> = {
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

export const n1 = (v: number) => (Math.round(v * 10) / 10).toString();

export const STYLE = `
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
