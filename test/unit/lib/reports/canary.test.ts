import { describe, expect, it } from 'vitest';
import { judgeCanary, readBaseline, recordRelease, runCanary, type Baseline, type CanaryReport } from '../../../../lib/reports/canary.ts';
import { parseConfig, type Config } from '../../../../lib/core/config.ts';
import type { HistorySource, MetricQuery } from '../../../../lib/adapters/history.ts';
import type { StoreRecord } from '../../../../lib/core/records.ts';
import type { ClassifiedResult, FailureClass, ProbeKind, RunReport } from '../../../../lib/core/result.ts';
import { rawConfig } from '../../../support/config.ts';

const V = '2026.4.1';
const config: Config = parseConfig(rawConfig({ target: { ...(rawConfig().target as object), expectedVersion: V } }));
const OWNERS = config.owners;
const HEALTHY_STEPS = { launch: 200, overview: 400, 'create-plan': 120, print: 40, cleanup: 20 };

function result(probe: string, kind: ProbeKind, cls: FailureClass | null, extra: Partial<ClassifiedResult> = {}): ClassifiedResult {
  return {
    probe,
    kind,
    target: probe,
    ok: !cls,
    startedAt: '2026-11-22T10:00:00.000Z',
    durationMs: 10,
    attempts: 1,
    steps: [],
    evidence: [],
    error: null,
    observations: {},
    artifacts: [],
    class: cls,
    owner: cls ? OWNERS[cls] : null,
    summary: cls ? `${probe} broke` : `${probe} fine`,
    ...extra,
  };
}

/** One run of every probe of `config`: healthy unless told otherwise. */
function run(options: { versions?: Record<string, string | null>; failing?: Record<string, FailureClass>; steps?: Record<string, number> } = {}): RunReport {
  const versions = options.versions ?? {};
  const failing = options.failing ?? {};
  const steps = options.steps ?? HEALTHY_STEPS;
  const results = [
    result('journey', 'journey', failing.journey ?? null, {
      steps: Object.entries(steps).map(([name, durationMs]) => ({ name, status: 'passed' as const, startedAt: '', durationMs })),
    }),
    result('lb', 'node', failing.lb ?? null),
    ...config.target.nodes.map((n) => {
      const version = n.name in versions ? versions[n.name] : V;
      return result(`node:${n.name}`, 'node', failing[`node:${n.name}`] ?? null, { observations: { node: n.name, ...(version ? { version } : {}) } });
    }),
    result('release', 'release', failing.release ?? null),
    ...config.sync.map((s) => result(`sync:${s.source}`, 'sync', failing[`sync:${s.source}`] ?? null)),
  ];
  const failed = results.filter((r) => !r.ok);
  const cls = failed[0]?.class ?? null;
  return {
    ok: !failed.length,
    verdict: { ok: !failed.length, class: cls, owner: cls ? OWNERS[cls] : null, summary: failed.length ? `${cls} (${OWNERS[cls!]}): ${failed[0]!.summary}` : 'all passed' },
    startedAt: '2026-11-22T10:00:00.000Z',
    durationMs: 1500,
    results,
  };
}

function baseline(steps: Record<string, { samples: number; p50Ms: number; p95Ms: number }> = {}): Baseline {
  const base = { samples: 50, p50Ms: 200, p95Ms: 300 };
  return {
    source: 'test',
    from: '2026-11-15T10:00:00.000Z',
    to: '2026-11-22T10:00:00.000Z',
    days: 7,
    minSamples: config.canary.minBaselineSamples,
    regressionRatio: config.canary.latencyRegressionRatio,
    minIncreaseMs: 250,
    steps: Object.keys(HEALTHY_STEPS).map((step) => ({ step, ...base, ...(steps[step] ?? { p50Ms: HEALTHY_STEPS[step as keyof typeof HEALTHY_STEPS], p95Ms: HEALTHY_STEPS[step as keyof typeof HEALTHY_STEPS] * 1.2 }) })),
  };
}

