/**
 * `flp-monitor canary`: the post-release check KiAP runs right after a release. Every probe
 * runs `--runs N` times (or for `--duration`), then a verdict table and one verdict line (or one
 * JSON document); exit 0 when the release passed, 1 when it failed, 2 for usage or config errors.
 */
import { loadConfig, type Config } from '../core/config.ts';
import { BaselineError, recordRelease, runCanary, type CanaryCheck, type CanaryPlan, type CanaryReport } from '../reports/canary.ts';
import { cloudWatchHistoryFor } from '../adapters/cloudwatch-history.ts';
import type { HistorySource } from '../adapters/history.ts';
import { createLocalHistory } from '../adapters/local-history.ts';
import { LocalStore, type SkippedLine } from '../adapters/local-store.ts';
import type { ResultSink } from '../core/records.ts';
import { UsageError } from './errors.ts';
import { canaryVerdictLine, renderTable, type Column } from './output.ts';
import { createProgress, type ProgressStream } from './progress.ts';
import { checkWritable, writeReportFile } from './report-out.ts';
import { renderReport, reporterUsage, type ReporterName } from './reporters.ts';
import { cliMonitor } from '../runtime/cli-monitor.ts';
import { withNodeJourneys } from '../runtime/release-verification.ts';
import { ReleaseStore } from '../adapters/release-store.ts';
import { ensureBrowser, styleOf, type Io } from './io.ts';

export interface CanaryCommandOptions {
  config: string;
  expectVersion?: string;
  duration?: string;
  runs?: string;
  baselineDays?: string;
  source?: string;
  /** Also the journey on each node directly. */
  nodes?: boolean;
  json?: boolean;
  reporter?: string;
  out?: string;
}

/** Runs when neither `--runs` nor `--duration` is given. */
export const DEFAULT_CANARY_RUNS = 3;
/**
 * With `--duration`, a run starts at most this often: a 10-minute canary makes about 120
 * journeys (each creating and deleting a plan in production), not several hundred.
 */
export const DURATION_PACE_MS = 5_000;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `10m`, `1h`, `1.5h` in milliseconds. Throws UsageError for anything else. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh])\s*$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!m || !(ms >= 1_000)) throw new UsageError(`--duration must be a time such as 90s, 10m or 1h (at least 1s), not "${text}"`);
  return Math.round(ms);
}

