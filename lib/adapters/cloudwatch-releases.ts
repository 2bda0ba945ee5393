/**
 * The release verdicts CloudWatch holds: the `Release` metric (1 pass, 0 fail; dimensions
 * Environment and Version), read through `@aws-sdk/client-cloudwatch` for `release status
 * --source cloudwatch`.
 *
 * `ListMetrics` (namespace, `Release`, Environment = the config's) names the versions. It only
 * returns a metric that had a point in the last two weeks, so callers may add versions they know
 * of otherwise (the local store, `target.expectedVersion`); those are read the same way.
 * `GetMetricData` then asks `Maximum` and `Minimum` of each version's series over the last
 * {@link RELEASE_LOOKBACK_DAYS} days, in three calls (pages followed through `NextToken`),
 * each at the finest period CloudWatch still keeps for its age: 60 s for the last 15 days, 300 s
 * up to 63 days, 3600 s beyond (1-hour points are kept 455 days). A period with data is one
 * verdict, at the period's start: Maximum 1 a pass, Minimum 0 a fail, both when the period held
 * a passing and a failing canary of the same version. CloudWatch keeps no summary and no window.
 */
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Config } from '../core/config.ts';
import { DIMENSIONS, METRICS } from '../core/metric-names.ts';

/** How far back the verdicts are read. */
export const RELEASE_LOOKBACK_DAYS = 400;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Metric queries in one GetMetricData call (two per version: Maximum and Minimum). */
const QUERIES_PER_CALL = 500;

/** One verdict as CloudWatch keeps it. */
export interface CloudWatchReleasePoint {
  /** The start of the period that holds the point (ISO 8601, UTC). */
  timestamp: string;
  version: string;
  verdict: 'pass' | 'fail';
  /** How precise `timestamp` is: the period it was read at. */
  periodSeconds: number;
  /** The same period also held the opposite verdict of this version (their order is unknown). */
  samePeriod?: boolean;
}

export interface CloudWatchReleaseReading {
  /** Every verdict found, newest first (in a period with both, the pass first: a re-run after a fix). */
  points: CloudWatchReleasePoint[];
  /** The versions ListMetrics named. */
  listed: string[];
  /** The versions read (listed and those the caller added). */
  versions: string[];
  /** Oldest instant read. */
  from: string;
}

/** One GetMetricData range and its period: the finest CloudWatch answers for data that old. */
export interface ReleaseBand {
  from: Date;
  to: Date;
  periodSeconds: number;
}

/**
 * The three ranges the lookback is read in, newest first. CloudWatch decides the allowed period
 * by the age of a query's StartTime (beyond 15 days a multiple of 300 s, beyond 63 days of
 * 3600 s), so each band starts an hour younger than its limit, on a whole hour.
 */
export function releaseBands(now: Date, lookbackDays: number = RELEASE_LOOKBACK_DAYS): ReleaseBand[] {
  const t = now.getTime();
  const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
  const end = Math.floor(t / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = floorHour(t - lookbackDays * DAY_MS);
  const edge15 = Math.max(start, floorHour(t - 15 * DAY_MS) + HOUR_MS);
  const edge63 = Math.max(start, floorHour(t - 63 * DAY_MS) + HOUR_MS);
  const bands: ReleaseBand[] = [
    { from: new Date(edge15), to: new Date(end), periodSeconds: 60 },
    { from: new Date(edge63), to: new Date(edge15), periodSeconds: 300 },
    { from: new Date(start), to: new Date(edge63), periodSeconds: 3600 },
  ];
  return bands.filter((b) => b.from.getTime() < b.to.getTime());
}

/** Reading CloudWatch failed; the message names the call. */
export class CloudWatchReleasesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CloudWatchReleasesError';
  }
}

export interface CloudWatchReleasesOptions {
  config: Pick<Config, 'environment' | 'aws'>;
  client: CloudWatchClient;
  /** Default: the current time. */
  now?: () => Date;
  /** Shown in messages; default "CloudWatch <namespace>". */
  label?: string;
}

export interface CloudWatchReleases {
  readonly label: string;
  /** The verdicts of the listed versions and of `extraVersions`. */
  read(extraVersions?: readonly string[]): Promise<CloudWatchReleaseReading>;
}

