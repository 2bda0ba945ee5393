/**
 * The report's formats, asserted on what a reader sees: the Markdown for a ticket, the CSV a
 * spreadsheet opens, the JSON document.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../../lib/core/config.ts';
import { historyFromRecords } from '../../../../../lib/adapters/local-history.ts';
import { releaseRecord } from '../../../../../lib/core/records.ts';
import { computeSla, type SlaReport } from '../../../../../lib/reports/sla/compute.ts';
import { csvField, renderCsv } from '../../../../../lib/reports/sla/render-csv.ts';
import { renderHtml } from '../../../../../lib/reports/sla/render-html.ts';
import { renderJson } from '../../../../../lib/reports/sla/render-json.ts';
import { renderMarkdown } from '../../../../../lib/reports/sla/render-md.ts';
import { rawConfig } from '../../../../support/config.ts';
import { buildRecords } from '../../../../support/sla-records.ts';

const SUMMARY = 'launch: 503 "Service Unavailable", from the load balancer | proxy';

async function dayReport(): Promise<SlaReport> {
  const config = parseConfig(
    rawConfig({
      schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 },
      maintenance: { windows: [{ start: '2026-11-02T22:00:00+01:00', end: '2026-11-02T23:00:00+01:00', reason: 'opgradering af databasen på flp-1 (Søren)' }], weekly: [] },
    }),
  );
  const from = '2026-11-02T00:00:00+01:00';
  const to = '2026-11-03T00:00:00+01:00';
  const records = buildRecords({
    config,
    from,
    to,
    outages: [
      { service: 'journey', from: '2026-11-02T09:00:00+01:00', to: '2026-11-02T09:10:00+01:00', class: 'infrastructure', summary: SUMMARY },
      { service: 'sync:lab', from: '2026-11-02T13:00:00+01:00', to: '2026-11-02T13:05:00+01:00', class: 'sync', summary: '=HYPERLINK("http://x")' },
    ],
  });
  records.push(releaseRecord({ timestamp: '2026-11-02T07:30:00.000Z', environment: 'test', version: '2026.4.2', verdict: 'pass', summary: 'release 2026.4.2 passed: 3 runs, every node on 2026.4.2' }));
  return computeSla({ config, history: historyFromRecords(records, config, 'local store .flp-monitor/metrics'), from: new Date(from), to: new Date(to), title: 'a day in November', now: new Date('2026-12-01T00:00:00Z') });
}

/** A strict RFC 4180 reader, written apart from the writer: quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (field += ch), i++;
    } else if (ch === '"' && field === '') (quoted = true), i++;
    else if (ch === ',') row.push(field), (field = ''), i++;
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else if (ch === '\n' || ch === '\r' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else (field += ch), i++;
  }
  if (field || row.length) throw new Error('last record does not end with CRLF');
  return rows;
}

describe('Markdown', () => {
  it('leads with FLP as a whole and answers each question in a table', async () => {
    const md = renderMarkdown(await dayReport());
    const lines = md.split('\n');
    expect(lines[0]).toBe('# FLP availability: a day in November (test)');
    expect(md).toContain('Period 2026-11-02 00:00 +01:00 to 2026-11-03 00:00 +01:00, 24 h · all hours · source: local store .flp-monitor/metrics');
    expect(md).toContain('**FLP as a whole (the journey): 99.275 %** of measured time (target 99.5 %: target missed) · 0.000 % unmeasured · 99.275 % counting unmeasured time as down');
    expect(md).toContain('Counted time 23 h = 24 h (all hours) − 1 h of maintenance.');
    expect(lines).toContain('| FLP journey (FLP as a whole) | 99.275 % | 0.000 % | 99.275 % | 10 min | 0 min | 276 | 2 | 1 |');
    expect(lines).toContain('| sync lab | 99.638 % | 0.000 % | 99.638 % | 5 min | 0 min | 276 | 1 | 1 |');
    expect(lines).toContain('| PLSP | 10 min | 15 min | 0 min | 0 min |');
    expect(lines).toContain(
      '| 2026-11-02 09:00 +01:00 | 2026-11-02 09:10 +01:00 | 10 min | FLP journey (FLP as a whole) | infrastructure | PLSP | launch: 503 "Service Unavailable", from the load balancer \\| proxy (2 failed runs) |',
    );
    expect(lines).toContain('| opgradering af databasen på flp-1 (Søren) | config | – | PLSP | 2026-11-02 22:00 +01:00 | 2026-11-02 23:00 +01:00 | 2026-11-02 23:00 +01:00 | 1 h | 0 min | no |');
    expect(lines).toContain('| launch | 145 ms | 193 ms | 276 |');
    expect(lines).toContain('| 2026-11-02 08:30 +01:00 | 2026.4.2 | pass | release 2026.4.2 passed: 3 runs, every node on 2026.4.2 |');
    expect(md).toContain('## How availability is measured');
    expect(md).toMatch(/MISSING when no run was recorded/);
    // Every table row has as many cells as its header.
    const tables = md.split('\n\n').filter((b) => b.startsWith('|'));
    for (const t of tables) {
      const counts = t.split('\n').map((l) => l.replace(/\\\|/g, '').split('|').length);
      expect(new Set(counts).size, t).toBe(1);
    }
  });
});

describe('CSV', () => {
  it('quotes what RFC 4180 requires and nothing else', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(99.13)).toBe('99.13');
    expect(csvField(null)).toBe('');
  });

  it('opens as one sheet: a BOM, CRLF rows, sections named in the first column, Copenhagen times with offsets', async () => {
    const csv = renderCsv(await dayReport());
    expect(csv.startsWith('\uFEFFsection,key,value\r\n')).toBe(true);
    const rows = parseCsv(csv.slice(1));
    const section = (name: string) => rows.filter((r) => r[0] === name);
    // Each section's rows have as many fields as its header.
    let width = 0;
    for (const r of rows) {
      if (r.length === 1 && r[0] === '') continue;
      if (r[0] === 'section') width = r.length;
      else expect(r.length, r.join('|')).toBe(width);
    }
    expect(section('summary')).toContainEqual(['summary', 'flp_availability_pct', '99.275']);
    expect(section('summary')).toContainEqual(['summary', 'from', '2026-11-02T00:00:00+01:00']);
    expect(section('availability')[0]).toEqual(['availability', 'journey', 'FLP journey (FLP as a whole)', '99.275', '0', '99.275', '1380', '1370', '10', '0', '276', '2', '1', '300']);
    expect(section('incident')[0]).toEqual([
      'incident',
      'journey',
      '2026-11-02T09:00:00+01:00',
      '2026-11-02T09:10:00+01:00',
      '10',
      'infrastructure',
      'PLSP',
      '2',
      'yes',
      `${SUMMARY} (2 failed runs)`,
    ]);
    // Text a spreadsheet would run as a formula is defused.
    expect(section('incident')[1]![9]).toBe(`'=HYPERLINK("http://x") (1 failed run)`);
    expect(section('maintenance')[0]).toEqual([
      'maintenance',
      'opgradering af databasen på flp-1 (Søren)',
      'config',
      '',
      '',
      'PLSP',
      '2026-11-02T22:00:00+01:00',
      '2026-11-02T23:00:00+01:00',
      '2026-11-02T23:00:00+01:00',
      'no',
      '60',
      '0',
      'no',
      '',
    ]);
    expect(section('owner')).toEqual([['owner', 'PLSP', '10', '15', '0', '0']]);
    expect(section('day').find((r) => r[2] === 'journey')).toEqual(['day', '2026-11-02', 'journey', '99.275', '1380', '10', '0']);
    expect(section('latency').map((r) => r[1])).toEqual(['launch', 'overview', 'create-plan', 'print', 'cleanup']);
    expect(section('release')).toEqual([['release', '2026-11-02T08:30:00+01:00', '2026.4.2', 'pass', 'release 2026.4.2 passed: 3 runs, every node on 2026.4.2']]);
  });
});

describe('JSON', () => {
  it('is one document with every figure, times in Copenhagen time with their offset', async () => {
    const doc = JSON.parse(renderJson(await dayReport()));
    expect(doc.period).toMatchObject({ from: '2026-11-02T00:00:00+01:00', to: '2026-11-03T00:00:00+01:00', countedMs: 23 * 3_600_000, maintenanceMs: 3_600_000 });
    expect(doc.flp).toEqual({ service: 'journey', availabilityPercent: 99.275, unmeasuredPercent: 0, conservativePercent: 99.275, meetsTarget: false });
    expect(doc.incidents[0]).toMatchObject({ service: 'journey', start: '2026-11-02T09:00:00+01:00', end: '2026-11-02T09:10:00+01:00', downtimeMs: 600_000, class: 'infrastructure', owner: 'PLSP', counted: true });
    expect(doc.downtimeByOwner).toEqual([{ owner: 'PLSP', journeyMs: 600_000, overallMs: 900_000, journeyOverrunMs: 0, overrunMs: 0 }]);
    expect(doc.maintenance).toEqual([
      {
        start: '2026-11-02T22:00:00+01:00',
        end: '2026-11-02T23:00:00+01:00',
        reason: 'opgradering af databasen på flp-1 (Søren)',
        recurring: false,
        excludedMs: 3_600_000,
        source: 'config',
        id: null,
        release: null,
        owner: 'PLSP',
        plannedStart: '2026-11-02T22:00:00+01:00',
        plannedEnd: '2026-11-02T23:00:00+01:00',
        actualEnd: '2026-11-02T23:00:00+01:00',
        closedEarly: false,
        overrunMs: 0,
        overran: false,
        overrunUntil: null,
        overrunByService: [],
      },
    ]);
    expect(doc.syncLag).toEqual([{ source: 'lab', samples: 276, maxSeconds: 114, p95Seconds: 114 }]);
    expect(doc.definition).toHaveLength(4);
    expect(doc.releases).toEqual([{ at: '2026-11-02T08:30:00+01:00', version: '2026.4.2', verdict: 'pass', summary: 'release 2026.4.2 passed: 3 runs, every node on 2026.4.2' }]);
  });
});

describe('HTML', () => {
  it('is one self-contained page: no script, no external resource, text escaped', async () => {
    const html = renderHtml(await dayReport());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain('launch: 503 &quot;Service Unavailable&quot;, from the load balancer | proxy');
    expect(html).toContain('@media print');
    expect(html).toContain('<svg class="chart" id="chart-days"');
  });
});
