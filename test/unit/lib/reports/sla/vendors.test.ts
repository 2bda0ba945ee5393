/**
 * The SLA report's LPS vendors (contract v2): the certified launch's availability, the clinics'
 * refused share, `lps` incidents charged to the vendor (never to PLSP, whose SLA is hosting), and
 * the stretches the launch statistics were unknown. The records are the monitor's own: launch
 * results and the real `judgeLaunchStats` over scripted statistics, classified by the real
 * classifier, written through the real `metricRecords` and `resultRecord`. From the local store,
 * and from CloudWatch (the real AWS SDK against a loopback CloudWatch answering from the same records).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classify } from '../../../../../lib/core/classify.ts';
import { parseConfig, type Config } from '../../../../../lib/core/config.ts';
import { PROBE_IDS } from '../../../../../lib/core/contract.ts';
import { metricRecords, resultRecord, type StoreRecord } from '../../../../../lib/core/records.ts';
import type { ProbeResult } from '../../../../../lib/core/result.ts';
import { createCloudWatchHistory } from '../../../../../lib/adapters/cloudwatch-history.ts';
import { historyFromRecords } from '../../../../../lib/adapters/local-history.ts';
import { computeSla, type SlaReport } from '../../../../../lib/reports/sla/compute.ts';
import { renderCsv } from '../../../../../lib/reports/sla/render-csv.ts';
import { renderHtml } from '../../../../../lib/reports/sla/render-html.ts';
import { renderJson } from '../../../../../lib/reports/sla/render-json.ts';
import { renderMarkdown } from '../../../../../lib/reports/sla/render-md.ts';
import { judgeLaunchStats, type LaunchStatsRead } from '../../../../../probes/launch-stats.ts';
import { rawConfig } from '../../../../support/config.ts';
import { FakeAws } from '../../../../support/fake-aws.ts';
import { buildRecords, runtimeWindow, serveGetMetricData, type Outage } from '../../../../support/sla-records.ts';

const MIN = 60_000;
const FROM = '2026-11-02T00:00:00+01:00';
const TO = '2026-11-03T00:00:00+01:00';
const NOW = new Date('2026-11-05T12:00:00Z');
const PROFILES = [
  { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'k-medsign' },
  { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query' },
  // The journey's own profile (journey.lpsSystem).
  { system: 'test-journal', vendor: 'KiAP', style: 'query' },
];

function configs(overrides: Record<string, unknown> = {}): { withProfiles: Config; without: Config } {
  const base = { schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 }, ...overrides };
  return {
    withProfiles: parseConfig(rawConfig({ ...base, lps: { profiles: PROFILES, statsMinutes: 5, maxRejectedPercent: 20, minLaunches: 5 } })),
    without: parseConfig(rawConfig(base)),
  };
}

/** What the statistics say at one run: per system launches and refusals, or that they could not be read. */
type Stats = (at: number) => Record<string, [number, number]> | null;

const inRange = (at: number, from: string, to: string) => at >= Date.parse(from) && at < Date.parse(to);

/** The scenario: MedSign's real launches refused 30 of 50 from 10:00 to 10:20 (its certified launch accepted), 2 of 50 otherwise; the statistics unreadable 14:00–14:15. */
const STATS: Stats = (at) => {
  if (inRange(at, '2026-11-02T14:00:00+01:00', '2026-11-02T14:15:00+01:00')) return null;
  const refused = inRange(at, '2026-11-02T10:00:00+01:00', '2026-11-02T10:20:00+01:00');
  return { medsign: [50, refused ? 30 : 2], nordjournal: [40, 0], 'test-journal': [20, 0] };
};