export function createCloudWatchReleases(options: CloudWatchReleasesOptions): CloudWatchReleases {
  const { config, client } = options;
  const namespace = config.aws.namespace;
  const label = options.label ?? `CloudWatch ${namespace}`;
  const now = options.now ?? (() => new Date());

  async function listVersions(): Promise<string[]> {
    const versions = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListMetricsCommand({
          Namespace: namespace,
          MetricName: METRICS.release.name,
          Dimensions: [{ Name: DIMENSIONS.environment, Value: config.environment }],
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const m of page.Metrics ?? []) {
        const dims = m.Dimensions ?? [];
        // The canary's shape only: Environment and Version, nothing else.
        if (dims.length !== 2) continue;
        const env = dims.find((d) => d.Name === DIMENSIONS.environment)?.Value;
        const version = dims.find((d) => d.Name === DIMENSIONS.version)?.Value;
        if (env === config.environment && version) versions.add(version);
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return [...versions];
  }

  async function readBand(band: ReleaseBand, versions: readonly string[]): Promise<CloudWatchReleasePoint[]> {
    const out: CloudWatchReleasePoint[] = [];
    const perCall = Math.floor(QUERIES_PER_CALL / 2);
    for (let offset = 0; offset < versions.length; offset += perCall) {
      const chunk = versions.slice(offset, offset + perCall);
      const queries: MetricDataQuery[] = chunk.flatMap((version, i) =>
        (['Maximum', 'Minimum'] as const).map((stat) => ({
          Id: `${stat === 'Maximum' ? 'mx' : 'mn'}${i}`,
          MetricStat: {
            Metric: {
              Namespace: namespace,
              MetricName: METRICS.release.name,
              Dimensions: [
                { Name: DIMENSIONS.environment, Value: config.environment },
                { Name: DIMENSIONS.version, Value: version },
              ],
            },
            Period: band.periodSeconds,
            Stat: stat,
          },
          ReturnData: true,
        })),
      );
      const values = new Map<string, Map<number, number>>(queries.map((q) => [q.Id!, new Map()]));
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: band.from, EndTime: band.to, ScanBy: 'TimestampDescending', ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        for (const result of page.MetricDataResults ?? []) {
          if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
            const version = chunk[Number((result.Id ?? '').replace(/^m[xn]/, ''))] ?? result.Id ?? '?';
            const why = (result.Messages ?? []).map((m) => m.Value ?? m.Code).filter(Boolean).join('; ');
            throw new CloudWatchReleasesError(`CloudWatch answered ${result.StatusCode} for ${namespace} ${METRICS.release.name} ${DIMENSIONS.environment}=${config.environment},${DIMENSIONS.version}=${version}${why ? `: ${why}` : ''}`);
          }
          const series = values.get(result.Id ?? '');
          if (!series) continue;
          (result.Timestamps ?? []).forEach((t, k) => {
            const v = result.Values?.[k];
            if (typeof v === 'number' && Number.isFinite(v)) series.set(t.getTime(), v);
          });
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      chunk.forEach((version, i) => {
        const max = values.get(`mx${i}`)!;
        const min = values.get(`mn${i}`)!;
        for (const t of new Set([...max.keys(), ...min.keys()])) {
          const hi = max.get(t) ?? min.get(t)!;
          const lo = min.get(t) ?? max.get(t)!;
          const pass = hi >= 1;
          const fail = lo < 1;
          const both = pass && fail;
          const timestamp = new Date(t).toISOString();
          if (pass) out.push({ timestamp, version, verdict: 'pass', periodSeconds: band.periodSeconds, ...(both ? { samePeriod: true } : {}) });
          if (fail) out.push({ timestamp, version, verdict: 'fail', periodSeconds: band.periodSeconds, ...(both ? { samePeriod: true } : {}) });
        }
      });
    }
    return out;
  }

  return {
    label,
    async read(extraVersions = []) {
      const at = now();
      const bands = releaseBands(at);
      let listed: string[];
      try {
        listed = await listVersions();
      } catch (err) {
        throw new CloudWatchReleasesError(`ListMetrics failed: ${(err as Error).message}`, { cause: err });
      }
      const versions = [...new Set([...listed, ...extraVersions.filter((v) => v.trim() !== '')])];
      const points: CloudWatchReleasePoint[] = [];
      for (const band of bands) {
        try {
          points.push(...(await readBand(band, versions)));
        } catch (err) {
          if (err instanceof CloudWatchReleasesError) throw err;
          throw new CloudWatchReleasesError(`GetMetricData failed: ${(err as Error).message}`, { cause: err });
        }
      }
      // Newest first; within one period the pass before the fail (the pass is taken as the later).
      points.sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.verdict === b.verdict ? a.version.localeCompare(b.version) : a.verdict === 'pass' ? -1 : 1));
      return { points, listed, versions, from: (bands.at(-1)?.from ?? at).toISOString() };
    },
  };
}

export interface CloudWatchReleasesFactoryOptions {
  config: Pick<Config, 'environment' | 'aws'>;
  /** Default: the SDK's own resolution (AWS_REGION, the profile). */
  region?: string;
  /** Only for tests against a loopback fake; default the SDK's own (AWS_ENDPOINT_URL_CLOUDWATCH). */
  endpoint?: string;
  /** Default: the SDK's credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now?: () => Date;
}

/** The release reader with its own client, built as `sla --source cloudwatch` builds its history's. */
export function cloudWatchReleasesFor(options: CloudWatchReleasesFactoryOptions): CloudWatchReleases {
  const client = new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return createCloudWatchReleases({
    config: options.config,
    client,
    label: `CloudWatch ${options.config.aws.namespace}${options.region ? ` (${options.region})` : ''}`,
    ...(options.now ? { now: options.now } : {}),
  });
}
