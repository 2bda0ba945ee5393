/**
 * The latest results of one probe group, as the deployed probe functions leave them for the
 * notifier: one small JSON document per group, `latest/<environment>/<group>.json`, overwritten
 * every run, holding the group's classified results (artifacts as their `s3://` URIs) and, per
 * failing probe, its failing stretch: the first failing run of the current stretch and how many
 * runs it has lasted. The stretch is worked out here, purely, from the previous document and
 * the new run, so a warm container and a cold one (which continues from the stored document)
 * count alike. A gap in the record longer than a few intervals ends every stretch: the monitor
 * cannot claim a probe failed through time it did not watch.
 */
import { intervalSeconds, type ProbeGroup } from './contract.ts';
import type { Config } from './config.ts';
import type { ClassifiedResult } from './result.ts';

/** The key prefix of every latest-results document (the artifacts bucket expires it after a few days). */
export const LATEST_PREFIX = 'latest/';

/** How many of a group's deployed intervals may pass between two documents before a stretch is no longer continued, and a document counts as stale. */
export const LATEST_MAX_AGE_INTERVALS = 3;

/** One probe's current failing stretch, as stored (ISO times). */
export interface FailingStretch {
  /** Start of the first failing run of the stretch. */
  firstFailingAt: string;
  /** Failing runs in the stretch, this one included. */
  runs: number;
}

/** The document a probe function writes after each run of its group. */
export interface LatestResults {
  group: ProbeGroup;
  /** When the run finished and the document was written. */
  at: string;
  /** The run's classified results; `artifacts` are the `s3://` URIs that were kept. */
  results: ClassifiedResult[];
  /** Per probe id that failed in this run, its failing stretch. Probes that passed are absent. */
  failing: Record<string, FailingStretch>;
}

/** The S3 key of a group's document: `latest/<environment>/<group>.json`. */
export function latestKey(environment: string, group: ProbeGroup): string {
  return `${LATEST_PREFIX}${environment}/${group}.json`;
}

/**
 * How old a group's document may be and still describe the present: a few of its intervals as
 * deployed (EventBridge runs in whole minutes, at most once a minute).
 */
export function latestMaxAgeMs(config: Pick<Config, 'schedule'>, group: ProbeGroup): number {
  const deployed = Math.max(60, Math.ceil(intervalSeconds(config, group) / 60) * 60);
  return LATEST_MAX_AGE_INTERVALS * deployed * 1000;
}

/**
 * The failing stretches after a run: a failed probe continues its stretch from `previous`
 * (first failing run kept, one more run) or starts one at its own start; a passed probe has
 * none. A `previous` document older than `maxGapMs` at `now` continues nothing.
 */
export function nextFailing(
  previous: Pick<LatestResults, 'at' | 'failing'> | null,
  results: readonly Pick<ClassifiedResult, 'probe' | 'ok' | 'startedAt'>[],
  options: { now: Date; maxGapMs: number },
): Record<string, FailingStretch> {
  const continued = previous && options.now.getTime() - Date.parse(previous.at) <= options.maxGapMs ? previous.failing : {};
  const out: Record<string, FailingStretch> = {};
  for (const r of results) {
    if (r.ok) continue;
    const before = Object.hasOwn(continued, r.probe) ? continued[r.probe] : undefined;
    out[r.probe] = before ? { firstFailingAt: before.firstFailingAt, runs: before.runs + 1 } : { firstFailingAt: r.startedAt, runs: 1 };
  }
  return out;
}

/**
 * Checks a parsed document's shape (the parts the notifier and the stretch rely on) and that it
 * is the group's; throws an Error naming what is wrong. The results themselves are the probes'
 * own, written by this code: only their identity fields are checked.
 */
export function parseLatestResults(value: unknown, group: ProbeGroup): LatestResults {
  const fail = (what: string): never => {
    throw new Error(`latest results of ${group}: ${what}`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.group !== group) fail(`"group" is ${JSON.stringify(v.group)}, expected "${group}"`);
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) fail('"at" is not a time');
  if (!Array.isArray(v.results)) return fail('"results" is not a list');
  v.results.forEach((r, i) => {
    const x = r as Record<string, unknown> | null;
    if (!x || typeof x !== 'object' || typeof x.probe !== 'string' || typeof x.ok !== 'boolean' || !Array.isArray(x.evidence) || !Array.isArray(x.artifacts))
      fail(`results[${i}] is not a classified result`);
  });
  if (!v.failing || typeof v.failing !== 'object' || Array.isArray(v.failing)) return fail('"failing" is not an object');
  for (const [probe, s] of Object.entries(v.failing as Record<string, unknown>)) {
    const x = s as Record<string, unknown> | null;
    if (!x || typeof x.firstFailingAt !== 'string' || Number.isNaN(Date.parse(x.firstFailingAt)) || !Number.isInteger(x.runs) || (x.runs as number) < 1)
      fail(`failing["${probe}"] is not { firstFailingAt, runs }`);
  }
  return value as LatestResults;
}

