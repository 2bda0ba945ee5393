/**
 * CloudWatch as a HistorySource: `GetMetricData` through `@aws-sdk/client-cloudwatch`.
 *
 * Queries asked together (in the same tick, as `Promise.all` does) travel together: up to 500
 * metric queries per call, each page followed through `NextToken`. Every series is asked for
 * its `Sum` and `SampleCount` per period, so a point is the period's average and the number of
 * runs behind it. The period is the finest CloudWatch can answer for the range: 60 s for data
 * up to 15 days old, 300 s up to 63 days, 3600 s beyond (its retention), and coarse enough that
 * one series stays within 100,800 data points.
 *
 * Given the maintenance alarm's name, it also tells when that alarm was put into ALARM by hand
 * (alarm-history.ts), so SLA reports can list those periods.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { Config } from '../core/config.ts';
import { handSetAlarmPeriods, type HandSetPeriod } from './alarm-history.ts';
import type { HistorySource, MetricPoint, MetricQuery } from './history.ts';
import type { AwsCall } from '../core/aws-calls.ts';

export const GET_METRIC_DATA_LIMITS = {
  /** Metric queries in one GetMetricData call. */
  queriesPerCall: 500,
  /** Data points one series may return for a range (one call's default MaxDatapoints). */
  datapointsPerSeries: 100_800,
} as const;

const DAY_MS = 86_400_000;

/**
 * The finest period (seconds) CloudWatch answers for `[from, to)` asked at `now`: data older
 * than 15 days exists only at 300 s, older than 63 days only at 3600 s; and the period is
 * raised, in steps of that base, until the range fits 100,800 points per series.
 */
export function choosePeriod(from: Date, to: Date, now: Date = new Date()): number {
  const age = now.getTime() - from.getTime();
  const base = age > 63 * DAY_MS ? 3600 : age > 15 * DAY_MS ? 300 : 60;
  const needed = (to.getTime() - from.getTime()) / 1000 / GET_METRIC_DATA_LIMITS.datapointsPerSeries;
  return Math.max(1, Math.ceil(needed / base)) * base;
}

export interface CloudWatchHistoryOptions {
  config: Pick<Config, 'environment' | 'aws'>;
  client: CloudWatchClient;
  /** Shown in messages; default "CloudWatch <namespace>". */
  label?: string;
  /** Default: the current time (it decides which periods CloudWatch still keeps). */
  now?: () => Date;
  /** Default and maximum 500. */
  queriesPerCall?: number;
  /** The maintenance alarm (`flp-<env>-maintenance-window`): with it the history reads when it was set to ALARM by hand. */
  maintenanceAlarmName?: string;
}

export interface CloudWatchHistory extends HistorySource {
  /** With `maintenanceAlarmName`: the periods that alarm was put into ALARM by hand, from its history. Throws naming the alarm when it cannot be read. */
  handSetWindows?: (range: { from: Date; to: Date }) => Promise<HandSetPeriod[]>;
  /** The period, in seconds, `metric()` answers this range at. */
  periodSeconds(from: Date, to: Date): number;
  /** How many GetMetricData calls (pages included) were made so far. */
  readonly calls: number;
}

interface Pending {
  query: MetricQuery;
  onProgress: ((done: number, total: number) => void) | undefined;
  resolve: (points: MetricPoint[]) => void;
  reject: (err: unknown) => void;
}

/** Reading CloudWatch failed; the message names the metric or the call. */
export class CloudWatchReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CloudWatchReadError';
  }
}

