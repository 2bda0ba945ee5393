/**
 * The canary's three kinds of check over finished runs, no I/O: release (every node on the
 * expected version, no node disagreeing), probes (every probe passed in every run), latency
 * (each journey step's median and p95 against the baseline's).
 */
import { ownerOf, rootClass } from '../core/classify.ts';
import type { Config } from '../core/config.ts';
import type { MetricPoint } from '../adapters/history.ts';
import type { ClassifiedResult, RunReport } from '../core/result.ts';
import { KIND_ORDER, PROBE_IDS } from '../core/contract.ts';
import type { Baseline, CanaryCheck, CheckResult, LatencyFigures } from './canary-report.ts';
import { percentile, type Weighted } from './stats.ts';

/** CloudWatch points (or raw runs, `samples: 1`) as the weighted points `percentile` takes. */
export function weighted(points: readonly Pick<MetricPoint, 'value' | 'samples'>[]): Weighted[] {
  return points.map((x) => ({ value: x.value, weight: x.samples }));
}

export function round(n: number | null): number | null {
  return n === null ? null : Math.round(n);
}

function countOf(n: number, of: number): string {
  return `${n}/${of} run${of === 1 ? '' : 's'}`;
}

export function releaseChecks(config: Config, version: string, runs: readonly RunReport[]): CanaryCheck[] {
  const n = runs.length;
  const owner = config.owners.release;
  const versionIn = (r: RunReport, node: string) => r.results.find((x) => x.probe === PROBE_IDS.node(node))?.observations.version ?? null;
  const rows: CanaryCheck[] = config.target.nodes.map((node) => {
    const seen = runs.map((r) => versionIn(r, node.name));
    const others = new Map<string, number>();
    for (const v of seen) if (v !== null && v !== version) others.set(v, (others.get(v) ?? 0) + 1);
    const onVersion = seen.filter((v) => v === version).length;
    const silent = seen.filter((v) => v === null).length;
    const row = { kind: 'release' as const, check: `version ${node.name}`, expected: version };
    if (others.size) {
      const observed = [...others].map(([v, k]) => `${v} in ${countOf(k, n)}`).join(', ');
      return { ...row, observed, result: 'fail', class: 'release', owner };
    }
    // A node that did not answer is the node probe's finding (infrastructure), not a release's.
    if (!onVersion) return { ...row, observed: `no version reported (node:${node.name} failed)`, result: 'skip', class: null, owner: null };
    const gaps = silent ? `; no answer in ${silent}` : '';
    return { ...row, observed: `${version} in ${countOf(onVersion, n)}${gaps}`, result: 'pass', class: null, owner: null };
  });
  // Each run on its own: a node that disagrees with the others in the same run.
  const splits = runs.map((r) => {
    const byVersion = new Map<string, string[]>();
    for (const node of config.target.nodes) {
      const v = versionIn(r, node.name);
      if (v !== null) byVersion.set(v, [...(byVersion.get(v) ?? []), node.name]);
    }
    return byVersion;
  });
  const disagreeing = splits.filter((s) => s.size > 1);
  const agree = { kind: 'release' as const, check: 'nodes agree', expected: 'one version on every node' };
  if (disagreeing.length) {
    const first = [...disagreeing[0]!].map(([v, nodes]) => `${v} on ${nodes.join(', ')}`).join('; ');
    rows.push({ ...agree, observed: `split in ${countOf(disagreeing.length, n)}: ${first}`, result: 'fail', class: 'release', owner });
  } else {
    const answering = Math.min(...splits.map((s) => [...s.values()].reduce((k, nodes) => k + nodes.length, 0)));
    rows.push({ ...agree, observed: `one version in every run (${answering > 1 ? `${answering} nodes` : 'fewer than 2 nodes answered'})`, result: 'pass', class: null, owner: null });
  }
  return rows;
}

/**
 * What a probe check expects: every run passing; for an LPS profile's checks (contract v2), in
 * words naming the vendor, so a failed row says whose launch it was.
 */
function expectedOf(config: Config, probe: string): string {
  const launch = config.lps.profiles.find((p) => PROBE_IDS.launch(p.system) === probe);
  if (launch) return `FLP accepts ${launch.vendor}'s certified ${launch.style} launch every run`;
  const real = config.lps.profiles.find((p) => PROBE_IDS.lps(p.system) === probe);
  if (real) return `${real.vendor}'s real launches refused ≤ ${config.lps.maxRejectedPercent} % every run`;
  return 'passes every run';
}