function positiveInt(flag: string, text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number greater than 0, not "${text}"`);
  return n;
}

/** The usage checks, before any config is read: one clear message per mistake. */
export function canaryUsage(opts: CanaryCommandOptions): {
  version: string;
  plan: CanaryPlan;
  baselineDays?: number;
  source: 'local' | 'cloudwatch';
  /** `--reporter` (and `--out`), when given. */
  ci?: { reporter: ReporterName; out?: string };
} {
  const ci = reporterUsage(opts);
  const version = opts.expectVersion?.trim();
  if (!version) throw new UsageError('--expect-version is required: the version every node must run after the release, e.g. --expect-version 2026.4.1');
  if (opts.runs !== undefined && opts.duration !== undefined) throw new UsageError('--runs and --duration exclude each other: give one (default --runs 3)');
  const plan: CanaryPlan =
    opts.duration !== undefined ? { durationMs: parseDuration(opts.duration) } : { runs: opts.runs !== undefined ? positiveInt('--runs', opts.runs) : DEFAULT_CANARY_RUNS };
  const source = opts.source ?? 'local';
  if (source !== 'local' && source !== 'cloudwatch') throw new UsageError(`--source must be local or cloudwatch, not "${source}"`);
  return { version, plan, source, ...(ci ? { ci } : {}), ...(opts.baselineDays !== undefined ? { baselineDays: positiveInt('--baseline-days', opts.baselineDays) } : {}) };
}

/** What tests replace: where history comes from, extra sinks, the progress stream, Ctrl-C. */
export interface CanaryCommandDeps {
  history?: (config: Config, source: 'local' | 'cloudwatch') => HistorySource & { skipped?: readonly SkippedLine[] };
  sinks?: ResultSink[];
  progress?: ProgressStream;
  signal?: AbortSignal;
}

export async function canaryCommand(opts: CanaryCommandOptions, io: Io, deps: CanaryCommandDeps = {}): Promise<number> {
  const usage = canaryUsage(opts);
  if (usage.ci?.out) await checkWritable(usage.ci.out);
  const loaded = await loadConfig(opts.config);
  if (!ensureBrowser(loaded, io)) return 2;
  // The canary's own runs expect the new version, so their release probe records it as such.
  const config: Config = { ...loaded, target: { ...loaded.target, expectedVersion: usage.version } };
  const history = (deps.history ?? historyFor)(config, usage.source);
  const store = new LocalStore(config.store.dir);
  // The verdict also goes to the release store: `release status` lists it, and a pass becomes the version later runs expect.
  const sinks: ResultSink[] = [{ write: (records) => store.append(records) }, new ReleaseStore(config.store.dir), ...(deps.sinks ?? [])];
  const monitor = cliMonitor(config, deps.sinks ?? []);

  const stream: ProgressStream = deps.progress ?? { write: io.err, isTTY: !!process.stderr.isTTY, columns: process.stderr.columns };
  const plannedRuns = 'runs' in usage.plan ? usage.plan.runs : null;
  const durationMs = 'durationMs' in usage.plan ? usage.plan.durationMs : null;
  const t0 = Date.now();
  let done = 0;
  let failed = 0;
  const progress = createProgress(stream, {
    title: `canary ${usage.version}`,
    width: 20,
    state: () => {
      const elapsed = Date.now() - t0;
      const fraction = plannedRuns ? done / plannedRuns : Math.min(1, elapsed / (durationMs ?? 1));
      const runs = `${done} run${done === 1 ? '' : 's'}`;
      const of = plannedRuns ? `${done}/${plannedRuns} runs · ${seconds(elapsed)}` : `${runs} · ${seconds(elapsed)} of ${seconds(durationMs ?? 0)}`;
      return { fraction, label: `${of} · ${failed} failed` };
    },
  });
  if (loaded.target.expectedVersion && loaded.target.expectedVersion !== usage.version)
    progress.line(`note: the config expects ${loaded.target.expectedVersion} (target.expectedVersion); once this release is in, set it to ${usage.version} so the scheduled release check expects it too`);

  const stop = new AbortController();
  const onSignal = () => {
    progress.line('stopping after the run in progress (Ctrl-C again to quit at once)');
    stop.abort();
  };
  // Once: a second Ctrl-C gets Node's default and ends the process.
  if (!deps.signal) process.once('SIGINT', onSignal);
  else deps.signal.addEventListener('abort', () => stop.abort(), { once: true });

  let report: CanaryReport;
  try {
    report = await runCanary({
      config,
      version: usage.version,
      runner: opts.nodes ? withNodeJourneys(monitor) : monitor,
      history,
      plan: usage.plan,
      ...(usage.baselineDays !== undefined ? { baselineDays: usage.baselineDays } : {}),
      minIntervalMs: durationMs !== null ? DURATION_PACE_MS : 0,
      signal: stop.signal,
      onRun: (run, p) => {
        done = p.done;
        failed = p.failed;
        const line = `run ${run.run}${plannedRuns ? `/${plannedRuns}` : ''}: ${run.ok ? 'pass' : `FAIL ${run.class} / ${run.owner}`} (${seconds(run.durationMs)})${run.ok ? '' : `: ${run.summary.replace(/^[a-z]+ \([^)]*\): /, '')}`}`;
        // On a terminal the bar shows progress; only failures get a line of their own.
        if (!stream.isTTY || !run.ok) progress.line(line);
        else progress.update();
      },
    });
  } catch (e) {
    // Nothing was probed: a source that cannot be read is a setup problem, like a bad config.
    if (e instanceof BaselineError) throw new UsageError(e.message);
    throw e;
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    await monitor.close();
  }

  const skipped = history.skipped ?? [];
  if (skipped.length)
    io.err(`flp-monitor: skipped ${skipped.length} broken line(s) in the store (first: ${skipped[0]!.file}:${skipped[0]!.line}, ${skipped[0]!.reason})\n`);

  const errors = await recordRelease(report, config, sinks);
  for (const e of errors) io.err(`flp-monitor: the release could not be recorded in a sink: ${e.message}\n`);
  if (opts.json) io.out(`${canaryJson(report, { recorded: errors.length === 0 })}\n`);
  else if (usage.ci) {
    const text = renderReport(usage.ci.reporter, report);
    if (!usage.ci.out) io.out(text);
    else {
      io.out(`${canaryText(report, styleOf(io).width)}\n`);
      await writeReportFile(usage.ci.out, text);
      io.err(`flp-monitor: wrote ${usage.ci.out} (${usage.ci.reporter}): ${report.checks.length} checks, ${report.checks.filter((c) => c.result === 'fail').length} failed\n`);
    }
  } else io.out(`${canaryText(report, styleOf(io).width)}\n`);
  return report.verdict.pass ? 0 : 1;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(ms / 1000).toFixed(1)} s`;
}

