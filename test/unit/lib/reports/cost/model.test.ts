import { describe, expect, it } from 'vitest';
import { alarmPolicy } from '../../../../../lib/alarms/policy.ts';
import { allOwners, loadConfig, parseConfig, type Config } from '../../../../../lib/core/config.ts';
import { ASSUMPTIONS, checklyCost, NOTIFIER_ALARMS, costInputs, costReport, flpMonitorCost, journeyPaceTable, rateMinutes, syntheticsCost, type CostLine } from '../../../../../lib/reports/cost/model.ts';
import { PRICES, type Price } from '../../../../../lib/reports/cost/prices.ts';
import { customMetricCount } from '../../../../../lib/core/metric-names.ts';
import { FAILURE_CLASSES } from '../../../../../lib/core/result.ts';
import { rawConfig } from '../../../../support/config.ts';

/** Production defaults (journey, sync and nodes every minute), two HTTPS nodes, one sync source. */
const production = (overrides: Record<string, unknown> = {}): Config => {
  const { timeouts: _timeouts, ...raw } = rawConfig(overrides);
  return parseConfig(raw, { baseDir: '/tmp' });
};
/** The journey every 5 minutes, so the figures below stay those of a journey slower than the HTTP probes (re-checked every minute while failing). */
const fiveMinuteJourney = (overrides: Record<string, unknown> = {}): Config => production({ schedule: { journeySeconds: 300 }, ...overrides });

/** The four sources and three HTTPS nodes of the shipped sandbox config, at production pace. */
const shipped = (): Config =>
  production({
    target: {
      baseUrl: 'http://flp.example.test:8080',
      nodes: ['flp-1', 'flp-2', 'flp-3'].map((name, i) => ({ name, url: `https://${name}.example.test:${8701 + i}` })),
    },
    sync: ['lab', 'diagnoses', 'medication', 'measurements'].map((source) => ({ source, url: `http://sync.example.test/sync/${source}/status`, maxLagMinutes: 120 })),
  });

const sum = (lines: CostLine[], pred: (l: CostLine) => boolean) => lines.filter(pred).reduce((n, l) => n + l.usd, 0);