function judge(runs: RunReport[], b: Baseline = baseline()): CanaryReport {
  return judgeCanary({ config, version: V, runs, baseline: b, startedAt: '2026-11-22T10:00:00.000Z', durationMs: 3000 });
}

const row = (r: CanaryReport, check: string) => r.checks.find((c) => c.check === check)!;

describe('judging a release', () => {
  it('passes a release whose nodes all run the version, whose probes all pass and whose steps keep their pace', () => {
    const report = judge([run(), run(), run()]);
    expect(report.verdict).toEqual({ pass: true, summary: expect.stringMatching(/^2 nodes on 2026\.4\.1, 5 probes passed in 3 runs, 5 journey steps within 1\.5× their baseline$/), failing: null });
    expect(report.checks.map((c) => [c.check, c.result])).toEqual([
      ['version flp-1', 'pass'],
      ['version flp-2', 'pass'],
      ['nodes agree', 'pass'],
      ['probe journey', 'pass'],
      ['probe lb', 'pass'],
      ['probe node:flp-1', 'pass'],
      ['probe node:flp-2', 'pass'],
      ['probe sync:lab', 'pass'],
      ['latency launch', 'pass'],
      ['latency overview', 'pass'],
      ['latency create-plan', 'pass'],
      ['latency print', 'pass'],
      ['latency cleanup', 'pass'],
    ]);
    expect(row(report, 'version flp-1').observed).toBe('2026.4.1 in 3/3 runs');
  });

  it('fails naming KiAP when a node reports another version, with the node and the agreement rows failing', () => {
    const report = judge([run({ versions: { 'flp-2': '2026.4.0' } }), run({ versions: { 'flp-2': '2026.4.0' }, failing: { release: 'release' } })]);
    expect(report.verdict.pass).toBe(false);
    expect(report.verdict.failing).toEqual({ check: 'version flp-2', class: 'release', owner: 'KiAP' });
    expect(report.verdict.summary).toBe(
      'version flp-2 failed (release, owner KiAP): expected 2026.4.1, observed 2026.4.0 in 2/2 runs; also failing: nodes agree',
    );
    expect(row(report, 'nodes agree')).toMatchObject({ result: 'fail', owner: 'KiAP', observed: 'split in 2/2 runs: 2026.4.1 on flp-1; 2026.4.0 on flp-2' });
    // The release probe's finding is the version rows: it has no row of its own.
    expect(report.checks.some((c) => c.check === 'probe release')).toBe(false);
  });

  it('fails a release that never arrived on any node, although the nodes agree', () => {
    const report = judge([run({ versions: { 'flp-1': '2026.4.0', 'flp-2': '2026.4.0' } })]);
    expect(report.verdict.failing).toMatchObject({ check: 'version flp-1', owner: 'KiAP' });
    expect(row(report, 'nodes agree').result).toBe('pass');
  });

  it('does not blame the release for a node that did not answer: the node probe names the hosting', () => {
    const report = judge([run({ versions: { 'flp-2': null }, failing: { 'node:flp-2': 'infrastructure' } }), run()]);
    expect(row(report, 'version flp-2')).toMatchObject({ result: 'pass', observed: '2026.4.1 in 1/2 runs; no answer in 1' });
    expect(report.verdict.failing).toEqual({ check: 'probe node:flp-2', class: 'infrastructure', owner: 'PLSP' });
    const silent = judge([run({ versions: { 'flp-2': null }, failing: { 'node:flp-2': 'infrastructure' } })]);
    expect(row(silent, 'version flp-2')).toMatchObject({ result: 'skip', class: null });
  });

  it('names the failing probes by the contract precedence: infrastructure before sync before application', () => {
    const report = judge([run({ failing: { journey: 'application', 'sync:lab': 'sync' } }), run({ failing: { lb: 'infrastructure' } })]);
    expect(report.verdict.failing).toEqual({ check: 'probe lb', class: 'infrastructure', owner: 'PLSP' });
    expect(report.verdict.summary).toMatch(/; also failing: probe sync:lab, probe journey$/);
    expect(row(report, 'probe journey')).toMatchObject({ result: 'fail', class: 'application', owner: 'KiAP', observed: 'failed 1/2 runs: journey broke' });
  });

  it('puts a release check before any probe check, whatever the probe class', () => {
    const report = judge([run({ versions: { 'flp-1': '2026.4.0' }, failing: { lb: 'infrastructure' } })]);
    expect(report.verdict.failing?.check).toBe('version flp-1');
  });

  it('fails a step slower than the ratio on its median alone, naming KiAP', () => {
    const slow = { ...HEALTHY_STEPS, overview: 700 };
    const report = judge([run(), run({ steps: slow }), run({ steps: slow }), run()], baseline({ overview: { samples: 40, p50Ms: 400, p95Ms: 900 } }));
    expect(row(report, 'latency overview')).toMatchObject({
      result: 'fail',
      class: 'application',
      owner: 'KiAP',
      expected: '≤ 1.5× p50 400 ms, p95 900 ms',
      observed: 'p50 700 ms (1.75×), p95 700 ms (0.78×)',
      latency: { canarySamples: 3, canaryP50Ms: 700, canaryP95Ms: 700, baselineSamples: 40, ratioP50: 1.75, ratioP95: 0.778 },
    });
    expect(report.verdict.failing).toEqual({ check: 'latency overview', class: 'application', owner: 'KiAP' });
  });

  it('fails a step on its p95 alone, and lets a step exactly at the ratio pass', () => {
    const report = judge(
      [run(), run(), run({ steps: { ...HEALTHY_STEPS, print: 400 } })],
      baseline({ print: { samples: 40, p50Ms: 40, p95Ms: 60 }, launch: { samples: 40, p50Ms: 200, p95Ms: 200 } }),
    );
    expect(row(report, 'latency print')).toMatchObject({ result: 'fail', observed: 'p50 40 ms (1.00×), p95 400 ms (6.67×)' });
    const exact = judge([run(), run({ steps: { ...HEALTHY_STEPS, launch: 600 } })], baseline({ launch: { samples: 40, p50Ms: 400, p95Ms: 400 } }));
    expect(row(exact, 'latency launch')).toMatchObject({ result: 'pass', observed: 'p50 600 ms (1.50×), p95 600 ms (1.50×)' });
  });

  it('takes a fast step beyond the ratio by less than 250 ms for jitter, not a regression', () => {
    const report = judge([run(), run({ steps: { ...HEALTHY_STEPS, cleanup: 200 } })], baseline({ cleanup: { samples: 40, p50Ms: 20, p95Ms: 30 } }));
    expect(row(report, 'latency cleanup')).toMatchObject({ result: 'pass', observed: 'p50 200 ms (10.00×), p95 200 ms (6.67×); less than 250 ms slower' });
    expect(report.verdict.pass).toBe(true);
  });

  it('leaves the first run, which warms the browser, out of the step times when others follow', () => {
    const cold = { launch: 2000, overview: 2000, 'create-plan': 2000, print: 2000, cleanup: 2000 };
    const report = judge([run({ steps: cold }), run(), run()]);
    expect(report.verdict.pass).toBe(true);
    expect(row(report, 'latency launch').latency).toMatchObject({ canarySamples: 2, canaryP95Ms: 200 });
    // Alone, it is all there is.
    expect(row(judge([run({ steps: cold })]), 'latency launch')).toMatchObject({ result: 'fail', latency: { canarySamples: 1 } });
  });

  it('says "no baseline" with too few samples, does not fail, and says so in the verdict', () => {
    const report = judge([run({ steps: { ...HEALTHY_STEPS, launch: 5000 } })], baseline({ launch: { samples: 4, p50Ms: 100, p95Ms: 100 } }));
    expect(row(report, 'latency launch')).toMatchObject({ result: 'skip', class: null, observed: 'no baseline (4 samples); p50 5000 ms, p95 5000 ms' });
    expect(report.verdict.pass).toBe(true);
    expect(report.verdict.summary).toMatch(/4 journey steps within 1\.5× their baseline; latency not judged for launch: no baseline \(fewer than 5 samples\)$/);
  });

  it('judges no latency of a step that never passed: the journey row carries the failure', () => {
    const broken = run({ failing: { journey: 'application' }, steps: { launch: 200 } });
    const report = judge([broken]);
    expect(row(report, 'latency print')).toMatchObject({ result: 'skip', observed: 'step never passed (see probe journey)' });
    expect(report.verdict.failing?.check).toBe('probe journey');
  });

  it('lists the runs with their verdicts', () => {
    const report = judge([run(), run({ failing: { 'sync:lab': 'sync' } })]);
    expect(report.runs.map((r) => [r.run, r.ok, r.class, r.owner])).toEqual([
      [1, true, null, null],
      [2, false, 'sync', 'PLSP'],
    ]);
  });
});