// The verdict line lives beside the run's (`output.ts`), where the CI reporters take it from too.
export { canaryVerdictLine };

/**
 * The table for people: one row per check, then the runs, the baseline and the verdict line.
 * `width` is the terminal's (long observations are cut to fit); without one nothing is cut.
 */
export function canaryText(report: CanaryReport, width?: number): string {
  const columns: Column<CanaryCheck>[] = [
    { header: 'check', value: (c) => c.check },
    { header: 'expected', value: (c) => c.expected },
    { header: 'observed', value: (c) => c.observed, ...(width ? { max: Math.max(40, width - 95) } : {}) },
    { header: 'result', value: (c) => (c.result === 'fail' ? 'FAIL' : c.result) },
    { header: 'owner', value: (c) => c.owner ?? '-' },
  ];
  const b = report.baseline;
  const failedRuns = report.runs.filter((r) => !r.ok).length;
  const lines = [
    renderTable(report.checks, columns),
    '',
    `runs: ${report.runs.length} in ${seconds(report.durationMs)}${failedRuns ? `, ${failedRuns} with a failure` : ''}${report.interrupted ? ' (stopped early)' : ''}`,
    `baseline: journey step times over ${b.days} day${b.days === 1 ? '' : 's'} before ${b.to} from ${b.source} (a step fails beyond ${b.regressionRatio}× its p50 or p95 and ${b.minIncreaseMs} ms; judged from ${b.minSamples} samples; run 1 only warms the browser when more follow)`,
    canaryVerdictLine(report),
  ];
  return lines.join('\n');
}

/** The `--json` document: the report, and whether the release was recorded. */
export function canaryJson(report: CanaryReport, extra: { recorded: boolean }): string {
  return JSON.stringify(
    {
      pass: report.verdict.pass,
      version: report.version,
      environment: report.environment,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      plannedRuns: report.plannedRuns,
      interrupted: report.interrupted,
      verdict: report.verdict,
      checks: report.checks,
      runs: report.runs,
      baseline: report.baseline,
      recorded: extra.recorded,
    },
    null,
    2,
  );
}

/** The history the baseline comes from: the local store, or CloudWatch (region, credentials and endpoint from the SDK's own chain). */
export function historyFor(config: Config, source: 'local' | 'cloudwatch'): HistorySource & { skipped?: readonly SkippedLine[] } {
  return source === 'local' ? createLocalHistory(config) : cloudWatchHistoryFor({ config });
}
