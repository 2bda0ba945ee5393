/**
 * The post-release canary: right after a release, every probe runs a few times and the release
 * is judged on three kinds of check, in this order:
 *
 * 1. release: every node reports the expected version in every run, and no node disagrees;
 * 2. probes: every probe passed in every run (a failing one names the classifier's class and owner);
 * 3. latency: each journey step's median and p95 over the canary's runs against the same figures
 *    over the days before the release, read from the history source (local store or CloudWatch).
 *
 * The verdict names the first failing check in that order (probe checks by the contract's
 * precedence) and its owner. The release itself is then recorded through the result sinks, so
 * dashboards and SLA reports can mark it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ownerOf, rank, rootClass } from '../core/classify.ts';
import type { Config } from '../core/config.ts';
import { systemClock, type Clock } from '../core/context.ts';
import type { HistorySource, MetricPoint } from '../adapters/history.ts';
import { DIMENSIONS, METRICS } from '../core/metric-names.ts';
import { releaseMetricRecord, releaseRecord, type StoreRecord } from '../core/records.ts';
import type { ResultSink } from '../core/records.ts';
import type { ClassifiedResult, FailureClass, RunReport } from '../core/result.ts';
import { JOURNEY_STEPS, KIND_ORDER, PROBE_IDS } from '../core/contract.ts';
import { percentile, type Weighted } from './stats.ts';

export type CheckKind = 'release' | 'probe' | 'latency';
/** `skip`: the check could not judge (no baseline, no version seen); it never fails the canary. */
export type CheckResult = 'pass' | 'fail' | 'skip';

/** The numbers behind a latency check, in milliseconds; ratios are canary / baseline. */
export interface LatencyFigures {
  canarySamples: number;
  canaryP50Ms: number | null;
  canaryP95Ms: number | null;
  baselineSamples: number;
  baselineP50Ms: number | null;
  baselineP95Ms: number | null;
  ratioP50: number | null;
  ratioP95: number | null;
}

export interface CanaryCheck {
  kind: CheckKind;
  /** What is checked: `version flp-1`, `nodes agree`, `probe journey`, `latency overview`. */
  check: string;
  expected: string;
  observed: string;
  result: CheckResult;
  /** The failure class and its owner when the check failed; null otherwise. */
  class: FailureClass | null;
  owner: string | null;
  /** Latency checks only. */
  latency?: LatencyFigures;
}

export interface CanaryVerdict {
  pass: boolean;
  /** One line: the first failing check with its owner, or what passed (and what was not judged). */
  summary: string;
  failing: { check: string; class: FailureClass; owner: string } | null;
}

/** One run of every probe during the canary. */
export interface CanaryRun {
  run: number;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  class: FailureClass | null;
  owner: string | null;
  summary: string;
}

