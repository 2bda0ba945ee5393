/**
 * The canary with LPS launch profiles (contract v2): every profile's certified launch and its
 * clinics' real launches are checks of their own; FLP refusing a certified launch fails the
 * release naming the vendor (application, KiAP's); one vendor's real launches refused are that
 * vendor's (`lps`); statistics that could not be read pass and say so; a profile no run checked
 * fails as the monitor's. Runs are built from the monitor's own pieces: `judgeLaunchStats`, the
 * classifier, the verdict.
 */
import { describe, expect, it } from 'vitest';
import { classify, verdictOf } from '../../../../lib/core/classify.ts';
import { parseConfig, type Config } from '../../../../lib/core/config.ts';
import { PROBE_IDS } from '../../../../lib/core/contract.ts';
import type { ClassifiedResult, ProbeResult, RunReport } from '../../../../lib/core/result.ts';
import { judgeCanary, type Baseline, type CanaryReport } from '../../../../lib/reports/canary.ts';
import { judgeLaunchStats, type LaunchStatsRead } from '../../../../probes/launch-stats.ts';
import { rawConfig } from '../../../support/config.ts';

const V = '2026.4.1';
const AT = '2026-11-22T10:00:00.000Z';
const config: Config = parseConfig(
  rawConfig({
    target: { ...(rawConfig().target as object), expectedVersion: V },
    journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    lps: {
      profiles: [
        { system: 'test-journal', vendor: 'KiAP', style: 'query' },
        { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'k' },
      ],
      maxRejectedPercent: 20,
      minLaunches: 5,
    },
  }),
);

function probe(probeId: string, kind: ProbeResult['kind'], extra: Partial<ProbeResult> = {}): ProbeResult {
  return { probe: probeId, kind, target: probeId, ok: true, startedAt: AT, durationMs: 10, attempts: 1, steps: [], evidence: [], error: null, observations: {}, artifacts: [], ...extra };
}

/** One canary run: the servers healthy on V, each profile's launch accepted unless refused, the statistics as given (null: unreadable). */
function run(options: { refused?: string[]; stats?: Record<string, [number, number]> | null; without?: string[] } = {}): RunReport {
  const refused = options.refused ?? [];
  const launches = config.lps.profiles.map((p) =>
    refused.includes(p.system)
      ? probe(PROBE_IDS.launch(p.system), 'launch', {
          ok: false,
          evidence: [{ type: 'launch-refused', url: 'http://flp.example.test:8080/lps/launch', system: p.system, vendor: p.vendor, status: 401, reason: 'bad-signature' }],
          error: `FLP refuses ${p.vendor}'s certified ${p.style} launch of ${p.system}: GET /lps/launch answered 401 bad-signature`,
          observations: { system: p.system, vendor: p.vendor },
        })
      : probe(PROBE_IDS.launch(p.system), 'launch', { observations: { system: p.system, vendor: p.vendor } }),
  );
  const stats = options.stats === undefined ? { 'test-journal': [30, 0] as [number, number], medsign: [40, 1] as [number, number] } : options.stats;
  const read: LaunchStatsRead = stats
    ? { ok: true, url: 'http://flp.example.test:8080/lps/launch-stats?minutes=15', startedAt: AT, durationMs: 5, stats: { windowMinutes: 15, systems: Object.entries(stats).map(([system, [l, r]]) => ({ system, launches: l, rejected: r, lastRejected: null })) } }
    : { ok: false, problem: 'launch statistics answered 503', url: 'http://flp.example.test:8080/lps/launch-stats?minutes=15', startedAt: AT, durationMs: 5 };
  const raw = [
    probe('lb', 'node'),
    ...config.target.nodes.map((n) => probe(PROBE_IDS.node(n.name), 'node', { observations: { node: n.name, version: V } })),
    ...config.sync.map((s) => probe(PROBE_IDS.sync(s.source), 'sync')),
    ...launches,
    ...judgeLaunchStats(read, launches, config),
  ].filter((r) => !(options.without ?? []).includes(r.probe));
  const results: ClassifiedResult[] = raw.map((r) => classify(r, config.owners));
  const verdict = verdictOf(results, config.owners);
  return { ok: verdict.ok, verdict, startedAt: AT, durationMs: 800, results };
}