/** The nodes group's LPS results of one run at `at`, classified as the monitor classifies them. */
function lpsRun(config: Config, at: number, stats: Stats, launchOk: (system: string, at: number) => boolean = () => true) {
  const startedAt = new Date(at).toISOString();
  const launches: ProbeResult[] = config.lps.profiles.map((p) => {
    const ok = launchOk(p.system, at);
    const error = ok ? null : `FLP refuses ${p.vendor}'s certified ${p.style} launch of ${p.system}: GET /lps/launch answered 400 unknown-system`;
    return {
      probe: PROBE_IDS.launch(p.system),
      kind: 'launch',
      target: 'http://flp.example.test:8080/lps/launch',
      ok,
      startedAt,
      durationMs: 40,
      attempts: 1,
      steps: [{ name: 'launch', status: ok ? 'passed' : 'failed', startedAt, durationMs: 40 }],
      evidence: ok ? [] : [{ type: 'launch-refused', url: 'http://flp.example.test:8080/lps/launch', system: p.system, vendor: p.vendor, status: 400, reason: 'unknown-system' }],
      error,
      observations: { system: p.system, vendor: p.vendor },
      artifacts: [],
    };
  });
  const s = stats(at);
  const read: LaunchStatsRead = s
    ? {
        ok: true,
        url: 'http://flp.example.test:8080/lps/launch-stats?minutes=5',
        startedAt,
        durationMs: 12,
        stats: { windowMinutes: 5, systems: Object.entries(s).map(([system, [launches, rejected]]) => ({ system, launches, rejected, lastRejected: rejected ? { at: startedAt, status: 400, reason: 'unknown-parameter' } : null })) },
      }
    : { ok: false, problem: 'launch statistics answered 503', url: 'http://flp.example.test:8080/lps/launch-stats?minutes=5', startedAt, durationMs: 12 };
  return [...launches, ...judgeLaunchStats(read, launches, config)].map((r) => classify(r, config.owners));
}

/** Every record of the period: the classic services by construction (test/support/sla-records.ts), and the LPS checks once per nodes interval. */
function records(c: { withProfiles: Config; without: Config }, outages: Outage[] = [], stats: Stats = STATS, launchOk?: (system: string, at: number) => boolean): StoreRecord[] {
  const out = buildRecords({ config: c.without, from: FROM, to: TO, outages });
  const interval = c.withProfiles.schedule.nodesSeconds * 1000;
  for (let slot = Date.parse(FROM); slot < Date.parse(TO); slot += interval) {
    for (const r of lpsRun(c.withProfiles, slot + 1000, stats, launchOk)) out.push(...metricRecords(r, c.withProfiles.environment, c.withProfiles.aws.namespace), resultRecord(r, c.withProfiles.environment));
  }
  return out.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}

async function localReport(c: { withProfiles: Config; without: Config }, recs: StoreRecord[], extra: Partial<Parameters<typeof computeSla>[0]> = {}): Promise<SlaReport> {
  return computeSla({ config: c.withProfiles, history: historyFromRecords(recs, c.withProfiles, 'local store .flp-monitor/metrics'), from: new Date(FROM), to: new Date(TO), title: 'a day in November', now: NOW, ...extra });
}

const service = (r: SlaReport, id: string) => r.services.find((s) => s.id === id)!;

/** What the vendor section must say of this scenario, whatever the source. */
function expectVendorIncident(r: SlaReport): void {
  const lps = r.lps!;
  expect(lps.vendors.map((v) => v.vendor)).toEqual(['MedSign ApS', 'Nordlys Data', 'KiAP']);
  const medsign = lps.vendors[0]!;
  expect(medsign).toMatchObject({ lpsDowntimeMs: 20 * MIN, lpsIncidents: 1 });
  expect(medsign.systems[0]).toMatchObject({ system: 'medsign', style: 'signed', lpsDowntimeMs: 20 * MIN, lpsIncidents: 1 });
  expect(medsign.systems[0]!.launch).toMatchObject({ id: 'launch:medsign', availabilityPercent: 100, downMs: 0 });
  expect(medsign.systems[0]!.real.downMs).toBe(20 * MIN);
  expect(lps.vendors[1]).toMatchObject({ lpsDowntimeMs: 0, lpsIncidents: 0 });
  expect(lps.vendors[2]).toMatchObject({ lpsDowntimeMs: 0, lpsIncidents: 0 });
  // The incident is the vendor's, of class lps.
  expect(lps.incidents.map((i) => [i.service, i.class, i.owner, i.downtimeMs, i.start, i.end])).toEqual([
    ['lps:medsign', 'lps', 'MedSign ApS', 20 * MIN, Date.parse('2026-11-02T10:00:00+01:00'), Date.parse('2026-11-02T10:20:00+01:00')],
  ]);
  // PLSP's SLA (hosting: the journey, the load balancer, the nodes, the sync) is untouched.
  for (const id of ['journey', 'lb', 'node:flp-1', 'node:flp-2', 'sync:lab']) expect(service(r, id)).toMatchObject({ availabilityPercent: 100, downMs: 0, incidents: 0 });
  expect(r.downtimeByOwner).toEqual([{ owner: 'MedSign ApS', journeyMs: 0, overallMs: 20 * MIN, journeyOverrunMs: 0, overrunMs: 0 }]);
  expect(r.downtimeByOwner.some((o) => o.owner === 'PLSP')).toBe(false);
}

