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
 *
 * Here: reading the baseline, running the plan, recording the release. The checks are in
 * canary-checks.ts, the verdict in canary-verdict.ts, the report's shape in canary-report.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.ts';
import { systemClock, type Clock } from '../core/context.ts';
import type { HistorySource } from '../adapters/history.ts';
import { DIMENSIONS, METRICS } from '../core/metric-names.ts';
import { releaseMetricRecord, releaseRecord, type StoreRecord } from '../core/records.ts';
import type { ResultSink } from '../core/records.ts';
import type { RunReport } from '../core/result.ts';
import { JOURNEY_STEPS, PROBE_IDS } from '../core/contract.ts';
import { round, weighted } from './canary-checks.ts';
import type { Baseline, BaselineStep, CanaryReport, CanaryRun } from './canary-report.ts';
import { judgeCanary, runOf } from './canary-verdict.ts';
import { percentile } from './stats.ts';

export type { Baseline, BaselineStep, CanaryCheck, CanaryReport, CanaryRun, CanaryVerdict, CheckKind, CheckResult, LatencyFigures } from './canary-report.ts';
export { judgeCanary } from './canary-verdict.ts';

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