const baseline: Baseline = { source: 'test', from: '2026-11-15T10:00:00.000Z', to: AT, days: 7, minSamples: 5, regressionRatio: 1.5, minIncreaseMs: 250, steps: [] };
const judge = (runs: RunReport[]): CanaryReport => judgeCanary({ config, version: V, runs, baseline, startedAt: AT, durationMs: 3000 });
const row = (r: CanaryReport, check: string) => r.checks.find((c) => c.check === check)!;

describe('the canary checks every LPS profile', () => {
  it('gives each profile its certified launch and its real launches a row of their own, naming the vendor', () => {
    const r = judge([run(), run(), run()]);
    expect(r.verdict.pass).toBe(true);
    expect(r.checks.filter((c) => c.kind === 'probe').map((c) => c.check)).toEqual([
      'probe lb',
      'probe node:flp-1',
      'probe node:flp-2',
      'probe sync:lab',
      'probe launch:medsign',
      'probe launch:test-journal',
      'probe lps:medsign',
      'probe lps:test-journal',
    ]);
    expect(row(r, 'probe launch:medsign')).toMatchObject({ expected: "FLP accepts MedSign ApS's certified signed launch every run", observed: 'passed 3/3 runs', result: 'pass' });
    expect(row(r, 'probe lps:medsign')).toMatchObject({ expected: "MedSign ApS's real launches refused ≤ 20 % every run", observed: 'passed 3/3 runs', result: 'pass' });
    expect(r.verdict.summary).toMatch(/8 probes passed in 3 runs/);
  });

  it("fails the release when FLP refuses one vendor's certified launch, naming the vendor (application, KiAP's)", () => {
    const r = judge([run(), run({ refused: ['medsign'] }), run({ refused: ['medsign'] })]);
    expect(row(r, 'probe launch:medsign')).toMatchObject({ result: 'fail', class: 'application', owner: 'KiAP' });
    expect(row(r, 'probe launch:medsign').observed).toMatch(/^failed 2\/3 runs: FLP refuses MedSign ApS's certified signed launch of medsign: GET \/lps\/launch answered 401 bad-signature/);
    expect(row(r, 'probe launch:test-journal').result).toBe('pass');
    expect(r.verdict.pass).toBe(false);
    expect(r.verdict.failing).toEqual({ check: 'probe launch:medsign', class: 'application', owner: 'KiAP' });
    expect(r.verdict.summary).toMatch(/^probe launch:medsign failed \(application, owner KiAP\): expected FLP accepts MedSign ApS's certified signed launch every run, observed failed 2\/3 runs: FLP refuses MedSign ApS's/);
  });

  it("gives one system's refused real launches to its vendor (lps), behind FLP's own failures in the verdict", () => {
    const refusedReal = { 'test-journal': [30, 0] as [number, number], medsign: [40, 20] as [number, number] };
    const r = judge([run({ stats: refusedReal }), run({ stats: refusedReal })]);
    expect(row(r, 'probe lps:medsign')).toMatchObject({ result: 'fail', class: 'lps', owner: 'MedSign ApS' });
    expect(r.verdict.failing).toEqual({ check: 'probe lps:medsign', class: 'lps', owner: 'MedSign ApS' });
    // With the certified launch refused too it is FLP's: the launch's row leads (application before lps).
    const both = judge([run({ stats: refusedReal, refused: ['medsign'] })]);
    expect(row(both, 'probe lps:medsign')).toMatchObject({ result: 'fail', class: 'application', owner: 'KiAP' });
    expect(both.verdict.failing).toEqual({ check: 'probe launch:medsign', class: 'application', owner: 'KiAP' });
  });

  it('passes real launches whose statistics could not be read, and says so', () => {
    const r = judge([run(), run({ stats: null })]);
    expect(row(r, 'probe lps:medsign')).toMatchObject({ result: 'pass', observed: 'passed 2/2 runs; launch statistics unknown in 1: launch statistics answered 503' });
    expect(r.verdict.pass).toBe(true);
  });

  it('fails a profile no run checked as the monitor’s, so a canary never passes a launch it did not try', () => {
    const r = judge([run({ without: ['launch:medsign'] }), run({ without: ['launch:medsign'] })]);
    expect(row(r, 'probe launch:medsign')).toMatchObject({ result: 'fail', class: 'monitor', owner: config.owners.monitor, observed: 'no result in 0/2 runs: the monitor did not check it' });
    expect(r.verdict.pass).toBe(false);
  });
});
