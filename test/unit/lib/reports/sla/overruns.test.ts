/**
 * Maintenance windows set at run time, and their overruns, over records whose minutes are known
 * by construction (test/support/sla-records.ts): one run per five-minute interval, failing in the
 * chosen outages. A window is excluded from its start to its planned end (or its early close);
 * down time after the planned end, until the service recovers, is an overrun charged to the
 * window's owner.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../../../lib/core/config.ts';
import { historyFromRecords } from '../../../../../lib/adapters/local-history.ts';
import type { RuntimeWindow } from '../../../../../lib/core/windows.ts';
import { computeSla, type SlaHistory, type SlaReport } from '../../../../../lib/reports/sla/compute.ts';
import { renderCsv } from '../../../../../lib/reports/sla/render-csv.ts';
import { renderHtml } from '../../../../../lib/reports/sla/render-html.ts';
import { renderJson } from '../../../../../lib/reports/sla/render-json.ts';
import { renderMarkdown } from '../../../../../lib/reports/sla/render-md.ts';
import { rawConfig } from '../../../../support/config.ts';
import { buildRecords, runtimeWindow, type Outage } from '../../../../support/sla-records.ts';

const H = 3_600_000;
const MIN = 60_000;
const NOW = new Date('2027-01-01T00:00:00Z');
const FROM = '2026-11-02T00:00:00+01:00';
const TO = '2026-11-02T06:00:00+01:00';
const at = (clock: string) => `2026-11-02T${clock}:00+01:00`;

function config(overrides: Record<string, unknown> = {}): Config {
  return parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 }, ...overrides }));
}

async function report(c: Config, windows: RuntimeWindow[], outages: Outage[], extra: Partial<SlaHistory> = {}): Promise<SlaReport> {
  const records = buildRecords({ config: c, from: FROM, to: TO, outages });
  return computeSla({ config: c, history: { ...historyFromRecords(records, c, 'local store'), ...extra }, windows, from: new Date(FROM), to: new Date(TO), title: 'a night in November', now: NOW });
}

const journey = (r: SlaReport) => r.services.find((s) => s.id === 'journey')!;

describe('a window that overran', () => {
  // Window 01:00–03:00 (KiAP's), the journey down 01:10–03:25 with an infrastructure failure.
  const windows = [runtimeWindow({ start: at('01:00'), end: at('03:00'), reason: 'database upgrade', owner: 'KiAP' })];
  const outages: Outage[] = [{ service: 'journey', from: at('01:10'), to: at('03:25'), class: 'infrastructure', summary: 'launch: 503' }];

  it('excludes the window up to its planned end, counts the 25 minutes after it as downtime and charges them to the window\'s owner, whatever the class', async () => {
    const r = await report(config(), windows, outages);
    expect(r.maintenanceMs).toBe(2 * H);
    expect(r.countedMs).toBe(4 * H);
    const j = journey(r);
    // Nothing inside the window counts: only 03:00–03:25.
    expect(j.downMs).toBe(25 * MIN);
    expect(j.availabilityPercent).toBeCloseTo((100 * (240 - 25)) / 240, 10);
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 25 * MIN, overallMs: 25 * MIN, journeyOverrunMs: 25 * MIN, overrunMs: 25 * MIN }]);
    const [row] = r.maintenance;
    expect(row).toMatchObject({
      source: 'run time',
      reason: 'database upgrade',
      owner: 'KiAP',
      plannedStart: Date.parse(at('01:00')),
      plannedEnd: Date.parse(at('03:00')),
      actualEnd: Date.parse(at('03:00')),
      closedEarly: false,
      excludedMs: 2 * H,
      overrunMs: 25 * MIN,
      overran: true,
      overrunUntil: Date.parse(at('03:25')),
      overrunByService: [{ service: 'journey', overrunMs: 25 * MIN, recoveredAt: Date.parse(at('03:25')) }],
    });
    const [incident] = r.incidents;
    expect(incident).toMatchObject({ service: 'journey', downtimeMs: 25 * MIN, class: 'infrastructure', owner: 'KiAP' });
    expect(incident!.overruns).toEqual([{ window: 'database upgrade', plannedEnd: Date.parse(at('03:00')), owner: 'KiAP', downtimeMs: 25 * MIN }]);
    expect(incident!.summary).toBe('overran maintenance "database upgrade" (planned end 2026-11-02 03:00 +01:00) by 25 min, charged to KiAP; launch: 503 (27 failed runs)');
    expect(r.notes).toEqual([]);
    expect(renderMarkdown(r)).toContain("A service still down at a window's planned end overran it: its down time from the planned end until it recovered is counted as downtime and charged to the window's owner, whatever the class of the failure.");
  });

  it('lists planned and actual end and the overrun in Markdown and JSON, and the owner\'s overrun apart', async () => {
    const r = await report(config(), windows, outages);
    const lines = renderMarkdown(r).split('\n');
    expect(lines).toContain('## Maintenance windows');
    expect(lines).toContain('| reason | source | release | owner | planned start | planned end | actual end | excluded | overrun | overran |');
    expect(lines).toContain('| database upgrade | run time | – | KiAP | 2026-11-02 01:00 +01:00 | 2026-11-02 03:00 +01:00 | 2026-11-02 03:00 +01:00 | 2 h | 25 min | yes |');
    expect(lines).toContain('| KiAP | 25 min | 25 min | 25 min | 25 min |');
    const doc = JSON.parse(renderJson(r));
    expect(doc.maintenance[0]).toMatchObject({
      source: 'run time',
      id: windows[0]!.id,
      plannedStart: '2026-11-02T01:00:00+01:00',
      plannedEnd: '2026-11-02T03:00:00+01:00',
      actualEnd: '2026-11-02T03:00:00+01:00',
      overrunMs: 25 * MIN,
      overran: true,
      overrunUntil: '2026-11-02T03:25:00+01:00',
    });
    expect(doc.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 25 * MIN, overallMs: 25 * MIN, journeyOverrunMs: 25 * MIN, overrunMs: 25 * MIN }]);
    expect(doc.incidents[0].overruns).toEqual([{ window: 'database upgrade', plannedEnd: '2026-11-02T03:00:00+01:00', owner: 'KiAP', downtimeMs: 25 * MIN }]);
    const csv = renderCsv(r).split('\r\n');
    expect(csv).toContain(`maintenance,database upgrade,run time,${windows[0]!.id},,KiAP,2026-11-02T01:00:00+01:00,2026-11-02T03:00:00+01:00,2026-11-02T03:00:00+01:00,no,120,25,yes,2026-11-02T03:25:00+01:00`);
    expect(csv).toContain('owner,KiAP,25,25,25,25');
  });

  it('counts the time any service overran once, and each service apart', async () => {
    const r = await report(config(), windows, [...outages, { service: 'node:flp-1', from: at('01:10'), to: at('03:10'), class: 'infrastructure', summary: 'flp-1 down' }]);
    expect(r.maintenance[0]).toMatchObject({
      overrunMs: 25 * MIN,
      overrunByService: [
        { service: 'journey', overrunMs: 25 * MIN, recoveredAt: Date.parse(at('03:25')) },
        { service: 'node:flp-1', overrunMs: 10 * MIN, recoveredAt: Date.parse(at('03:10')) },
      ],
    });
    // The node's 10 minutes overlap the journey's: KiAP's overrun across services is still 25.
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 25 * MIN, overallMs: 25 * MIN, journeyOverrunMs: 25 * MIN, overrunMs: 25 * MIN }]);
  });
});

describe('a window closed early', () => {
  it('is excluded only until it was closed; down time after that is charged by class, not as overrun', async () => {
    // Planned 01:00–03:00, closed at 02:00 (`window end`); the journey fails 02:10–02:20 (application, KiAP's).
    const windows = [runtimeWindow({ start: at('01:00'), end: at('03:00'), endedAt: at('02:00'), reason: 'certificate renewal', owner: 'PLSP' })];
    const r = await report(config(), windows, [{ service: 'journey', from: at('02:10'), to: at('02:20'), class: 'application', summary: 'print failed' }]);
    expect(r.maintenanceMs).toBe(1 * H);
    expect(r.countedMs).toBe(5 * H);
    expect(journey(r).downMs).toBe(10 * MIN);
    expect(journey(r).availabilityPercent).toBeCloseTo((100 * (300 - 10)) / 300, 10);
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 10 * MIN, overallMs: 10 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
    expect(r.maintenance[0]).toMatchObject({ plannedEnd: Date.parse(at('03:00')), actualEnd: Date.parse(at('02:00')), closedEarly: true, excludedMs: 1 * H, overrunMs: 0, overran: false });
    expect(r.incidents[0]).toMatchObject({ owner: 'KiAP', class: 'application', summary: 'print failed (2 failed runs)' });
    expect(r.incidents[0]!.overruns).toBeUndefined();
    expect(renderMarkdown(r).split('\n')).toContain(
      '| certificate renewal | run time | – | PLSP | 2026-11-02 01:00 +01:00 | 2026-11-02 03:00 +01:00 | 2026-11-02 02:00 +01:00 (closed early) | 1 h | 0 min | no |',
    );
    expect(JSON.parse(renderJson(r)).maintenance[0]).toMatchObject({ plannedEnd: '2026-11-02T03:00:00+01:00', actualEnd: '2026-11-02T02:00:00+01:00', closedEarly: true, overran: false });
  });

  it('cannot overrun even when the service is down at its planned end', async () => {
    const windows = [runtimeWindow({ start: at('01:00'), end: at('03:00'), endedAt: at('02:00'), owner: 'PLSP' })];
    const r = await report(config(), windows, [{ service: 'journey', from: at('02:50'), to: at('03:10'), class: 'application' }]);
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 20 * MIN, overallMs: 20 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
    expect(r.maintenance[0]).toMatchObject({ overrunMs: 0, overran: false });
  });
});

describe('whose an overrun is', () => {
  it("charges a release window without an owner to the release owner", async () => {
    const c = config({ owners: { release: 'KiAP release' } });
    const windows = [runtimeWindow({ start: at('01:00'), end: at('02:00'), reason: 'release 2026.4.2', release: '2026.4.2' })];
    const r = await report(c, windows, [{ service: 'journey', from: at('01:30'), to: at('02:15'), class: 'infrastructure' }]);
    expect(r.maintenance[0]).toMatchObject({ owner: 'KiAP release', release: '2026.4.2', overrunMs: 15 * MIN, overran: true });
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP release', journeyMs: 15 * MIN, overallMs: 15 * MIN, journeyOverrunMs: 15 * MIN, overrunMs: 15 * MIN }]);
    expect(renderMarkdown(r).split('\n')).toContain(
      '| release 2026.4.2 | run time | 2026.4.2 | KiAP release | 2026-11-02 01:00 +01:00 | 2026-11-02 02:00 +01:00 | 2026-11-02 02:00 +01:00 | 1 h | 15 min | yes |',
    );
  });

  it("charges the config's windows to the infrastructure owner, and a later window's planned end takes over the overrun", async () => {
    // A config window 01:00–02:00 and a run-time window 01:30–03:00 over it; the journey down 01:10–03:20.
    const c = config({ maintenance: { windows: [{ start: at('01:00'), end: at('02:00'), reason: 'network change' }], weekly: [] } });
    const windows = [runtimeWindow({ start: at('01:30'), end: at('03:00'), reason: 'release 2026.4.2', release: '2026.4.2' })];
    const r = await report(c, windows, [{ service: 'journey', from: at('01:10'), to: at('03:20'), class: 'infrastructure' }]);
    expect(r.maintenanceMs).toBe(2 * H);
    expect(r.maintenance.map((m) => [m.reason, m.source, m.owner, m.overrunMs, m.overran])).toEqual([
      // 02:00–03:00 lay in the release window: nothing of it is counted.
      ['network change', 'config', 'PLSP', 0, false],
      ['release 2026.4.2', 'run time', 'KiAP', 20 * MIN, true],
    ]);
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 20 * MIN, overallMs: 20 * MIN, journeyOverrunMs: 20 * MIN, overrunMs: 20 * MIN }]);
  });

  it('lists weekly occurrences with their source, and a failure that ends at the planned end is no overrun', async () => {
    const c = config({ maintenance: { windows: [], weekly: [{ day: 'mon', start: '01:00', durationMinutes: 60, reason: 'weekly patching' }] } });
    const r = await report(c, [], [{ service: 'journey', from: at('01:00'), to: at('02:00'), class: 'infrastructure' }]);
    expect(r.maintenance).toHaveLength(1);
    expect(r.maintenance[0]).toMatchObject({ source: 'weekly', recurring: true, owner: 'PLSP', overrunMs: 0, overran: false });
    expect(r.downtimeByOwner).toEqual([]);
  });
});

describe('windows set by hand', () => {
  it('lists them, takes nothing out of counted time, charges by class, and says why', async () => {
    const handSetWindows = async () => [{ start: new Date(at('02:00')), end: new Date(at('02:30')), reason: 'emergency fix on flp-2 (Søren)' }];
    const r = await report(config(), [], [{ service: 'journey', from: at('02:00'), to: at('02:10'), class: 'infrastructure' }], { handSetWindows });
    expect(r.maintenanceMs).toBe(0);
    expect(r.countedMs).toBe(6 * H);
    expect(r.maintenance).toEqual([
      expect.objectContaining({ source: 'set by hand', reason: 'emergency fix on flp-2 (Søren)', owner: null, plannedEnd: null, actualEnd: Date.parse(at('02:30')), excludedMs: 0, overran: null }),
    ]);
    expect(r.downtimeByOwner).toEqual([{ owner: 'PLSP', journeyMs: 10 * MIN, overallMs: 10 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
    expect(renderMarkdown(r).split('\n')).toContain('| emergency fix on flp-2 (Søren) | set by hand | – | – | 2026-11-02 02:00 +01:00 | – | 2026-11-02 02:30 +01:00 | 0 min | – | – |');
    expect(renderMarkdown(r)).toMatch(/A window set by hand \(the maintenance alarm put into ALARM with set-alarm-state\) had no plan: it is listed and takes nothing out\./);
  });

  it('says in the notes when the alarm history could not be read, and still reports', async () => {
    const handSetWindows = async () => {
      throw new Error('DescribeAlarmHistory of flp-test-maintenance-window failed: Access denied');
    };
    const r = await report(config(), [], [], { handSetWindows });
    expect(journey(r).availabilityPercent).toBe(100);
    expect(r.notes).toContain(
      "The maintenance alarm's history could not be read (DescribeAlarmHistory of flp-test-maintenance-window failed: Access denied): windows set by hand are not listed.",
    );
  });
});

describe('the HTML with windows', () => {
  it('stays one well-formed page: every tag closed in order, every row as wide as its header', async () => {
    const windows = [
      runtimeWindow({ start: at('01:00'), end: at('03:00'), reason: 'database <upgrade> & "more"', owner: 'KiAP' }),
      runtimeWindow({ start: at('04:00'), end: at('05:00'), endedAt: at('04:30'), reason: 'closed early' }),
    ];
    const handSetWindows = async () => [{ start: new Date(at('05:10')), end: null, reason: 'by hand' }];
    const r = await report(config(), windows, [{ service: 'journey', from: at('01:10'), to: at('03:25'), class: 'infrastructure' }], { handSetWindows });
    const html = renderHtml(r);
    expect(html).toContain('database &lt;upgrade&gt; &amp; &quot;more&quot;');
    expect(html).toContain('still in ALARM');
    expect(html).toContain('class="maint by-hand"');
    expect(unbalanced('<main><p>x</main>')).not.toEqual([]);
    expect(unbalanced(html)).toEqual([]);
    const table = html.slice(html.indexOf('<table class="maintenance">'), html.indexOf('</table>', html.indexOf('<table class="maintenance">')));
    const widths = table.split('<tr>').slice(1).map((row) => (row.match(/<t[hd][ >]/g) ?? []).length);
    expect(widths).toEqual([9, 9, 9, 9]);
  });
});

/** Tags opened and closed out of order, or left open (void elements aside): a small well-formedness check without a browser. */
function unbalanced(html: string): string[] {
  const voids = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'line', 'rect', 'path', 'circle']);
  const stack: string[] = [];
  const problems: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<!doctype[^>]*>/i, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = m;
    const name = rawName!.toLowerCase();
    if (selfClosing || (voids.has(name) && !closing)) continue;
    if (!closing) stack.push(name);
    else if (stack.at(-1) === name) stack.pop();
    else if (voids.has(name) && stack.at(-1) !== name) continue;
    else problems.push(`</${name}> closes <${stack.at(-1) ?? 'nothing'}>`);
  }
  return [...problems, ...stack.map((t) => `<${t}> never closed`)];
}