/** A history that answers every step with the given points and remembers the queries. */
function fakeHistory(points: Record<string, { value: number; samples: number }[]> = {}): HistorySource & { queries: MetricQuery[] } {
  const queries: MetricQuery[] = [];
  return {
    label: 'fake history',
    queries,
    async metric(q) {
      queries.push(q);
      return (points[q.dimensions.Step ?? ''] ?? []).map((p) => ({ timestamp: q.from.toISOString(), ...p }));
    },
    async results() {
      return null;
    },
  };
}

describe('the baseline', () => {
  it('reads StepDurationMillis of every journey step by its exact dimensions over the days before the canary', async () => {
    const history = fakeHistory({ overview: [{ value: 400, samples: 3 }, { value: 500, samples: 1 }] });
    const b = await readBaseline(history, config, { to: new Date('2026-11-22T10:00:00Z'), days: 7 });
    expect(history.queries).toHaveLength(5);
    expect(history.queries[1]).toEqual({
      name: 'StepDurationMillis',
      dimensions: { Environment: 'test', Probe: 'journey', Step: 'overview' },
      from: new Date('2026-11-15T10:00:00Z'),
      to: new Date('2026-11-22T10:00:00Z'),
    });
    expect(b.steps.find((s) => s.step === 'overview')).toEqual({ step: 'overview', samples: 4, p50Ms: 400, p95Ms: 500 });
    expect(b.steps.find((s) => s.step === 'print')).toEqual({ step: 'print', samples: 0, p50Ms: null, p95Ms: null });
    expect(b).toMatchObject({ source: 'fake history', days: 7, minSamples: 5, regressionRatio: 1.5 });
  });

  it('has no latency checks when the config switches the journey off', async () => {
    const off = parseConfig(rawConfig({ journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'x', enabled: false } }));
    const b = await readBaseline(fakeHistory(), off, { to: new Date(), days: 7 });
    expect(b.steps).toEqual([]);
  });
});

