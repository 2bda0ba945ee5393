/**
 * `flp-monitor release status`: the last release verdicts, newest first, and the version later
 * runs expect. From the local release store (`<store.dir>/releases.json`: the canary's verdicts
 * and the monitor's own verification at a release window's end, with their one-line summaries)
 * or from CloudWatch's `Release` metric (verdicts and times only). A table, or with `--json`
 * exactly one JSON document `{ expected, releases }`. Exit 0; 2 for usage, config or a store or
 * source that cannot be read (one message naming it).
 */
import { loadConfig, type Config } from '../core/config.ts';
import type { ReleaseRecord } from '../core/records.ts';
import { ReleaseStore } from '../adapters/release-store.ts';
import { cloudWatchReleasesFor, RELEASE_LOOKBACK_DAYS, type CloudWatchReleaseReading, type CloudWatchReleases } from '../adapters/cloudwatch-releases.ts';
import { showLocal } from '../reports/sla/time.ts';
import { UsageError } from './errors.ts';
import { renderTable, type Column } from './output.ts';
import { styleOf, type Io } from './io.ts';

export const RELEASE_SOURCES = ['local', 'cloudwatch'] as const;
export type ReleaseSource = (typeof RELEASE_SOURCES)[number];

/** Verdicts listed when `--limit` is not given. */
export const DEFAULT_RELEASE_LIMIT = 10;

/** Where CloudWatch's rows point for the words of a verdict. */
export const CLOUDWATCH_SUMMARY = '(summary in the local store or the function logs)';

export interface ReleaseStatusOptions {
  config: string;
  source?: string;
  json?: boolean;
  limit?: string;
}

/** What tests replace: the CloudWatch reader. */
export interface ReleaseStatusDeps {
  cloudwatch?: (config: Config) => CloudWatchReleases;
}

/** One verdict as `release status` lists it (the `--json` document's `releases[]`). */
export interface ReleaseRow {
  timestamp: string;
  version: string;
  verdict: 'pass' | 'fail';
  windowId?: string;
  summary?: string;
}

/** The version later runs expect, and why. */
export interface ExpectedVersion {
  version: string;
  /** When it was verified; null when it comes from the config. */
  since: string | null;
  source: ReleaseSource | 'config';
}