export interface BaselineStep {
  step: string;
  /** Raw samples behind the figures (a CloudWatch point may stand for several). */
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** The latency baseline: StepDurationMillis of the journey over `days` before the canary started. */
export interface Baseline {
  source: string;
  from: string;
  to: string;
  days: number;
  minSamples: number;
  regressionRatio: number;
  /** A step beyond the ratio but slower by less than this is jitter, not a regression. */
  minIncreaseMs: number;
  steps: BaselineStep[];
}

export interface CanaryReport {
  version: string;
  environment: string;
  startedAt: string;
  durationMs: number;
  /** Runs the plan asked for (null for a duration), and whether the canary was stopped before it. */
  plannedRuns: number | null;
  interrupted: boolean;
  verdict: CanaryVerdict;
  checks: CanaryCheck[];
  runs: CanaryRun[];
  baseline: Baseline;
}

/**
 * A step slower than the ratio allows but by fewer milliseconds than this passes: on fast steps
 * (tens of milliseconds) the ratio alone turns scheduling jitter into a failed release.
 */
export const DEFAULT_MIN_LATENCY_INCREASE_MS = 250;

/** The latency baseline could not be read (the store, or CloudWatch): nothing was probed yet. */
export class BaselineError extends Error {
  constructor(source: string, options: { cause: unknown }) {
    super(`could not read the latency baseline from ${source}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = 'BaselineError';
  }
}

/** How long the canary runs: a number of runs, or as many runs as start within a duration. */
export type CanaryPlan = { runs: number } | { durationMs: number };

/** A run of every probe: `Monitor.runOnce` (its results are recorded like any run's). */
export interface CanaryRunner {
  runOnce(): Promise<RunReport>;
}

export interface CanaryProgress {
  /** Runs finished so far. */
  done: number;
  plannedRuns: number | null;
  elapsedMs: number;
  durationMs: number | null;
  /** Runs that found a failure. */
  failed: number;
}

export interface CanaryOptions {
  config: Config;
  /** The version every node must report. */
  version: string;
  runner: CanaryRunner;
  history: HistorySource;
  plan: CanaryPlan;
  /** Default `config.canary.baselineDays`. */
  baselineDays?: number;
  /** Default `config.canary.minLatencyIncreaseMs`. */
  minIncreaseMs?: number;
  /** The least time between the starts of two runs. Default 0: each run right after the previous. */
  minIntervalMs?: number;
  /** Stops the canary after the run in progress; the verdict covers the runs done. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Waits between runs when pacing; resolves early when the signal aborts. Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called after each run. */
  onRun?: (run: CanaryRun, progress: CanaryProgress) => void;
}

/** CloudWatch points (or raw runs, `samples: 1`) as the weighted points `percentile` takes. */
function weighted(points: readonly Pick<MetricPoint, 'value' | 'samples'>[]): Weighted[] {
  return points.map((x) => ({ value: x.value, weight: x.samples }));
}

/** Reads the latency baseline of every journey step over `days` ending at `to`. */
export async function readBaseline(history: HistorySource, config: Config, options: { to: Date; days: number; minIncreaseMs?: number }): Promise<Baseline> {
  const from = new Date(options.to.getTime() - options.days * 86_400_000);
  const steps = config.journey.enabled ? JOURNEY_STEPS : [];
  const figures = await Promise.all(
    steps.map(async (step): Promise<BaselineStep> => {
      const points = await history.metric({
        name: METRICS.stepDuration.name,
        dimensions: { [DIMENSIONS.environment]: config.environment, [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.step]: step },
        from,
        to: options.to,
      });
      return { step, samples: points.reduce((n, x) => n + x.samples, 0), p50Ms: round(percentile(weighted(points), 50)), p95Ms: round(percentile(weighted(points), 95)) };
    }),
  );
  return {
    source: history.label,
    from: from.toISOString(),
    to: options.to.toISOString(),
    days: options.days,
    minSamples: config.canary.minBaselineSamples,
    regressionRatio: config.canary.latencyRegressionRatio,
    minIncreaseMs: options.minIncreaseMs ?? DEFAULT_MIN_LATENCY_INCREASE_MS,
    steps: figures,
  };
}

/**
 * Reads the baseline, then runs every probe as the plan says (always at least once), and
 * judges the release. The runner records its runs itself; the release is recorded by
 * {@link recordRelease}.
 */
export async function runCanary(options: CanaryOptions): Promise<CanaryReport> {
  const { config, plan, signal } = options;
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const t0 = started.getTime();
  // Before the first run, so a history source that cannot be read fails in seconds, not after the canary.
  const baseline = await readBaseline(options.history, config, {
    to: started,
    days: options.baselineDays ?? config.canary.baselineDays,
    minIncreaseMs: options.minIncreaseMs ?? config.canary.minLatencyIncreaseMs,
  }).catch((cause: unknown) => {
    throw new BaselineError(options.history.label, { cause });
  });
  const plannedRuns = 'runs' in plan ? plan.runs : null;
  const durationMs = 'durationMs' in plan ? plan.durationMs : null;
  const minInterval = options.minIntervalMs ?? 0;
  const reports: RunReport[] = [];
  let lastStart = t0;
  let interrupted = false;
  for (let i = 0; ; i++) {
    if (i > 0) {
      if (plannedRuns !== null && i >= plannedRuns) break;
      const next = Math.max(clock.now().getTime(), lastStart + minInterval);
      if (durationMs !== null && next - t0 >= durationMs) break;
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      const wait = next - clock.now().getTime();
      if (wait > 0) await (options.sleep ?? pause)(wait, signal);
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    lastStart = clock.now().getTime();
    const report = await options.runner.runOnce();
    reports.push(report);
    options.onRun?.(runOf(report, i + 1), {
      done: reports.length,
      plannedRuns,
      elapsedMs: clock.now().getTime() - t0,
      durationMs,
      failed: reports.filter((r) => !r.ok).length,
    });
  }
  return judgeCanary({
    config,
    version: options.version,
    runs: reports,
    baseline,
    startedAt: started.toISOString(),
    durationMs: clock.now().getTime() - t0,
    plannedRuns,
    interrupted,
  });
}

/** The checks and verdict over finished runs: no I/O. */
export function judgeCanary(input: {
  config: Config;
  version: string;
  runs: readonly RunReport[];
  baseline: Baseline;
  startedAt: string;
  durationMs: number;
  plannedRuns?: number | null;
  interrupted?: boolean;
}): CanaryReport {
  const { config, version, runs, baseline } = input;
  const checks = [...releaseChecks(config, version, runs), ...probeChecks(config, runs), ...latencyChecks(config, runs, baseline)];
  const plannedRuns = input.plannedRuns ?? null;
  const interrupted = input.interrupted ?? false;
  return {
    version,
    environment: config.environment,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    plannedRuns,
    interrupted,
    verdict: canaryVerdict(checks, { config, version, runs: runs.length, plannedRuns, interrupted }),
    checks,
    runs: runs.map((r, i) => runOf(r, i + 1)),
    baseline,
  };
}

/** The release as a store record (with the window it verified, if any) and a `Release` metric point, written through every sink. Returns the sinks' errors. */
export async function recordRelease(report: CanaryReport, config: Config, sinks: readonly ResultSink[], windowId?: string): Promise<Error[]> {
  const release = { timestamp: report.startedAt, environment: report.environment, version: report.version, verdict: report.verdict.pass ? 'pass' : 'fail' } as const;
  const records: StoreRecord[] = [releaseRecord({ ...release, summary: report.verdict.summary, ...(windowId ? { windowId } : {}) }), releaseMetricRecord(release, config.aws.namespace)];
  const settled = await Promise.allSettled(sinks.map((s) => s.write(records)));
  return settled.flatMap((s) => (s.status === 'rejected' ? [s.reason instanceof Error ? s.reason : new Error(String(s.reason))] : []));
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

function runOf(r: RunReport, run: number): CanaryRun {
  return { run, startedAt: r.startedAt, durationMs: r.durationMs, ok: r.ok, class: r.verdict.class, owner: r.verdict.owner, summary: r.verdict.summary };
}

function round(n: number | null): number | null {
  return n === null ? null : Math.round(n);
}

function countOf(n: number, of: number): string {
  return `${n}/${of} run${of === 1 ? '' : 's'}`;
}

function releaseChecks(config: Config, version: string, runs: readonly RunReport[]): CanaryCheck[] {
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

function probeChecks(config: Config, runs: readonly RunReport[]): CanaryCheck[] {
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

function latencyChecks(config: Config, runs: readonly RunReport[], baseline: Baseline): CanaryCheck[] {
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

/** Release checks first, then probe checks by the contract's precedence, then latency. */
function orderOf(c: CanaryCheck): number {
  if (c.kind === 'release') return 0;
  if (c.kind === 'probe') return 1 + rank(c.class ?? 'monitor');
  return 100;
}

function canaryVerdict(
  checks: readonly CanaryCheck[],
  context: { config: Config; version: string; runs: number; plannedRuns: number | null; interrupted: boolean },
): CanaryVerdict {
  const failing = checks
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.result === 'fail')
    .sort((a, b) => orderOf(a.c) - orderOf(b.c) || a.i - b.i)
    .map(({ c }) => c);
  const stopped = context.interrupted ? ` (stopped after ${context.runs}${context.plannedRuns ? ` of ${context.plannedRuns}` : ''} runs)` : '';
  const unjudged = checks.filter((c) => c.kind === 'latency' && c.result === 'skip' && c.observed.startsWith('no baseline'));
  const noBaseline = unjudged.length
    ? `; latency not judged for ${unjudged.map((c) => c.check.replace(/^latency /, '')).join(', ')}: no baseline (fewer than ${context.config.canary.minBaselineSamples} samples)`
    : '';
  const first = failing[0];
  if (!first) {
    const nodes = checks.filter((c) => c.kind === 'release' && c.check.startsWith('version ')).length;
    const probes = checks.filter((c) => c.kind === 'probe').length;
    const judged = checks.filter((c) => c.kind === 'latency' && c.result === 'pass').length;
    const latency = judged ? `, ${judged} journey steps within ${context.config.canary.latencyRegressionRatio}× their baseline` : '';
    const journeyOff = context.config.journey.enabled ? '' : '; journey disabled in the config, latency not checked';
    return {
      pass: true,
      summary: `${nodes} node${nodes === 1 ? '' : 's'} on ${context.version}, ${probes} probes passed in ${context.runs} run${context.runs === 1 ? '' : 's'}${latency}${noBaseline}${journeyOff}${stopped}`,
      failing: null,
    };
  }
  const cls = first.class ?? 'monitor';
  const owner = first.owner ?? context.config.owners[cls];
  const also = failing.length > 1 ? `; also failing: ${failing.slice(1).map((c) => c.check).join(', ')}` : '';
  return {
    pass: false,
    summary: `${first.check} failed (${cls}, owner ${owner}): expected ${first.expected}, observed ${first.observed}${also}${noBaseline}${stopped}`,
    failing: { check: first.check, class: cls, owner },
  };
}