/** A clock that only moves when told, and a runner whose runs take `runMs` of it. */
function fakeTime(runMs: number, reports: () => RunReport = () => run()) {
  let t = Date.parse('2026-11-22T10:00:00Z');
  const starts: number[] = [];
  return {
    clock: { now: () => new Date(t) },
    sleep: async (ms: number) => {
      t += ms;
    },
    runner: {
      async runOnce() {
        starts.push(t);
        t += runMs;
        return reports();
      },
    },
    starts: () => starts.map((s) => s - Date.parse('2026-11-22T10:00:00Z')),
  };
}

describe('running the canary', () => {
  it('runs every probe the given number of times, one right after the other', async () => {
    const time = fakeTime(2000);
    const seen: number[] = [];
    const report = await runCanary({ config, version: V, runner: time.runner, history: fakeHistory(), plan: { runs: 3 }, clock: time.clock, sleep: time.sleep, onRun: (r) => seen.push(r.run) });
    expect(time.starts()).toEqual([0, 2000, 4000]);
    expect(seen).toEqual([1, 2, 3]);
    expect(report).toMatchObject({ plannedRuns: 3, interrupted: false, durationMs: 6000, startedAt: '2026-11-22T10:00:00.000Z' });
  });

  it('for a duration, starts runs at the pace given until the duration is over', async () => {
    const time = fakeTime(2000);
    const report = await runCanary({ config, version: V, runner: time.runner, history: fakeHistory(), plan: { durationMs: 10_000 }, minIntervalMs: 3000, clock: time.clock, sleep: time.sleep });
    expect(time.starts()).toEqual([0, 3000, 6000, 9000]);
    expect(report.runs).toHaveLength(4);
    expect(report.plannedRuns).toBeNull();
  });

  it('runs at least once, even for a duration shorter than one run', async () => {
    const time = fakeTime(5000);
    await runCanary({ config, version: V, runner: time.runner, history: fakeHistory(), plan: { durationMs: 1000 }, clock: time.clock, sleep: time.sleep });
    expect(time.starts()).toEqual([0]);
  });

  it('stops after the run in progress when asked, and says so in the verdict', async () => {
    const stop = new AbortController();
    const time = fakeTime(1000);
    const report = await runCanary({
      config,
      version: V,
      runner: time.runner,
      history: fakeHistory(),
      plan: { runs: 5 },
      clock: time.clock,
      sleep: time.sleep,
      signal: stop.signal,
      onRun: (r) => r.run === 2 && stop.abort(),
    });
    expect(report.runs).toHaveLength(2);
    expect(report.interrupted).toBe(true);
    expect(report.verdict.summary).toMatch(/\(stopped after 2 of 5 runs\)$/);
  });

  it('takes the baseline up to the canary start, over --baseline-days when given', async () => {
    const history = fakeHistory();
    const time = fakeTime(1000);
    await runCanary({ config, version: V, runner: time.runner, history, plan: { runs: 1 }, baselineDays: 2, clock: time.clock, sleep: time.sleep });
    expect(history.queries[0]).toMatchObject({ from: new Date('2026-11-20T10:00:00Z'), to: new Date('2026-11-22T10:00:00Z') });
  });
});