describe('the cost of a deployment', () => {
  it('bills each probe function its runs a month at its memory and architecture', () => {
    // given a 5-minute journey and 10 s journeys, 1.5 s HTTP runs
    const inputs = costInputs(fiveMinuteJourney(), { durations: { journey: 10_000, sync: 1_500, nodes: 1_500 } });
    // when
    const lambda = flpMonitorCost(inputs).lines.filter((l) => l.service === 'Lambda');
    // then: a journey every 5 min is 8,760 runs in a 730-hour month, 10 s × 2 GB each, on x86_64
    const journeyGbs = lambda.find((l) => l.item.startsWith('journey:') && l.price === 'lambdaX86GbSecond')!;
    expect(journeyGbs.quantity).toBe(8760 * 10 * 2);
    expect(journeyGbs.usd).toBeCloseTo(175_200 * 0.0000166667, 3);
    // the HTTP probes every minute on arm64, 256 MB
    const syncGbs = lambda.find((l) => l.item.startsWith('sync:') && l.price === 'lambdaArmGbSecond')!;
    expect(syncGbs.quantity).toBe(43_800 * 1.5 * 0.25);
    // the journey's re-check every minute, and the notifier, for the page state changes it is assumed to run for.
    expect(lambda.filter((l) => l.price === 'lambdaRequest').map((l) => l.quantity)).toEqual([8760, 43_800, 43_800, 43_800, ASSUMPTIONS.pageChangesPerMonth]);
  });

  it('runs a schedule finer than a minute every minute, as EventBridge does, and says so', () => {
    const report = costReport(production({ schedule: { journeySeconds: 15, syncSeconds: 5, nodesSeconds: 90 } }));
    expect(report.inputs.groups.map((g) => g.rateMinutes)).toEqual([1, 1, 2]);
    expect(report.assumptions.some((a) => a.includes('configured every 15 s') && a.includes('every 1 min'))).toBe(true);
    expect([rateMinutes(1), rateMinutes(60), rateMinutes(61), rateMinutes(300)]).toEqual([1, 1, 2, 5]);
  });

  it('counts the alarms and composites the alarm policy deploys, one more composite per suppressor of several alarms', () => {
    const config = shipped();
    const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
    const inputs = costInputs(config);
    // The policy's alarms, and the notifier's own two (its errors, its dead-letter queue).
    expect(inputs.standardAlarms).toBe(policy.alarms.length + NOTIFIER_ALARMS);
    const severalSuppressors = new Set(policy.composites.filter((c) => c.suppressedBy.length > 1).map((c) => [...c.suppressedBy].sort().join()));
    expect(inputs.compositeAlarms).toBe(policy.composites.length + severalSuppressors.size);
    const lines = flpMonitorCost(inputs).lines;
    expect(lines.find((l) => l.price === 'standardAlarmMonth')!.usd).toBeCloseTo((policy.alarms.length + NOTIFIER_ALARMS) * 0.1, 6);
  });

  it('bills the custom metrics customMetricCount says the config publishes', () => {
    const inputs = costInputs(shipped());
    expect(inputs.customMetrics).toBe(customMetricCount({ journeyEnabled: true, steps: 5, nodes: 3, httpsNodes: 3, sources: 4, classes: FAILURE_CLASSES.length }));
    expect(flpMonitorCost(inputs).lines.find((l) => l.price === 'metricMonth')!.usd).toBeCloseTo(inputs.customMetrics * 0.3, 6);
  });

  it('publishes with one PutMetricData call per run and schedules for free', () => {
    const lines = flpMonitorCost(costInputs(fiveMinuteJourney())).lines;
    // the three groups' runs, then the re-checks that found the journey failing and ran it
    expect(lines.filter((l) => l.price === 'apiRequest').map((l) => l.quantity)).toEqual([8760, 43_800, 43_800, 43_800 * ASSUMPTIONS.journeyFailureRate]);
    expect(sum(lines, (l) => l.service === 'EventBridge')).toBe(0);
  });

  it('costs at most a quarter of CloudWatch Synthetics for the same checks with the default config', () => {
    const report = costReport(shipped());
    expect(report.ratioToSynthetics).toBeLessThanOrEqual(0.25);
    expect(report.flpMonitor.totalUsd).toBeGreaterThan(0);
  });

  it('prices CloudWatch Synthetics as one canary run per group run and Checkly as a browser run per journey and an API run per endpoint', () => {
    const inputs = costInputs(shipped());
    const canaries = syntheticsCost(inputs).lines.filter((l) => l.price === 'canaryRun');
    expect(canaries.map((l) => l.quantity)).toEqual([43_800, 43_800, 43_800]);
    const checkly = checklyCost(inputs).lines;
    expect(checkly.find((l) => l.price === 'checklyBrowserRun')!.quantity).toBe(43_800);
    // four sync sources, and three nodes plus the load balancer, every minute
    expect(checkly.filter((l) => l.price === 'checklyApiRun').map((l) => l.quantity)).toEqual([4 * 43_800, 4 * 43_800]);
  });

  it('answers what a journey every minute costs: only the journey lines change', () => {
    const config = shipped();
    const [everyMinute, everyFive] = journeyPaceTable(config, [60, 300]);
    expect(everyMinute!.flpMonitorUsd).toBeGreaterThan(everyFive!.flpMonitorUsd);
    const a = costReport(config, { schedule: { journey: 60 } }).flpMonitor.lines;
    const b = costReport(config, { schedule: { journey: 300 } }).flpMonitor.lines;
    const notJourney = (lines: CostLine[]) => lines.filter((l) => !l.item.startsWith('journey') && l.service !== 'S3' && l.service !== 'CloudWatch Logs');
    expect(notJourney(a)).toEqual(notJourney(b));
  });

  it('prices the re-checks of a journey slower than a minute: each an invocation and a GET, those that find it failing a journey', () => {
    const report = costReport(fiveMinuteJourney(), { durations: { journey: 10_000 } });
    expect(report.inputs.recheck).toMatchObject({ rateMinutes: 1, invocationsPerMonth: 43_800, ranShare: ASSUMPTIONS.journeyFailureRate, ranMs: 10_000, skippedMs: 250, memoryMb: 2048 });
    const recheck = report.flpMonitor.lines.filter((l) => l.item.startsWith('journey re-check'));
    const ran = 43_800 * ASSUMPTIONS.journeyFailureRate;
    const gbs = recheck.find((l) => l.price === 'lambdaX86GbSecond')!;
    expect(gbs.quantity).toBeCloseTo(((ran * 10_000 + (43_800 - ran) * 250) / 1000) * 2, 0);
    expect(recheck.find((l) => l.price === 's3Get' && /latest journey read/.test(l.item))!.quantity).toBe(43_800);
    // A few dollars at most, and the goal still holds.
    const usd = sum(report.flpMonitor.lines, (l) => l.item.startsWith('journey re-check'));
    expect(usd).toBeGreaterThan(0.5);
    expect(usd).toBeLessThan(2);
    expect(report.assumptions.some((a) => a.startsWith('journey re-check every 1 min'))).toBe(true);
    expect(report.ratioToSynthetics).toBeLessThanOrEqual(0.25);
    // At the default pace the re-check would come no sooner: none is deployed, none priced.
    expect(costInputs(production()).recheck).toBeNull();
    expect(costInputs(fiveMinuteJourney({ schedule: { journeySeconds: 300, journeyRecheckSeconds: 300 } })).recheck).toBeNull();
  });

  it('leaves the browser out everywhere when the journey is switched off', () => {
    const report = costReport(production({ journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' } }));
    expect(report.inputs.groups.map((g) => g.group)).toEqual(['sync', 'nodes']);
    expect(report.checkly.lines.some((l) => l.price === 'checklyBrowserRun')).toBe(false);
    expect(report.flpMonitor.lines.some((l) => l.price === 'lambdaX86GbSecond' || /artifact/.test(l.item))).toBe(false);
  });

  it('names for every price its source, the date it was read and whether it was confirmed', () => {
    for (const [key, p] of Object.entries(PRICES) as [string, Price][]) {
      expect(p.source, key).toMatch(/https:\/\//);
      expect(p.read, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['confirmed', 'us-east', 'assumed'], key).toContain(p.status);
      if (p.status !== 'confirmed') expect(p.note, key).toBeTruthy();
    }
  });
});

describe('the cost of the LPS checks (contract v2)', () => {
  const PROFILES = [
    { system: 'test-journal', vendor: 'KiAP', style: 'query' },
    { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query' },
    { system: 'klinikplus', vendor: 'Klinik+ A/S', style: 'form' },
    { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
  ];
  const withLps = () => production({ ...shipped_raw(), lps: { profiles: PROFILES } });
  function shipped_raw() {
    return {
      target: { baseUrl: 'http://flp.example.test:8080', nodes: ['flp-1', 'flp-2', 'flp-3'].map((name, i) => ({ name, url: `https://${name}.example.test:${8701 + i}` })) },
      sync: ['lab', 'diagnoses', 'medication', 'measurements'].map((source) => ({ source, url: `http://sync.example.test/sync/${source}/status`, maxLagMinutes: 120 })),
    };
  }

  it('counts seven metrics per profile (its FailureCount as monitor among them: a key that cannot be read) and the statistics flag once', () => {
    const base = costInputs(shipped()).customMetrics;
    const inputs = costInputs(withLps());
    expect(inputs.customMetrics).toBe(base + 7 * PROFILES.length + 1);
    expect(customMetricCount({ journeyEnabled: true, steps: 5, nodes: 3, httpsNodes: 3, sources: 4, classes: FAILURE_CLASSES.length, profiles: 4 })).toBe(inputs.customMetrics);
  });

  it('makes a nodes run send two requests per certified launch and one for the statistics, publish their datums, and last a second request longer', () => {
    const base = costInputs(shipped()).groups.find((g) => g.group === 'nodes')!;
    const nodes = costInputs(withLps()).groups.find((g) => g.group === 'nodes')!;
    expect(nodes.httpRequests - base.httpRequests).toBe(2 * PROFILES.length + 1);
    expect(nodes.requests - base.requests).toBe(PROFILES.length + 1);
    expect(nodes.results - base.results).toBe(2 * PROFILES.length);
    expect(nodes.datums - base.datums).toBe(5 * PROFILES.length);
    expect(nodes.durationMs - base.durationMs).toBe(ASSUMPTIONS.launchExtraMs);
    // Measured durations stand as measured: the launches' own DurationMillis is in them.
    expect(costInputs(withLps(), { durations: { nodes: 1_800 } }).groups.find((g) => g.group === 'nodes')!.durationMs).toBe(1_800);
  });

  it('bills the vendors\' alarms, composites and suppressor, and a topic per vendor (free, its publishes counted)', () => {
    const config = withLps();
    const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
    const inputs = costInputs(config);
    expect(inputs.standardAlarms).toBe(policy.alarms.length + NOTIFIER_ALARMS);
    expect(policy.alarms.filter((a) => a.class === 'lps')).toHaveLength(PROFILES.length);
    const severalSuppressors = new Set(policy.composites.filter((c) => c.suppressedBy.length > 1).map((c) => [...c.suppressedBy].sort().join()));
    expect(inputs.compositeAlarms).toBe(policy.composites.length + severalSuppressors.size);
    expect(inputs.compositeAlarms - costInputs(shipped()).compositeAlarms).toBe(4 + 1 + 1); // four vendors, the statistics warning, one suppressor
    expect(inputs.topics).toBe(allOwners(config).length + 1);
    const sns = flpMonitorCost(inputs).lines.filter((l) => l.service === 'SNS');
    expect(sns.find((l) => l.price === 'snsTopicMonth')!.quantity).toBe(inputs.topics);
    expect(sns.find((l) => l.price === 'snsPublish')!.quantity).toBe(ASSUMPTIONS.pageChangesPerMonth * ASSUMPTIONS.topicsPerPage);
  });

  it('prices each profile (its certified launch and its statistics) as a CloudWatch Synthetics canary of its own at the nodes pace, with an alarm each', () => {
    const inputs = costInputs(withLps());
    const lines = syntheticsCost(inputs).lines;
    const canaries = lines.filter((l) => l.price === 'canaryRun');
    expect(canaries.map((l) => l.quantity)).toEqual([43_800, 43_800, 43_800, 43_800 * PROFILES.length]);
    expect(lines.find((l) => l.price === 'standardAlarmMonth')!.quantity).toBe(3 + PROFILES.length);
    // Checkly: one API check per certified launch and one for the statistics, beside the servers'.
    expect(checklyCost(inputs).lines.filter((l) => l.price === 'checklyApiRun').map((l) => l.quantity)).toEqual([4 * 43_800, (4 + PROFILES.length + 1) * 43_800]);
  });

  it('costs at most a quarter of CloudWatch Synthetics for the production fixture\'s eight vendors', async () => {
    const config = await loadConfig(new URL('../../../../cdk/fixtures/production.config.json', import.meta.url).pathname);
    expect(config.lps.profiles).toHaveLength(8);
    const report = costReport(config);
    expect(report.ratioToSynthetics).toBeLessThanOrEqual(0.25);
  });
});