describe('the LPS vendors from the local store', () => {
  it("shows one system's refused launches under its vendor with its downtime and refused share, PLSP's availability untouched", async () => {
    const c = configs();
    const r = await localReport(c, records(c));
    expectVendorIncident(r);
    const refused = r.lps!.vendors[0]!.systems[0]!.refused;
    // 288 runs, 3 of them without statistics: 4 at 60 %, 281 at 4 %.
    expect(refused.samples).toBe(285);
    expect(refused.meanPercent).toBeCloseTo((4 * 60 + 281 * 4) / 285, 10);
    expect(refused.worstPercent).toBe(60);
    expect(refused.worstAt).toBe(Date.parse('2026-11-02T10:00:01+01:00'));
    // Never refused: no moment to name as the worst.
    expect(r.lps!.vendors[1]!.systems[0]!.refused).toEqual({ samples: 285, meanPercent: 0, worstPercent: 0, worstAt: null });
    expect(r.lps!.statsUnknown).toEqual([{ start: Date.parse('2026-11-02T14:00:00+01:00'), end: Date.parse('2026-11-02T14:15:00+01:00'), countedMs: 15 * MIN }]);
    expect(r.lps!.statsUnknownMs).toBe(15 * MIN);
    // The unknown stretch passed: no incident, no downtime.
    expect(service(r, 'lps:nordjournal')).toMatchObject({ availabilityPercent: 100, downMs: 0 });
  });

  it('renders the section in every format', async () => {
    const c = configs();
    const r = await localReport(c, records(c));
    const md = renderMarkdown(r);
    expect(md).toContain('## LPS vendors');
    expect(md).toContain('### MedSign ApS');
    expect(md).toContain('| medsign | signed | 100 % | 0.000 % | 0 min | 4.8 % | 60 % | 2026-11-02 10:00:01 +01:00 | 1 | 20 min |');
    expect(md).toContain('lps downtime charged to MedSign ApS: 20 min in 1 incident.');
    expect(md).toContain('| nordjournal | query | 100 % | 0.000 % | 0 min | 0 % | 0 % | – | 0 | 0 min |');
    expect(md).toMatch(/\| 2026-11-02 10:00 \+01:00 \| 2026-11-02 10:20 \+01:00 \| 20 min \| real launches medsign \(MedSign ApS\) \| lps \| MedSign ApS \| MedSign ApS's LPS no longer launches FLP as certified/);
    expect(md).toContain('Launch statistics unknown for 15 min of counted time in 1 stretch');
    expect(md).toContain('| 2026-11-02 14:00 +01:00 | 2026-11-02 14:15 +01:00 | 15 min |');
    expect(md).toContain('precedence infrastructure > release > sync > application > lps > monitor');
    const html = renderHtml(r);
    expect(html).toContain('<h2>LPS vendors</h2>');
    expect(html).toContain('<h3>MedSign ApS</h3>');
    expect(html).toMatch(/data-class="lps"/);
    const csv = renderCsv(r).split('\r\n');
    expect(csv).toContain('vendor,MedSign ApS,medsign,signed,100,0,0,98.611,4.786,60,2026-11-02T10:00:01+01:00,285,1,20,20');
    expect(csv.some((l) => l.startsWith('vendor_incident,lps:medsign,2026-11-02T10:00:00+01:00,2026-11-02T10:20:00+01:00,20,lps,MedSign ApS,'))).toBe(true);
    expect(csv).toContain('launch_stats_unknown,2026-11-02T14:00:00+01:00,2026-11-02T14:15:00+01:00,15');
    const json = JSON.parse(renderJson(r));
    expect(json.lps.vendors[0]).toMatchObject({ vendor: 'MedSign ApS', lpsDowntimeMs: 20 * MIN, lpsIncidents: 1 });
    expect(json.lps.vendors[0].systems[0].refused).toMatchObject({ samples: 285, meanPercent: 4.786, worstPercent: 60, worstAt: '2026-11-02T10:00:01+01:00' });
    expect(json.lps.statsUnknown).toEqual([{ start: '2026-11-02T14:00:00+01:00', end: '2026-11-02T14:15:00+01:00', countedMs: 15 * MIN }]);
  });

  it('leaves the report of a config without profiles as it was: no section, no lps key', async () => {
    const c = configs();
    const r = await computeSla({ config: c.without, history: historyFromRecords(buildRecords({ config: c.without, from: FROM, to: TO }), c.without), from: new Date(FROM), to: new Date(TO), now: NOW });
    expect(r.lps).toBeNull();
    expect(renderMarkdown(r)).not.toContain('LPS vendors');
    expect(renderHtml(r)).not.toContain('LPS vendors');
    expect(renderCsv(r)).not.toMatch(/^vendor/m);
    expect(JSON.parse(renderJson(r))).not.toHaveProperty('lps');
    expect(renderMarkdown(r)).toContain('(infrastructure, release, sync, application, in that order)');
  });

  it("charges FLP refusing a vendor's certified launch to KiAP (application), not to the vendor", async () => {
    const c = configs();
    const refusing = (system: string, at: number) => !(system === 'nordjournal' && inRange(at, '2026-11-02T12:00:00+01:00', '2026-11-02T12:10:00+01:00'));
    const r = await localReport(c, records(c, [], STATS, refusing));
    const nord = r.lps!.vendors[1]!;
    expect(nord.systems[0]!.launch).toMatchObject({ downMs: 10 * MIN, incidents: 1 });
    expect(nord).toMatchObject({ lpsDowntimeMs: 0, lpsIncidents: 0 });
    expect(r.lps!.incidents.find((i) => i.service === 'launch:nordjournal')).toMatchObject({ class: 'application', owner: 'KiAP', downtimeMs: 10 * MIN });
    expect(r.downtimeByOwner.find((o) => o.owner === 'KiAP')).toMatchObject({ journeyMs: 0, overallMs: 10 * MIN });
  });

  it("keeps lps downtime the vendor's when it outlasts a maintenance window, and never makes it a journey failure's root cause", async () => {
    const c = configs();
    // A PLSP window ends at 10:10, inside the vendor's incident; the journey's monitor failure at 10:05 is the monitor's.
    const windows = [runtimeWindow({ start: '2026-11-02T09:00:00+01:00', end: '2026-11-02T10:10:00+01:00', reason: 'hosting work', owner: 'PLSP' })];
    const outages: Outage[] = [{ service: 'journey', from: '2026-11-02T10:10:00+01:00', to: '2026-11-02T10:15:00+01:00', class: 'monitor', summary: 'browser would not start' }];
    const r = await localReport(c, records(c, outages), { windows });
    expect(r.lps!.vendors[0]).toMatchObject({ lpsDowntimeMs: 10 * MIN, lpsIncidents: 1 });
    expect(r.maintenance[0]).toMatchObject({ overrunMs: 0, overran: false });
    expect(r.incidents.find((i) => i.service === 'journey')).toMatchObject({ class: 'monitor', owner: 'monitor-owner' });
    expect(r.downtimeByOwner.map((o) => o.owner).sort()).toEqual(['MedSign ApS', 'monitor-owner']);
  });
});

describe('the LPS vendors from CloudWatch', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await FakeAws.start();
  });
  afterAll(async () => {
    await aws?.close();
  });
  beforeEach(() => aws.reset());

  it('reads LaunchRejectedPercent per System, LaunchStatsUnknown, and each system’s own FailureCount, and gives the same vendor figures', async () => {
    const c = configs();
    const recs = records(c);
    const server = serveGetMetricData(aws, recs);
    const history = createCloudWatchHistory({ config: c.withProfiles, client: new CloudWatchClient({ ...aws.clientConfig, maxAttempts: 1 }), now: () => NOW });
    const r = await computeSla({ config: c.withProfiles, history, from: new Date(FROM), to: new Date(TO), now: NOW });
    expect(r.resolution).toEqual({ kind: 'periods', periodSeconds: 60 });
    expectVendorIncident(r);
    const refused = r.lps!.vendors[0]!.systems[0]!.refused;
    expect(refused.samples).toBe(285);
    expect(refused.meanPercent).toBeCloseTo((4 * 60 + 281 * 4) / 285, 10);
    expect(refused.worstPercent).toBe(60);
    expect(r.lps!.statsUnknown).toEqual([{ start: Date.parse('2026-11-02T14:00:00+01:00'), end: Date.parse('2026-11-02T14:15:00+01:00'), countedMs: 15 * MIN }]);
    const asked = server.requests.flatMap((q) => q.MetricDataQueries.map((m) => `${m.MetricStat.Metric.MetricName} ${(m.MetricStat.Metric.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort().join(',')}`));
    expect(asked).toContain('LaunchRejectedPercent Environment=test,System=medsign');
    expect(asked).toContain('LaunchStatsUnknown Environment=test');
    expect(asked).toContain('FailureCount Environment=test,FailureClass=lps,Probe=lps:medsign');
    // The journey (PLSP's headline) is never classed from a vendor's FailureCount.
    expect(r.incidents.filter((i) => i.service === 'journey')).toEqual([]);
  });
});