describe('recording the release', () => {
  it('writes a release record and a Release metric (1 on pass, 0 on fail) to every sink', async () => {
    const written: StoreRecord[][] = [];
    const sink = { write: async (records: readonly StoreRecord[]) => void written.push([...records]) };
    const failed = judge([run({ versions: { 'flp-1': '2026.4.0' } })]);
    expect(await recordRelease(failed, config, [sink, sink])).toEqual([]);
    expect(written).toHaveLength(2);
    expect(written[0]).toEqual([
      { type: 'release', timestamp: '2026-11-22T10:00:00.000Z', environment: 'test', version: V, verdict: 'fail', summary: failed.verdict.summary },
      { type: 'metric', timestamp: '2026-11-22T10:00:00.000Z', namespace: 'FLP/Synthetics', name: 'Release', unit: 'Count', value: 0, dimensions: { Environment: 'test', Version: V } },
    ]);
    written.length = 0;
    await recordRelease(judge([run()]), config, [sink]);
    expect(written[0]!.map((r) => (r.type === 'metric' ? r.value : r.type === 'release' ? r.verdict : null))).toEqual(['pass', 1]);
  });

  it('returns the error of a sink that failed and still writes to the others', async () => {
    const written: StoreRecord[] = [];
    const errors = await recordRelease(judge([run()]), config, [
      { write: async () => Promise.reject(new Error('disk full')) },
      { write: async (records) => void written.push(...records) },
    ]);
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    expect(written).toHaveLength(2);
  });
});
