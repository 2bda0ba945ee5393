/**
 * The CloudWatch adapter of the sink port: publishes a run's metric records with
 * `PutMetricData`. Datapoints that CloudWatch would store as one (same metric, dimensions, unit
 * and second) travel as one datum with `Values`/`Counts`; the rest are packed into as few calls
 * as the API allows (1000 datums and 1 MB per call). p-retry is the only retry layer: throttling,
 * 5xx and dropped connections are retried with a short backoff; a validation error is thrown at
 * once, because asking again cannot fix it.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../core/context.ts';
import { silentLogger } from './logger.ts';
import type { ResultSink } from '../core/records.ts';
import type { MetricRecord, StoreRecord } from '../core/records.ts';
import type { AwsCall } from '../core/aws-calls.ts';

/** What one PutMetricData call may carry. */
export const PUT_METRIC_DATA_LIMITS = {
  datums: 1000,
  /** The API allows 1 MB per request; this leaves room below 1 MiB for what we do not count exactly. */
  requestBytes: 1_000_000,
  /** Distinct values in one datum's `Values`. */
  valuesPerDatum: 150,
} as const;

/** Error codes (and `name`s the SDK gives them) that mean "slow down": always worth another try. */
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
/** Socket-level failures before any answer: transient. */
const NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export interface CloudWatchSinkOptions {
  client: CloudWatchClient;
  /** Attempts per call, the first included. Default 3. */
  maxAttempts?: number;
  /** The first retry waits about this long, each later one twice as long (randomised, at most 2 s). Default 200. */
  retryDelayMs?: number;
  logger?: Logger;
}

/** Publishing failed; `retryable` tells whether the last error was of a kind worth retrying (it was, until attempts ran out). */
export class CloudWatchPublishError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly attempts: number;

  constructor(message: string, details: { code: string; status: number | undefined; retryable: boolean; attempts: number; cause: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'CloudWatchPublishError';
    this.code = details.code;
    this.status = details.status;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
  }
}

export class CloudWatchSink implements ResultSink {
  readonly #client: CloudWatchClient;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  readonly #logger: Logger;

  constructor(options: CloudWatchSinkOptions) {
    this.#client = options.client;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Publishes the `metric` records (others are ignored), one namespace at a time. Every batch
   * is attempted even when an earlier one failed, so one bad call does not lose the heartbeat;
   * then the first failure is thrown.
   */
  async write(records: readonly StoreRecord[]): Promise<void> {
    const byNamespace = new Map<string, MetricRecord[]>();
    for (const r of records) {
      if (r.type !== 'metric') continue;
      if (!Number.isFinite(r.value)) {
        // CloudWatch rejects the whole call for one NaN; drop the point and say so.
        this.#logger.warn('metric not published: its value is not a finite number', { metric: r.name, value: String(r.value), dimensions: r.dimensions });
        continue;
      }
      const list = byNamespace.get(r.namespace) ?? [];
      list.push(r);
      byNamespace.set(r.namespace, list);
    }
    const failures: CloudWatchPublishError[] = [];
    for (const [namespace, list] of byNamespace) {
      const batches = batchMetricData(namespace, toMetricData(list));
      for (const [i, batch] of batches.entries()) {
        try {
          await this.#put(namespace, batch);
        } catch (err) {
          failures.push(this.#describe(err, namespace, batch.length, i, batches.length));
        }
      }
    }
    const [first] = failures;
    if (first) {
      if (failures.length > 1) first.message += ` (and ${failures.length - 1} more call(s) failed)`;
      throw first;
    }
  }

  async #put(namespace: string, batch: MetricDatum[]): Promise<void> {
    let attempts = 0;
    try {
      await pRetry(
        async () => {
          attempts += 1;
          try {
            await this.#client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
          } catch (err) {
            if (!isRetryableCloudWatchError(err)) throw new AbortError(err as Error);
            throw err;
          }
        },
        {
          retries: this.#maxAttempts - 1,
          minTimeout: this.#retryDelayMs,
          factor: 2,
          maxTimeout: 2_000,
          randomize: true,
          onFailedAttempt: ({ error, retriesLeft }) => {
            if (retriesLeft > 0) this.#logger.warn('PutMetricData failed, retrying', { namespace, error: errorSummary(error), retriesLeft });
          },
        },
      );
    } catch (err) {
      throw Object.assign(err as Error, { attempts });
    }
  }

  #describe(err: unknown, namespace: string, datums: number, index: number, of: number): CloudWatchPublishError {
    const e = err as Error & { attempts?: number };
    const { code, status } = errorCode(e);
    const retryable = isRetryableCloudWatchError(e);
    const attempts = e.attempts ?? 1;
    const which = of > 1 ? `call ${index + 1} of ${of}, ` : '';
    const why = retryable
      ? `still failing after ${attempts} attempt(s)`
      : `rejected, not retried (a ${status && status < 500 ? 'client' : 'non-transient'} error does not clear by asking again)`;
    return new CloudWatchPublishError(
      `CloudWatch PutMetricData to ${namespace} (${which}${datums} datums) ${why}: ${code}${status ? ` (HTTP ${status})` : ''}: ${e.message}`,
      { code, status, retryable, attempts, cause: err },
    );
  }
}

