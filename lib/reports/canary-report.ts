/**
 * What the post-release canary (canary.ts) reports: its checks, the verdict over them, its runs
 * and the latency baseline it judged against. Types only.
 */
import type { FailureClass } from '../core/result.ts';

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
