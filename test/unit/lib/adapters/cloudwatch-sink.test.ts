/**
 * The CloudWatch sink with a fake client: which records become which datums, how they are
 * packed into calls, and which failures are retried.
 */
import type { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../../lib/core/context.ts';
import {
  CloudWatchPublishError,
  CloudWatchSink,
  PUT_METRIC_DATA_LIMITS,
  batchMetricData,
  isRetryableCloudWatchError,
  toMetricData,
} from '../../../../lib/adapters/cloudwatch-sink.ts';
import type { MetricRecord, StoreRecord } from '../../../../lib/core/records.ts';

const T = '2026-05-04T10:00:00.250Z';

function metric(name: string, value: number, dimensions: Record<string, string> = { Environment: 'test' }, extra: Partial<MetricRecord> = {}): MetricRecord {
  return { type: 'metric', timestamp: T, namespace: 'FLP/Synthetics', name, unit: 'Count', value, dimensions, ...extra };
}

type Input = { Namespace: string; MetricData: MetricDatum[] };

/** A client that records each PutMetricData input and answers from a script (an Error is thrown). */
function fakeClient(script: (Error | 'ok')[] = []): { client: CloudWatchClient; calls: Input[] } {
  const calls: Input[] = [];
  const client = {
    send: async (command: PutMetricDataCommand) => {
      calls.push(structuredClone(command.input) as Input);
      const next = script.shift() ?? 'ok';
      if (next !== 'ok') throw next;
      return {};
    },
  } as unknown as CloudWatchClient;
  return { client, calls };
}

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('what the sink publishes', () => {
  it('publishes only metric records, as datums with a Date at the second and the unit given', async () => {
    const { client, calls } = fakeClient();
    const result: StoreRecord = {
      type: 'result', timestamp: T, environment: 'test', probe: 'lb', kind: 'node', ok: true, class: null, owner: null, summary: 'ok', durationMs: 3, attempts: 1, steps: [], artifacts: [],
    };
    await new CloudWatchSink({ client }).write([metric('Success', 1, { Environment: 'test', Probe: 'lb' }), result, metric('DurationMillis', 42, { Environment: 'test', Probe: 'lb' }, { unit: 'Milliseconds' })]);
    expect(calls).toEqual([
      {
        Namespace: 'FLP/Synthetics',
        MetricData: [
          { MetricName: 'Success', Dimensions: [{ Name: 'Environment', Value: 'test' }, { Name: 'Probe', Value: 'lb' }], Timestamp: new Date('2026-05-04T10:00:00Z'), Unit: 'Count', Value: 1 },
          { MetricName: 'DurationMillis', Dimensions: [{ Name: 'Environment', Value: 'test' }, { Name: 'Probe', Value: 'lb' }], Timestamp: new Date('2026-05-04T10:00:00Z'), Unit: 'Milliseconds', Value: 42 },
        ],
      },
    ]);
  });

  it('makes one call per namespace', async () => {
    const { client, calls } = fakeClient();
    await new CloudWatchSink({ client }).write([metric('Heartbeat', 1), metric('Heartbeat', 1, undefined, { namespace: 'FLP/Staging' })]);
    expect(calls.map((c) => [c.Namespace, c.MetricData.length])).toEqual([
      ['FLP/Synthetics', 1],
      ['FLP/Staging', 1],
    ]);
  });

  it('makes no call when there is nothing to publish', async () => {
    const { client, calls } = fakeClient();
    await new CloudWatchSink({ client }).write([]);
    expect(calls).toEqual([]);
  });

  it('collapses points of one metric, dimensions and second into Values and Counts, whatever the dimension order', () => {
    const data = toMetricData([
      metric('FailureCount', 1, { Environment: 'test', FailureClass: 'sync' }),
      metric('FailureCount', 1, { FailureClass: 'sync', Environment: 'test' }, { timestamp: '2026-05-04T10:00:00.900Z' }),
      metric('FailureCount', 1, { Environment: 'test', FailureClass: 'sync' }),
      metric('FailureCount', 2, { Environment: 'test', FailureClass: 'sync' }),
      metric('FailureCount', 1, { Environment: 'test', FailureClass: 'application' }),
      metric('FailureCount', 1, { Environment: 'test', FailureClass: 'sync' }, { timestamp: '2026-05-04T10:00:01.000Z' }),
    ]);
    expect(data.map((d) => [d.Dimensions?.find((x) => x.Name === 'FailureClass')?.Value, d.Timestamp?.toISOString(), d.Value, d.Values, d.Counts])).toEqual([
      ['sync', '2026-05-04T10:00:00.000Z', undefined, [1, 2], [3, 1]],
      ['application', '2026-05-04T10:00:00.000Z', 1, undefined, undefined],
      ['sync', '2026-05-04T10:00:01.000Z', 1, undefined, undefined],
    ]);
  });

  it('keeps points with different units apart', () => {
    const data = toMetricData([metric('X', 1), metric('X', 1, undefined, { unit: 'Seconds' })]);
    expect(data).toHaveLength(2);
  });

  it('splits more than 150 distinct values of one metric into several datums', () => {
    const records = Array.from({ length: 400 }, (_, i) => metric('DurationMillis', i, undefined, { unit: 'Milliseconds' }));
    const data = toMetricData(records);
    expect(data.map((d) => d.Values?.length)).toEqual([150, 150, 100]);
    expect(data.flatMap((d) => d.Values)).toEqual(records.map((r) => r.value));
  });

  it('drops a point whose value is not a finite number, says so, and publishes the rest', async () => {
    const { client, calls } = fakeClient();
    const logger = recordingLogger();
    await new CloudWatchSink({ client, logger }).write([metric('SyncLagSeconds', Number.NaN), metric('Heartbeat', 1)]);
    expect(calls[0]?.MetricData.map((d) => d.MetricName)).toEqual(['Heartbeat']);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringMatching(/not a finite number/) })]);
  });
});