/** The usage checks, before any config is read: one clear message per mistake. */
export function releaseStatusUsage(opts: Pick<ReleaseStatusOptions, 'source' | 'limit'>): { source: ReleaseSource; limit: number } {
  const source = opts.source ?? 'local';
  if (!(RELEASE_SOURCES as readonly string[]).includes(source)) throw new UsageError(`--source must be local or cloudwatch, not "${source}"`);
  let limit = DEFAULT_RELEASE_LIMIT;
  if (opts.limit !== undefined) {
    limit = /^\s*\d+\s*$/.test(opts.limit) ? Number(opts.limit) : Number.NaN;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number greater than 0, not "${opts.limit}"`);
  }
  return { source: source as ReleaseSource, limit };
}

/** The newest passing verdict, else the config's `target.expectedVersion`, else null (nodes need only agree). */
export function expectedVersion(rows: readonly ReleaseRow[], config: Pick<Config, 'target'>, source: ReleaseSource): ExpectedVersion | null {
  const verified = rows.find((r) => r.verdict === 'pass');
  if (verified) return { version: verified.version, since: verified.timestamp, source };
  if (config.target.expectedVersion) return { version: config.target.expectedVersion, since: null, source: 'config' };
  return null;
}

/** The store's verdicts, newest first; a UsageError naming the file when it cannot be read or holds something else. */
export async function readReleaseStore(store: ReleaseStore): Promise<ReleaseRecord[]> {
  let records: ReleaseRecord[];
  try {
    records = await store.list();
  } catch (e) {
    const message = (e as Error).message;
    throw new UsageError(message.startsWith(store.file) ? message : `cannot read ${store.file}: ${message}`);
  }
  records.forEach((r, i) => {
    if (Number.isNaN(Date.parse(String(r.timestamp)))) throw new UsageError(`${store.file}: entry ${i + 1} (version ${r.version}) has no valid timestamp`);
    if (r.verdict !== 'pass' && r.verdict !== 'fail') throw new UsageError(`${store.file}: entry ${i + 1} (version ${r.version}) has verdict ${JSON.stringify(r.verdict)}, not "pass" or "fail"`);
  });
  // Newest first; the file is kept oldest first, and among equal times the later entry is the newer.
  return records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Date.parse(b.r.timestamp) - Date.parse(a.r.timestamp) || b.i - a.i)
    .map(({ r }) => r);
}

function localRow(r: ReleaseRecord): ReleaseRow {
  return {
    timestamp: r.timestamp,
    version: r.version,
    verdict: r.verdict,
    ...(r.windowId ? { windowId: r.windowId } : {}),
    ...(typeof r.summary === 'string' ? { summary: r.summary } : {}),
  };
}

/** Who judged a verdict, in words. */
export function checkedBy(row: ReleaseRow, source: ReleaseSource): string {
  if (source === 'cloudwatch') return '(not in CloudWatch)';
  return row.windowId ? `verified at window end (${row.windowId})` : 'canary';
}

/** The first line: `expected now: 2026.4.2 (verified 2026-11-22 02:20 +01:00)`. */
export function expectedLine(expected: ExpectedVersion | null): string {
  if (!expected) return 'expected now: nodes need only agree (no passing verdict, no target.expectedVersion in the config)';
  if (expected.since === null) return `expected now: ${expected.version} (target.expectedVersion in the config; no passing verdict)`;
  return `expected now: ${expected.version} (verified ${showLocal(new Date(expected.since))})`;
}

function table(rows: readonly ReleaseRow[], source: ReleaseSource, width: number | undefined): string {
  const columns: Column<ReleaseRow>[] = [
    { header: 'time', value: (r) => showLocal(new Date(r.timestamp)) },
    { header: 'version', value: (r) => r.version },
    { header: 'verdict', value: (r) => (r.verdict === 'pass' ? 'PASS' : 'FAIL') },
    { header: 'checked by', value: (r) => checkedBy(r, source) },
    { header: 'summary', value: (r) => (source === 'cloudwatch' ? CLOUDWATCH_SUMMARY : (r.summary ?? '')), ...(width ? { max: Math.max(30, width - 75) } : {}) },
  ];
  return renderTable(rows, columns);
}

/** The `--json` document. */
export function releaseStatusJson(expected: ExpectedVersion | null, rows: readonly ReleaseRow[]): string {
  return JSON.stringify({ expected, releases: rows }, null, 2);
}

function cloudWatchFor(config: Config): CloudWatchReleases {
  // Region, credentials and (for tests) AWS_ENDPOINT_URL_CLOUDWATCH come from the SDK's own chain, as for `sla --source cloudwatch`.
  return cloudWatchReleasesFor({ config });
}

export async function releaseStatusCommand(opts: ReleaseStatusOptions, io: Io, deps: ReleaseStatusDeps = {}): Promise<number> {
  const usage = releaseStatusUsage(opts);
  const config = await loadConfig(opts.config);
  const store = new ReleaseStore(config.store.dir);
  const width = styleOf(io).width;

  if (usage.source === 'local') {
    const all = (await readReleaseStore(store)).map(localRow);
    const expected = expectedVersion(all, config, 'local');
    const shown = all.slice(0, usage.limit);
    if (opts.json) {
      io.out(`${releaseStatusJson(expected, shown)}\n`);
      return 0;
    }
    const lines = [expectedLine(expected), ''];
    if (!all.length) lines.push(`No release verdicts yet in ${store.file}: a canary or the monitor's verification at a release window's end records them there.`);
    else lines.push(table(shown, 'local', width), '', `${shown.length < all.length ? `the newest ${shown.length} of ${all.length}` : `${all.length}`} verdict${all.length === 1 ? '' : 's'} in ${store.file}`);
    io.out(`${lines.join('\n')}\n`);
    return 0;
  }

  // CloudWatch's ListMetrics forgets a version two weeks after its last point: read the versions
  // the local store and the config name as well.
  const known: string[] = [];
  try {
    known.push(...(await readReleaseStore(store)).map((r) => r.version));
  } catch (e) {
    io.err(`flp-monitor: ${(e as Error).message}; reading CloudWatch without the versions it names\n`);
  }
  if (config.target.expectedVersion) known.push(config.target.expectedVersion);
  const reader = (deps.cloudwatch ?? cloudWatchFor)(config);
  let reading: CloudWatchReleaseReading;
  try {
    reading = await reader.read(known);
  } catch (e) {
    throw new UsageError(`could not read ${reader.label}: ${(e as Error).message}`);
  }
  const all: ReleaseRow[] = reading.points.map((p) => ({ timestamp: p.timestamp, version: p.version, verdict: p.verdict }));
  const expected = expectedVersion(all, config, 'cloudwatch');
  const shown = all.slice(0, usage.limit);
  if (opts.json) {
    io.out(`${releaseStatusJson(expected, shown)}\n`);
    return 0;
  }
  const unlisted = reading.versions.filter((v) => !reading.listed.includes(v));
  const lines = [expectedLine(expected), ''];
  if (!all.length) lines.push(`No release verdicts in ${reader.label} (metric Release, Environment=${config.environment}) over the last ${RELEASE_LOOKBACK_DAYS} days.`);
  else lines.push(table(shown, 'cloudwatch', width), '', `${shown.length < all.length ? `the newest ${shown.length} of ${all.length}` : `${all.length}`} verdict${all.length === 1 ? '' : 's'} in ${reader.label}`);
  lines.push(
    `read: metric Release, Environment=${config.environment}, over the last ${RELEASE_LOOKBACK_DAYS} days, for ${reading.versions.length} version${reading.versions.length === 1 ? '' : 's'}: ${reading.listed.length} listed by CloudWatch${unlisted.length ? `, and ${unlisted.join(', ')} from the local store or target.expectedVersion` : ''} (CloudWatch lists a version only for two weeks after its last point)`,
    'times: the start of the period CloudWatch still keeps: the minute for 15 days, 5 minutes to 63 days, the hour beyond',
  );
  const same = reading.points.filter((p) => p.samePeriod && p.verdict === 'pass' && shown.some((r) => r.timestamp === p.timestamp && r.version === p.version));
  for (const p of same) lines.push(`note: ${p.version} passed and failed within the period from ${showLocal(new Date(p.timestamp))}: their order is unknown; the pass is taken as the later`);
  io.out(`${lines.join('\n')}\n`);
  return 0;
}