export function probeChecks(config: Config, runs: readonly RunReport[]): CanaryCheck[] {
  const n = runs.length;
  const byProbe = new Map<string, ClassifiedResult[]>();
  for (const r of runs)
    for (const x of r.results) {
      // The release probe's finding is the release checks above, node by node.
      if (x.kind === 'release') continue;
      byProbe.set(x.probe, [...(byProbe.get(x.probe) ?? []), x]);
    }
  const kindOf = new Map([...byProbe].map(([probe, outcomes]) => [probe, outcomes[0]!.kind]));
  // Every profile's launch is checked: a profile no run checked gets its row too, and fails (below).
  for (const p of config.lps.profiles) {
    if (!kindOf.has(PROBE_IDS.launch(p.system))) kindOf.set(PROBE_IDS.launch(p.system), 'launch');
    if (!kindOf.has(PROBE_IDS.lps(p.system))) kindOf.set(PROBE_IDS.lps(p.system), 'lps');
  }
  const probes = [...kindOf.keys()].sort((a, b) => KIND_ORDER.indexOf(kindOf.get(a)!) - KIND_ORDER.indexOf(kindOf.get(b)!) || a.localeCompare(b));
  return probes.map((probe): CanaryCheck => {
    const outcomes = byProbe.get(probe) ?? [];
    const failed = outcomes.filter((x) => !x.ok);
    const row = { kind: 'probe' as const, check: `probe ${probe}`, expected: expectedOf(config, probe) };
    if (!outcomes.length) {
      // The canary would pass a release it never launched with this vendor's profile: the monitor's failure.
      return { ...row, observed: `no result in ${countOf(0, n)}: the monitor did not check it`, result: 'fail', class: 'monitor', owner: config.owners.monitor };
    }
    // Of the runs it was part of: a release verification runs the journey on each node in its first run only.
    const ran = Math.min(n, outcomes.length);
    if (!failed.length) {
      const retried = outcomes.filter((x) => x.attempts > 1).length;
      // Real launches not judged (statistics unavailable, malformed, or the system missing) pass, and say so.
      const unknown = outcomes.filter((x) => x.observations.statsUnknown);
      const note = unknown.length ? `; launch statistics unknown in ${unknown.length}: ${unknown.at(-1)!.observations.statsUnknown}` : '';
      return { ...row, observed: `passed ${countOf(outcomes.length, ran)}${retried ? ` (${retried} on retry)` : ''}${note}`, result: 'pass', class: null, owner: null };
    }
    const cls = rootClass(failed.map((x) => x.class ?? 'monitor')) ?? 'monitor';
    const example = failed.filter((x) => x.class === cls).at(-1)!;
    // `lps` is the vendor's its evidence names (lib/core/classify.ts ownerOf), not a class owner's.
    return { ...row, observed: `failed ${countOf(failed.length, ran)}: ${example.summary}`, result: 'fail', class: cls, owner: ownerOf(example, cls, config.owners) };
  });
}

export function latencyChecks(config: Config, runs: readonly RunReport[], baseline: Baseline): CanaryCheck[] {
  const ratio = baseline.regressionRatio;
  // The first journey of a fresh browser is slower at every step (a new renderer, empty
  // caches); the schedule's warm browser made the baseline, so that run is left out when others follow.
  const timed = runs.length > 1 ? runs.slice(1) : runs;
  const ms = (v: number | null) => (v === null ? '?' : `${v} ms`);
  const times = (v: number | null) => (v === null ? '' : ` (${v.toFixed(2)}×)`);
  return baseline.steps.map((base) => {
    const durations = timed.flatMap((r) =>
      r.results
        .filter((x) => x.probe === PROBE_IDS.journey)
        .flatMap((x) => x.steps.filter((s) => s.name === base.step && s.status === 'passed').map((s) => ({ value: s.durationMs, samples: 1 }))),
    );
    const c50 = round(percentile(weighted(durations), 50));
    const c95 = round(percentile(weighted(durations), 95));
    const judged = base.samples >= baseline.minSamples && base.p50Ms !== null && base.p95Ms !== null;
    const ratioOf = (c: number | null, b: number | null) => (c === null || b === null || !judged ? null : Math.round((c / Math.max(b, 1)) * 1000) / 1000);
    const latency: LatencyFigures = {
      canarySamples: durations.length,
      canaryP50Ms: c50,
      canaryP95Ms: c95,
      baselineSamples: base.samples,
      baselineP50Ms: base.p50Ms,
      baselineP95Ms: base.p95Ms,
      ratioP50: ratioOf(c50, base.p50Ms),
      ratioP95: ratioOf(c95, base.p95Ms),
    };
    const check = `latency ${base.step}`;
    const row = (expected: string, observed: string, result: CheckResult, failing = false): CanaryCheck => ({
      kind: 'latency',
      check,
      expected,
      observed,
      result,
      class: failing ? 'application' : null,
      owner: failing ? config.owners.application : null,
      latency,
    });
    const canary = `p50 ${ms(c50)}${times(latency.ratioP50)}, p95 ${ms(c95)}${times(latency.ratioP95)}`;
    if (!judged) return row(`≤ ${ratio}× baseline`, `no baseline (${base.samples} samples); ${durations.length ? canary : 'step never passed'}`, 'skip');
    const expected = `≤ ${ratio}× p50 ${ms(base.p50Ms)}, p95 ${ms(base.p95Ms)}`;
    if (!durations.length) return row(expected, 'step never passed (see probe journey)', 'skip');
    const beyond = (r: number | null, c: number | null, b: number | null) => (r ?? 0) > ratio && (c ?? 0) - (b ?? 0) >= baseline.minIncreaseMs;
    if (beyond(latency.ratioP50, c50, base.p50Ms) || beyond(latency.ratioP95, c95, base.p95Ms)) return row(expected, canary, 'fail', true);
    const jitter = (latency.ratioP50 ?? 0) > ratio || (latency.ratioP95 ?? 0) > ratio ? `; less than ${baseline.minIncreaseMs} ms slower` : '';
    return row(expected, `${canary}${jitter}`, 'pass');
  });
}