describe('batching', () => {
  it('sends 2500 distinct datapoints in the minimum of 3 calls of at most 1000', async () => {
    const { client, calls } = fakeClient();
    await new CloudWatchSink({ client }).write(Array.from({ length: 2500 }, (_, i) => metric('Success', 1, { Environment: 'test', Probe: `p${i}` })));
    expect(calls.map((c) => c.MetricData.length)).toEqual([1000, 1000, 500]);
  });

  it('starts a new call before the request would pass 1 MB', () => {
    // 30 dimensions of 250 characters make a datum of about 9 KB: a bit over 100 fit in a call.
    const dims = (i: number) => Object.fromEntries(Array.from({ length: 30 }, (_, d) => [`D${d}`, `${i}-${'x'.repeat(240)}`]));
    const data = toMetricData(Array.from({ length: 300 }, (_, i) => metric('Success', 1, dims(i))));
    const batches = batchMetricData('FLP/Synthetics', data);
    const sizes = batches.map((b) => Buffer.byteLength(JSON.stringify({ Namespace: 'FLP/Synthetics', MetricData: b.map((d) => ({ ...d, Timestamp: d.Timestamp!.getTime() / 1000 })) })));
    expect(batches.length).toBe(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PUT_METRIC_DATA_LIMITS.requestBytes);
    expect(batches.flat()).toHaveLength(300);
    // Fewest calls: the first batch could not take the second's first datum.
    expect(sizes[0]! + Buffer.byteLength(JSON.stringify(batches[1]![0]))).toBeGreaterThan(PUT_METRIC_DATA_LIMITS.requestBytes);
  });
});

describe('retries', () => {
  it('retries throttling and a 5xx, then succeeds', async () => {
    const { client, calls } = fakeClient([awsError('Throttling', 400, 'Rate exceeded'), awsError('ServiceUnavailable', 503)]);
    const logger = recordingLogger();
    await new CloudWatchSink({ client, retryDelayMs: 1, logger }).write([metric('Heartbeat', 1)]);
    expect(calls).toHaveLength(3);
    expect(logger.lines.map((l) => l.message)).toEqual(['PutMetricData failed, retrying', 'PutMetricData failed, retrying']);
  });

  it('gives up after maxAttempts and names the error and the attempts', async () => {
    const { client, calls } = fakeClient([awsError('InternalServiceError', 500), awsError('InternalServiceError', 500), awsError('InternalServiceError', 500)]);
    const error = await new CloudWatchSink({ client, retryDelayMs: 1, maxAttempts: 3 }).write([metric('Heartbeat', 1)]).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(error).toBeInstanceOf(CloudWatchPublishError);
    expect(error).toMatchObject({ code: 'InternalServiceError', status: 500, retryable: true, attempts: 3 });
    expect((error as Error).message).toMatch(/FLP\/Synthetics .*still failing after 3 attempt\(s\): InternalServiceError \(HTTP 500\)/);
  });

  it.each(['InvalidParameterValue', 'InvalidParameterCombination', 'MissingRequiredParameter', 'AccessDenied'])('does not retry %s and throws at once', async (code) => {
    const { client, calls } = fakeClient([awsError(code, 400, 'the problem')]);
    const error = await new CloudWatchSink({ client, retryDelayMs: 1 }).write([metric('Heartbeat', 1)]).catch((e: unknown) => e);
    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ name: 'CloudWatchPublishError', code, status: 400, retryable: false, attempts: 1 });
    expect((error as Error).message).toMatch(new RegExp(`rejected, not retried .*: ${code} \\(HTTP 400\\): the problem`));
  });

  it('still sends the later calls when one fails, then throws', async () => {
    const { client, calls } = fakeClient([awsError('InvalidParameterValue', 400)]);
    const records = Array.from({ length: 1500 }, (_, i) => metric('Success', 1, { Environment: 'test', Probe: `p${i}` }));
    const error = await new CloudWatchSink({ client }).write(records).catch((e: unknown) => e);
    expect(calls.map((c) => c.MetricData.length)).toEqual([1000, 500]);
    expect((error as Error).message).toMatch(/call 1 of 2, 1000 datums/);
  });

  it.each([
    [{ name: 'Throttling', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'SyntaxError', $metadata: { httpStatusCode: 429 } }, true],
    [{ name: 'Unknown', $metadata: { httpStatusCode: 502 } }, true],
    [{ name: 'Error', code: 'ECONNRESET' }, true],
    [{ name: 'InvalidParameterValueException', Code: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } }, false],
    [{ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }, false],
    [{ name: 'TypeError' }, false],
  ])('classifies %o as retryable: %s', (err, expected) => {
    expect(isRetryableCloudWatchError(err)).toBe(expected);
  });
});
