/**
 * The SLA pipeline's first stages: the period to report, and everything read for it from the
 * history (runs, or Success and FailureCount per period; step durations, sync lag, releases, the
 * LPS statistics; the windows set by hand), every query at once.
 */
import type { MetricPoint, MetricQuery } from '../../adapters/history.ts';
import { DIMENSIONS, METRICS } from '../../core/metric-names.ts';
import type { ReleaseRecord } from '../../core/records.ts';
import { FAILURE_CLASSES } from '../../core/result.ts';
import { JOURNEY_STEPS, PROBE_IDS } from '../../core/contract.ts';
import type { Outcomes } from './cells.ts';
import type { ComputeOptions, SlaHistory } from './report.ts';
import type { SlaService } from './services.ts';
import type { HandSetWindow } from './windows.ts';

const HOUR = 3_600_000;

/** The reported period, in epoch ms: `to` is the earlier of the end asked for and now. */
export interface ReportPeriod {
  from: number;
  to: number;
  requestedTo: number;
  nowMs: number;
}

/** Options → the period to report: up to now when it has not ended; a RangeError when it has not begun. */
export function reportPeriod(options: ComputeOptions): ReportPeriod {
  const nowMs = (options.now ?? new Date()).getTime();
  const from = options.from.getTime();
  const requestedTo = options.to.getTime();
  const to = Math.min(requestedTo, nowMs);
  if (to <= from) throw new RangeError(`the period starts ${new Date(from).toISOString()}, which is not yet past`);
  return { from, to, requestedTo, nowMs };
}

/** The windows set by hand, from the history when it can tell them, or why they could not be read. */
export async function readHandSet(history: SlaHistory, period: ReportPeriod): Promise<{ windows: HandSetWindow[]; error: string | null }> {
  if (!history.handSetWindows) return { windows: [], error: null };
  try {
    return { windows: await history.handSetWindows({ from: new Date(period.from), to: new Date(period.to) }), error: null };
  } catch (e) {
    return { windows: [], error: (e as Error).message };
  }
}

/** Everything read from the history for one report. */
export interface Series {
  outcomes: Outcomes;
  /** StepDuration points of the journey, per step in JOURNEY_STEPS order. */
  steps: MetricPoint[][];
  /** SyncLag points, per sync source in config order. */
  lags: MetricPoint[][];
  releases: ReleaseRecord[];
  /** LaunchRejectedPercent points, per LPS profile in config order. */
  rejected: MetricPoint[][];
  /** LaunchStatsUnknown points (one per `lps:<system>` result). */
  statsUnknown: MetricPoint[];
}

/** The period, widened to whole hours and a margin, so intervals and periods that straddle its ends are read whole. */
function readRange(services: readonly SlaService[], period: ReportPeriod): { from: Date; to: Date } {
  const longest = Math.max(...services.map((s) => s.intervalSeconds)) * 1000;
  const margin = Math.ceil(Math.max(HOUR, longest) / HOUR) * HOUR;
  return { from: new Date(Math.floor(period.from / HOUR) * HOUR - margin), to: new Date(Math.ceil(period.to / HOUR) * HOUR + margin) };
}

/** The history and the services → the series: runs (or Success and FailureCount per period), step durations, sync lag, releases. */
export async function readSeries(options: ComputeOptions, services: readonly SlaService[], period: ReportPeriod): Promise<Series> {
  const { config, history } = options;
  const { from: readFrom, to: readTo } = readRange(services, period);
  const progress = progressMerger(options.onProgress);
  const results = await history.results({ from: readFrom, to: readTo });
  const periodSeconds = results ? null : (history.periodSeconds?.(readFrom, readTo) ?? 60);
  const metric = (name: string, dimensions: Record<string, string>) =>
    history.metric({ name, dimensions, from: readFrom, to: readTo } satisfies MetricQuery, progress.track());
  const env = { [DIMENSIONS.environment]: config.environment };

  // Every query at once: CloudWatch batches what is asked together into one GetMetricData.
  const stepsP = Promise.all(JOURNEY_STEPS.map((step) => metric(METRICS.stepDuration.name, { ...env, [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.step]: step })));
  const lagP = Promise.all(config.sync.map((s) => metric(METRICS.syncLag.name, { ...env, [DIMENSIONS.source]: s.source })));
  const successP = results ? null : Promise.all(services.map((s) => metric(METRICS.success.name, { ...env, [DIMENSIONS.probe]: s.id })));
  const failuresP = results ? null : Promise.all(FAILURE_CLASSES.map((c) => metric(METRICS.failures.name, { ...env, [DIMENSIONS.failureClass]: c })));
  const releasesP = history.releases ? history.releases({ from: new Date(period.from), to: new Date(period.to) }) : Promise.resolve([]);
  // The LPS profiles' figures, asked only when there are profiles: a config without them reads what it always did.
  const profiles = config.lps.profiles;
  const rejectedP = Promise.all(profiles.map((p) => metric(METRICS.launchRejectedPercent.name, { ...env, [DIMENSIONS.system]: p.system })));
  const unknownP = profiles.length ? metric(METRICS.launchStatsUnknown.name, env) : Promise.resolve([]);
  // Each system's real launches publish their own FailureCount (Probe = lps:<system>): the class of an
  // `lps:<system>` period is taken from those, not from every probe's.
  const probeFailuresP =
    results || !profiles.length
      ? null
      : Promise.all(
          services.map((s) =>
            s.kind === 'lps'
              ? Promise.all(FAILURE_CLASSES.map((c) => metric(METRICS.failures.name, { ...env, [DIMENSIONS.probe]: s.id, [DIMENSIONS.failureClass]: c })))
              : null,
          ),
        );
  const [steps, lags, success, failures, releases, rejected, statsUnknown, probeFailures] = await Promise.all([
    stepsP,
    lagP,
    successP,
    failuresP,
    releasesP,
    rejectedP,
    unknownP,
    probeFailuresP,
  ]);
  const outcomes: Outcomes = results
    ? { kind: 'runs', results }
    : { kind: 'periods', periodSeconds: periodSeconds!, success: success!, failures: failures!, ...(probeFailures ? { probeFailures } : {}) };
  return { outcomes, steps, lags, releases, rejected, statsUnknown };
}

/** Adds up the progress of several concurrent reads into one (done, total). */
function progressMerger(onProgress?: (done: number, total: number) => void) {
  const parts: { done: number; total: number }[] = [];
  return {
    track(): ((done: number, total: number) => void) | undefined {
      if (!onProgress) return undefined;
      const part = { done: 0, total: 0 };
      parts.push(part);
      return (done, totalCount) => {
        part.done = done;
        part.total = totalCount;
        onProgress(
          parts.reduce((s, p) => s + p.done, 0),
          parts.reduce((s, p) => s + p.total, 0),
        );
      };
    },
  };
}