export function createCloudWatchHistory(options: CloudWatchHistoryOptions): CloudWatchHistory {
  const { config, client } = options;
  const namespace = config.aws.namespace;
  const now = options.now ?? (() => new Date());
  // Two metric queries (Sum, SampleCount) per series.
  const seriesPerCall = Math.floor(Math.min(options.queriesPerCall ?? GET_METRIC_DATA_LIMITS.queriesPerCall, GET_METRIC_DATA_LIMITS.queriesPerCall) / 2);
  let pending: Pending[] = [];
  let scheduled = false;
  let calls = 0;

  const periodSeconds = (from: Date, to: Date) => choosePeriod(from, to, now());

  async function fetchGroup(group: Pending[]): Promise<void> {
    const first = group[0]!.query;
    const period = periodSeconds(first.from, first.to);
    const periodMs = period * 1000;
    const start = new Date(Math.floor(first.from.getTime() / periodMs) * periodMs);
    const end = new Date(Math.ceil(first.to.getTime() / periodMs) * periodMs);
    const expected = Math.max(1, Math.round((end.getTime() - start.getTime()) / periodMs));
    for (let offset = 0; offset < group.length; offset += seriesPerCall) {
      const chunk = group.slice(offset, offset + seriesPerCall);
      const queries: MetricDataQuery[] = chunk.flatMap((p, i) =>
        (['Sum', 'SampleCount'] as const).map((stat) => ({
          Id: `${stat === 'Sum' ? 's' : 'n'}${i}`,
          MetricStat: {
            Metric: { Namespace: namespace, MetricName: p.query.name, Dimensions: Object.entries(p.query.dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: period,
            Stat: stat,
          },
          ReturnData: true,
        })),
      );
      const values = new Map<string, Map<number, number>>(queries.map((q) => [q.Id!, new Map()]));
      const received = new Array<number>(chunk.length).fill(0);
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(
            new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }),
          );
          calls++;
          for (const result of page.MetricDataResults ?? []) {
            checkStatus(result, chunk, namespace);
            const series = values.get(result.Id ?? '');
            if (!series) continue;
            (result.Timestamps ?? []).forEach((t, k) => series.set(t.getTime(), result.Values?.[k] ?? 0));
            const index = Number((result.Id ?? '').slice(1));
            if (result.Id?.startsWith('n') && chunk[index]) received[index] = series.size;
          }
          chunk.forEach((p, i) => p.onProgress?.(Math.min(received[i]!, expected), expected));
          nextToken = page.NextToken || undefined;
        } while (nextToken);
      } catch (err) {
        const wrapped = err instanceof CloudWatchReadError ? err : new CloudWatchReadError(`GetMetricData failed: ${(err as Error).message}`, { cause: err });
        for (const p of chunk) p.reject(wrapped);
        continue;
      }
      chunk.forEach((p, i) => {
        const sums = values.get(`s${i}`)!;
        const counts = values.get(`n${i}`)!;
        const from = p.query.from.getTime();
        const to = p.query.to.getTime();
        const points: MetricPoint[] = [...counts]
          .filter(([t, n]) => n > 0 && t > from - periodMs && t < to)
          .sort((a, b) => a[0] - b[0])
          .map(([t, n]) => ({ timestamp: new Date(t).toISOString(), value: (sums.get(t) ?? 0) / n, samples: n }));
        p.onProgress?.(expected, expected);
        p.resolve(points);
      });
    }
  }

  function flush(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    // Queries over the same range share calls.
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = `${p.query.from.getTime()}|${p.query.to.getTime()}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    void (async () => {
      for (const group of groups.values()) {
        try {
          await fetchGroup(group);
        } catch (err) {
          for (const p of group) p.reject(err);
        }
      }
    })();
  }

  return {
    label: options.label ?? `CloudWatch ${namespace}`,
    get calls() {
      return calls;
    },
    periodSeconds,
    metric(query, onProgress) {
      return new Promise<MetricPoint[]>((resolve, reject) => {
        pending.push({ query, onProgress, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    // CloudWatch keeps numbers, not the class, owner and summary of a run.
    results: async () => null,
    ...(options.maintenanceAlarmName
      ? { handSetWindows: (range: { from: Date; to: Date }) => handSetAlarmPeriods({ client, alarmName: options.maintenanceAlarmName!, ...range }) }
      : {}),
  };
}

function checkStatus(result: MetricDataResult, chunk: readonly Pending[], namespace: string): void {
  if (result.StatusCode !== 'Forbidden' && result.StatusCode !== 'InternalError') return;
  const p = chunk[Number((result.Id ?? '').slice(1))];
  const what = p ? `${namespace} ${p.query.name} ${Object.entries(p.query.dimensions).map(([k, v]) => `${k}=${v}`).join(',')}` : (result.Id ?? '?');
  const why = (result.Messages ?? []).map((m) => m.Value ?? m.Code).filter(Boolean).join('; ');
  throw new CloudWatchReadError(`CloudWatch answered ${result.StatusCode} for ${what}${why ? `: ${why}` : ''}`);
}

export interface CloudWatchHistoryFactoryOptions {
  config: Pick<Config, 'environment' | 'aws'>;
  /** Default: the SDK's own resolution (AWS_REGION, the profile). */
  region?: string;
  /** Only for tests against a loopback fake. */
  endpoint?: string;
  /** Default: the SDK's credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now?: () => Date;
  queriesPerCall?: number;
  maintenanceAlarmName?: string;
}

/** A CloudWatch history with its own client. */
export function cloudWatchHistoryFor(options: CloudWatchHistoryFactoryOptions): CloudWatchHistory {
  const client = new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return createCloudWatchHistory({
    config: options.config,
    client,
    label: `CloudWatch ${options.config.aws.namespace}${options.region ? ` (${options.region})` : ''}`,
    ...(options.now ? { now: options.now } : {}),
    ...(options.queriesPerCall ? { queriesPerCall: options.queriesPerCall } : {}),
    ...(options.maintenanceAlarmName ? { maintenanceAlarmName: options.maintenanceAlarmName } : {}),
  });
}

/** The calls a history sends: GetMetricData (no resource-level permissions, no namespace condition: CloudWatch offers none for reads). */
export function getMetricDataCalls(what: string): AwsCall[] {
  return [{ action: 'cloudwatch:GetMetricData', resource: { type: 'metrics' }, why: `reads ${what} from CloudWatch` }];
}
