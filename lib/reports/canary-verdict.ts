/**
 * The canary judged: its checks over finished runs and the verdict naming the first failing
 * check (release checks first, then probe checks by the contract's precedence, then latency)
 * and its owner. No I/O.
 */
import { rank } from '../core/classify.ts';
import type { Config } from '../core/config.ts';
import type { RunReport } from '../core/result.ts';
import { latencyChecks, probeChecks, releaseChecks } from './canary-checks.ts';
import type { Baseline, CanaryCheck, CanaryReport, CanaryRun, CanaryVerdict } from './canary-report.ts';

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

export function runOf(r: RunReport, run: number): CanaryRun {
  return { run, startedAt: r.startedAt, durationMs: r.durationMs, ok: r.ok, class: r.verdict.class, owner: r.verdict.owner, summary: r.verdict.summary };
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
