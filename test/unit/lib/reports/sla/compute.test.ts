/**
 * SLA figures over records whose availability is known by construction (test/support/sla-records.ts):
 * one run per scheduled interval, failing in chosen outages, absent in chosen gaps.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../../../lib/core/config.ts';
import { historyFromRecords } from '../../../../../lib/adapters/local-history.ts';
import { computeSla, type SlaReport } from '../../../../../lib/reports/sla/compute.ts';
import { monthRange } from '../../../../../lib/reports/sla/time.ts';
import { rawConfig } from '../../../../support/config.ts';
import { buildRecords, type BuildOptions } from '../../../../support/sla-records.ts';

const H = 3_600_000;
const MIN = 60_000;
const NOW = new Date('2027-01-01T00:00:00Z');

function config(overrides: Record<string, unknown> = {}): Config {
  return parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 }, ...overrides }));
}

async function report(c: Config, from: string | Date, to: string | Date, build: Partial<BuildOptions> = {}): Promise<SlaReport> {
  const records = buildRecords({ config: c, from, to, ...build });
  return computeSla({ config: c, history: historyFromRecords(records, c), from: new Date(from), to: new Date(to), now: NOW });
}

const service = (r: SlaReport, id: string) => r.services.find((s) => s.id === id)!;

describe('availability by construction', () => {
  it('two failed journey runs of 288 in a day give 286/288, and only the journey loses time', async () => {
    const c = config();
    const r = await report(c, '2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00', {
      outages: [
        { service: 'journey', from: '2026-11-02T09:00:00+01:00', to: '2026-11-02T09:05:00+01:00', class: 'application', summary: 'overview failed: page error' },
        { service: 'journey', from: '2026-11-02T15:00:00+01:00', to: '2026-11-02T15:05:00+01:00', class: 'application', summary: 'overview failed: page error' },
      ],
    });
    const j = service(r, 'journey');
    expect(j.runs).toBe(288);
    expect(j.failedRuns).toBe(2);
    expect(j.availabilityPercent).toBeCloseTo((100 * 286) / 288, 10);
    expect(j.conservativePercent).toBeCloseTo((100 * 286) / 288, 10);
    expect(j.unmeasuredPercent).toBe(0);
    expect(j.downMs).toBe(10 * MIN);
    expect(service(r, 'lb').availabilityPercent).toBe(100);
    expect(r.countedMs).toBe(24 * H);
    expect(r.incidents).toHaveLength(2);
  });

  it('reports a stretch without runs as missing, never as up', async () => {
    const c = config();
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z', {
      gaps: [{ from: '2026-11-02T06:00:00Z', to: '2026-11-02T08:00:00Z' }],
      outages: [{ service: 'journey', from: '2026-11-02T12:00:00Z', to: '2026-11-02T12:30:00Z', class: 'infrastructure' }],
    });
    const j = service(r, 'journey');
    expect(j.missingMs).toBe(2 * H);
    expect(j.upMs).toBe(21.5 * H);
    expect(j.downMs).toBe(0.5 * H);
    expect(j.availabilityPercent).toBeCloseTo((100 * 21.5) / 22, 10);
    expect(j.unmeasuredPercent).toBeCloseTo((100 * 2) / 24, 10);
    expect(j.conservativePercent).toBeCloseTo((100 * 21.5) / 24, 10);
    // A monitor that was down says nothing: no incident for the gap.
    expect(r.incidents.map((i) => i.service)).toEqual(['journey']);
  });

  it('gives a service with no runs at all no availability, all of it unmeasured', async () => {
    const c = config();
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-02T06:00:00Z', { gaps: [{ from: '2026-11-02T00:00:00Z', to: '2026-11-02T06:00:00Z', services: ['sync:lab'] }] });
    expect(service(r, 'sync:lab')).toMatchObject({ availabilityPercent: null, unmeasuredPercent: 100, conservativePercent: 0, runs: 0 });
  });

  it('counts a run in the interval it started in, and takes scheduling jitter across a boundary in its stride', async () => {
    const c = config();
    // Runs alternately 2 s before and 2 s after their interval starts: some intervals get two runs, some none.
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-02T12:00:00Z', { offsetMs: (_s, slot) => ((slot / 300_000) % 2 ? -2000 : 2000) });
    expect(service(r, 'journey').missingMs).toBe(0);
    expect(service(r, 'journey').availabilityPercent).toBe(100);
  });
});

describe('Copenhagen months, days and service hours across daylight saving', () => {
  it('counts October 2026 as 745 hours and March 2026 as 743, every interval measured', async () => {
    const c = config({ target: { baseUrl: 'http://flp.example.test', nodes: [{ name: 'flp-1', url: 'http://flp-1.example.test' }] }, sync: [] });
    const oct = monthRange('2026-10')!;
    const r = await report(c, oct.from, oct.to);
    expect(r.periodMs).toBe(745 * H);
    expect(r.countedMs).toBe(745 * H);
    expect(service(r, 'journey')).toMatchObject({ runs: 745 * 12, availabilityPercent: 100, missingMs: 0 });
    expect(r.days).toHaveLength(31);
    expect(r.days.find((d) => d.date === '2026-10-25')!.countedMs).toBe(25 * H);
    expect(r.days.find((d) => d.date === '2026-10-24')!.countedMs).toBe(24 * H);
    const mar = monthRange('2026-03')!;
    expect(mar.to.getTime() - mar.from.getTime()).toBe(743 * H);
    expect(mar.from.toISOString()).toBe('2026-02-28T23:00:00.000Z');
  });

  it('takes the service hours 01:00–04:00 on the spring Sunday as 2 real hours and on the autumn Sunday as 4', async () => {
    const c = config({ sla: { serviceHours: { days: ['sun'], start: '01:00', end: '04:00' } } });
    const spring = await report(c, '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', {
      outages: [{ service: 'journey', from: '2026-03-29T01:00:00+01:00', to: '2026-03-29T01:30:00+01:00', class: 'infrastructure' }],
    });
    expect(spring.periodMs).toBe(23 * H);
    expect(spring.countedMs).toBe(2 * H);
    expect(service(spring, 'journey').availabilityPercent).toBeCloseTo(75, 10);
    const autumn = await report(c, '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00');
    expect(autumn.periodMs).toBe(25 * H);
    expect(autumn.countedMs).toBe(4 * H);
    expect(service(autumn, 'journey').runs).toBe(48);
  });

  it('counts weekday office hours of October 2026 as 22 days of 8 hours, leaving failures at night out', async () => {
    const c = config({
      target: { baseUrl: 'http://flp.example.test', nodes: [{ name: 'flp-1', url: 'http://flp-1.example.test' }] },
      sync: [],
      sla: { serviceHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '16:00' } },
    });
    const oct = monthRange('2026-10')!;
    const r = await report(c, oct.from, oct.to, {
      outages: [
        { service: 'journey', from: '2026-10-06T02:00:00+02:00', to: '2026-10-06T03:00:00+02:00', class: 'infrastructure' },
        { service: 'journey', from: '2026-10-27T08:00:00+01:00', to: '2026-10-27T08:10:00+01:00', class: 'application' },
      ],
    });
    expect(r.countedMs).toBe(22 * 8 * H);
    const j = service(r, 'journey');
    expect(j.downMs).toBe(10 * MIN);
    expect(j.availabilityPercent).toBeCloseTo(100 * (1 - 10 / (22 * 8 * 60)), 10);
    expect(r.incidents.map((i) => [i.downtimeMs, i.class])).toEqual([
      [0, 'infrastructure'],
      [10 * MIN, 'application'],
    ]);
    expect(j.incidents).toBe(1);
  });
});

describe('maintenance windows', () => {
  it('leaves a weekly and a one-off window out of the denominator, with the failures inside them, and lists both', async () => {
    const c = config({
      maintenance: {
        weekly: [{ day: 'sun', start: '02:00', durationMinutes: 120, reason: 'weekly patching' }],
        windows: [{ start: '2026-11-04T20:00:00+01:00', end: '2026-11-04T22:30:00+01:00', reason: 'database upgrade' }],
      },
    });
    const r = await report(c, '2026-11-02T00:00:00+01:00', '2026-11-09T00:00:00+01:00', {
      outages: [
        { service: 'journey', from: '2026-11-04T20:00:00+01:00', to: '2026-11-04T22:30:00+01:00', class: 'infrastructure', summary: 'database down' },
        { service: 'journey', from: '2026-11-08T02:00:00+01:00', to: '2026-11-08T04:00:00+01:00', class: 'infrastructure', summary: 'patching' },
        { service: 'journey', from: '2026-11-05T12:00:00+01:00', to: '2026-11-05T12:15:00+01:00', class: 'application', summary: 'print failed' },
      ],
    });
    expect(r.maintenanceMs).toBe(4.5 * H);
    expect(r.countedMs).toBe(7 * 24 * H - 4.5 * H);
    const j = service(r, 'journey');
    expect(j.downMs).toBe(15 * MIN);
    expect(j.availabilityPercent).toBeCloseTo(100 * (1 - 15 / (7 * 24 * 60 - 270)), 10);
    expect(r.maintenance.map((m) => [m.reason, m.recurring, m.excludedMs, new Date(m.start).toISOString()])).toEqual([
      ['database upgrade', false, 2.5 * H, '2026-11-04T19:00:00.000Z'],
      ['weekly patching', true, 2 * H, '2026-11-08T01:00:00.000Z'],
    ]);
    expect(r.incidents.filter((i) => i.downtimeMs > 0).map((i) => i.summary)).toEqual(['print failed (3 failed runs)']);
    expect(r.downtimeByOwner).toEqual([{ owner: 'KiAP', journeyMs: 15 * MIN, overallMs: 15 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
  });
});

describe('incidents and whose downtime it was', () => {
  it('merges consecutive failed intervals into one incident under the class with most of its downtime, and splits minutes by owner', async () => {
    const c = config();
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z', {
      outages: [
        { service: 'journey', from: '2026-11-02T10:00:00Z', to: '2026-11-02T10:20:00Z', class: 'infrastructure', summary: 'launch: 503 from the load balancer' },
        { service: 'journey', from: '2026-11-02T10:20:00Z', to: '2026-11-02T10:30:00Z', class: 'application', summary: 'overview: app error shown' },
        { service: 'lb', from: '2026-11-02T10:00:00Z', to: '2026-11-02T10:25:00Z', class: 'infrastructure', summary: 'lb: 503' },
        { service: 'sync:lab', from: '2026-11-02T14:00:00Z', to: '2026-11-02T14:10:00Z', class: 'sync', summary: 'lab sync failed' },
      ],
    });
    const journey = r.incidents.filter((i) => i.service === 'journey');
    expect(journey).toHaveLength(1);
    expect(journey[0]).toMatchObject({
      start: Date.parse('2026-11-02T10:00:00Z'),
      end: Date.parse('2026-11-02T10:30:00Z'),
      downtimeMs: 30 * MIN,
      failedRuns: 6,
      class: 'infrastructure',
      owner: 'PLSP',
      summary: 'launch: 503 from the load balancer (6 failed runs; also application ×1)',
    });
    // 10:20–10:25 the load balancer was still failing: that journey run is put under its root cause.
    expect(journey[0]!.classes.map((x) => [x.class, x.owner, x.downtimeMs])).toEqual([
      ['infrastructure', 'PLSP', 25 * MIN],
      ['application', 'KiAP', 5 * MIN],
    ]);
    expect(r.incidents.map((i) => `${i.service} ${i.class} ${i.owner}`)).toEqual(['journey infrastructure PLSP', 'lb infrastructure PLSP', 'sync:lab sync PLSP']);
    // PLSP: journey 25 min; any service: 10:00–10:25 (journey and lb overlap, counted once) + 14:00–14:10.
    expect(r.downtimeByOwner).toEqual([
      { owner: 'PLSP', journeyMs: 25 * MIN, overallMs: 35 * MIN, journeyOverrunMs: 0, overrunMs: 0 },
      { owner: 'KiAP', journeyMs: 5 * MIN, overallMs: 5 * MIN, journeyOverrunMs: 0, overrunMs: 0 },
    ]);
  });

  it('puts a journey failure that is the symptom of a concurrent root cause under that cause, as the verdict does', async () => {
    const c = config();
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-02T12:00:00Z', {
      outages: [
        { service: 'journey', from: '2026-11-02T10:00:00Z', to: '2026-11-02T10:10:00Z', class: 'application', summary: 'overview failed: GET /api/patients/…/overview answered 503' },
        { service: 'node:flp-1', from: '2026-11-02T10:00:00Z', to: '2026-11-02T10:10:00Z', class: 'infrastructure', summary: 'flp-1 database down' },
        { service: 'journey', from: '2026-11-02T11:00:00Z', to: '2026-11-02T11:05:00Z', class: 'application', summary: 'print failed' },
      ],
    });
    const journey = r.incidents.filter((i) => i.service === 'journey');
    expect(journey.map((i) => [i.class, i.owner, i.summary])).toEqual([
      ['infrastructure', 'PLSP', 'root cause infrastructure on node:flp-1: flp-1 database down; the journey saw: overview failed: GET /api/patients/…/overview answered 503 (2 failed runs)'],
      ['application', 'KiAP', 'print failed (1 failed run)'],
    ]);
    expect(r.downtimeByOwner).toEqual([
      { owner: 'PLSP', journeyMs: 10 * MIN, overallMs: 10 * MIN, journeyOverrunMs: 0, overrunMs: 0 },
      { owner: 'KiAP', journeyMs: 5 * MIN, overallMs: 5 * MIN, journeyOverrunMs: 0, overrunMs: 0 },
    ]);
  });

  it('names the owner a config gives a class', async () => {
    const c = config({ owners: { infrastructure: 'Hosting A/S' } });
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-02T02:00:00Z', {
      outages: [{ service: 'node:flp-2', from: '2026-11-02T01:00:00Z', to: '2026-11-02T01:10:00Z', class: 'infrastructure' }],
    });
    expect(r.incidents[0]).toMatchObject({ service: 'node:flp-2', owner: 'Hosting A/S' });
    expect(r.downtimeByOwner).toEqual([{ owner: 'Hosting A/S', journeyMs: 0, overallMs: 10 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
  });
});

describe('latency and sync lag', () => {
  it('gives p50 and p95 per journey step and max and p95 lag per source, by nearest rank', async () => {
    const c = config();
    // 100 journey runs: launch takes 100 + n ms, so p50 is 149 and p95 194; lab lag is n seconds.
    const r = await report(c, '2026-11-02T00:00:00Z', new Date(Date.parse('2026-11-02T00:00:00Z') + 100 * 5 * MIN), { lagSeconds: (_s, n) => n });
    expect(r.latency.find((l) => l.step === 'launch')).toEqual({ step: 'launch', samples: 100, p50Ms: 149, p95Ms: 194 });
    expect(r.latency.find((l) => l.step === 'print')).toEqual({ step: 'print', samples: 100, p50Ms: 649, p95Ms: 694 });
    expect(r.syncLag).toEqual([{ source: 'lab', samples: 100, maxSeconds: 99, p95Seconds: 94 }]);
  });

  it('leaves steps of runs in maintenance out of the percentiles', async () => {
    const c = config({ maintenance: { windows: [{ start: '2026-11-02T00:00:00Z', end: '2026-11-02T01:00:00Z', reason: 'upgrade' }], weekly: [] } });
    const r = await report(c, '2026-11-02T00:00:00Z', '2026-11-02T02:00:00Z', { stepMs: (step, n) => (n < 12 ? 10_000 : 100) });
    expect(r.latency[0]).toEqual({ step: 'launch', samples: 12, p50Ms: 100, p95Ms: 100 });
  });
});

describe('the period', () => {
  it('reports a month still in progress up to now, and says so', async () => {
    const c = config();
    const oct = monthRange('2026-10')!;
    const records = buildRecords({ config: c, from: oct.from, to: '2026-10-10T12:00:00Z' });
    const r = await computeSla({ config: c, history: historyFromRecords(records, c), from: oct.from, to: oct.to, now: new Date('2026-10-10T12:00:00Z') });
    expect(r.to).toBe(Date.parse('2026-10-10T12:00:00Z'));
    expect(service(r, 'journey')).toMatchObject({ missingMs: 0, availabilityPercent: 100 });
    expect(r.notes.join(' ')).toMatch(/has not ended/);
  });
});