/** The SDK's error code and HTTP status of a failed call. */
function errorCode(err: unknown): { code: string; status: number | undefined } {
  const e = err as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { code: e.Code ?? e.code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode };
}

function errorSummary(err: unknown): string {
  const { code, status } = errorCode(err);
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
}

/**
 * Whether another attempt may succeed: throttling (by code or HTTP 429), a 5xx, or a connection
 * lost before any answer. Validation errors (`InvalidParameterValue`, `MissingParameter`, any
 * other 4xx) are not.
 */
export function isRetryableCloudWatchError(err: unknown): boolean {
  const e = err as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  const codes = [e.name, e.code, e.Code].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => THROTTLING.has(c)) || e.$retryable?.throttling) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  return codes.some((c) => NETWORK.has(c));
}

/**
 * Metric records as datums. Points with the same name, unit, dimensions and second become one
 * datum with `Values` and `Counts` (at most 150 distinct values each); a lone point keeps `Value`.
 */
export function toMetricData(records: readonly MetricRecord[]): MetricDatum[] {
  const groups = new Map<string, { first: MetricRecord; second: number; counts: Map<number, number> }>();
  for (const r of records) {
    const second = Math.floor(Date.parse(r.timestamp) / 1000);
    const dims = Object.entries(r.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([r.name, r.unit, dims, second]);
    const group = groups.get(key) ?? { first: r, second, counts: new Map<number, number>() };
    group.counts.set(r.value, (group.counts.get(r.value) ?? 0) + 1);
    groups.set(key, group);
  }
  const data: MetricDatum[] = [];
  for (const { first, second, counts } of groups.values()) {
    const base: MetricDatum = {
      MetricName: first.name,
      Dimensions: Object.entries(first.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Timestamp: new Date(second * 1000),
      Unit: first.unit as StandardUnit,
    };
    const entries = [...counts];
    const [only] = entries;
    if (entries.length === 1 && only && only[1] === 1) {
      data.push({ ...base, Value: only[0] });
      continue;
    }
    for (let i = 0; i < entries.length; i += PUT_METRIC_DATA_LIMITS.valuesPerDatum) {
      const chunk = entries.slice(i, i + PUT_METRIC_DATA_LIMITS.valuesPerDatum);
      data.push({ ...base, Values: chunk.map(([v]) => v), Counts: chunk.map(([, c]) => c) });
    }
  }
  return data;
}

/** Bytes a datum adds to a JSON 1.0 PutMetricData body (timestamps travel as epoch seconds), its comma included. */
function datumBytes(d: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify({ ...d, Timestamp: d.Timestamp ? d.Timestamp.getTime() / 1000 : undefined })) + 1;
}

/** Packs datums, in order, into the fewest calls that keep within 1000 datums and the request size limit. */
export function batchMetricData(namespace: string, data: readonly MetricDatum[]): MetricDatum[][] {
  const envelope = Buffer.byteLength(JSON.stringify({ Namespace: namespace, MetricData: [] }));
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = envelope;
  for (const d of data) {
    const size = datumBytes(d);
    if (current.length && (current.length >= PUT_METRIC_DATA_LIMITS.datums || bytes + size > PUT_METRIC_DATA_LIMITS.requestBytes)) {
      batches.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

export interface CreateCloudWatchSinkOptions {
  region: string;
  /** Only for tests against a loopback fake. */
  endpoint?: string;
  /** Default: the SDK's credential chain (the Lambda role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
  retryDelayMs?: number;
  logger?: Logger;
}

/** A sink with its own client; the SDK's retries are off (`maxAttempts: 1`) so p-retry is the only retry layer. */
export function createCloudWatchSink(options: CreateCloudWatchSinkOptions): CloudWatchSink {
  const client = new CloudWatchClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return new CloudWatchSink({
    client,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** The calls a sink sends: PutMetricData into `namespace` (no resource-level permissions; the namespace condition confines it). */
export function putMetricDataCalls(namespace: string, what: string): AwsCall[] {
  return [{ action: 'cloudwatch:PutMetricData', resource: { type: 'metrics', namespace }, why: `publishes ${what} into ${namespace}` }];
}
