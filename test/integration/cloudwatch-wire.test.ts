/**
 * A real probe run published through the real `@aws-sdk/client-cloudwatch` to a loopback
 * CloudWatch: the requests are decoded as the service would decode them and checked for
 * namespace, metric names and units, dimensions, values, batching and retry behaviour.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../lib/core/config.ts';
import type { Logger } from '../../lib/core/context.ts';
import { createCloudWatchSink } from '../../lib/adapters/cloudwatch-sink.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { FakeAws, awsErrors, datapoints } from '../support/fake-aws.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

let fx: SandboxFixture;
let aws: FakeAws;
let config: Config;

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  config = parseConfig(fx.raw);
});
afterAll(async () => {
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
});
beforeEach(() => {
  aws.reset();
  fx.sandbox.clearFaults();
});

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (message, fields) => void errors.push(`${message}: ${String(fields?.error ?? '')}`) };
}

function monitor(cfg: Config = config, logger: Logger = recordingLogger()): Monitor {
  const sink = createCloudWatchSink({ ...aws.clientConfig, retryDelayMs: 20 });
  return new Monitor(cfg, { sinks: [sink], logger });
}

const byName = (points: ReturnType<typeof datapoints>, name: string) => points.filter((p) => p.name === name);

describe('a healthy run on the wire', () => {
  it('sends one AWS JSON 1.0 PutMetricData per group, in namespace FLP/Synthetics', async () => {
    const m = monitor();
    await m.runGroup('nodes');
    await m.runGroup('sync');
    const calls = aws.calls('PutMetricData');
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.method).toBe('POST');
      expect(c.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(c.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricData');
      expect(c.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEFAKEFAKEFAKE\/\d{8}\/eu-central-1\/monitoring\/aws4_request/);
      // The SDK's own retries are off: p-retry is the only retry layer.
      expect(c.headers['amz-sdk-request']).toBe('attempt=1; max=1');
    }
    expect(aws.putMetricData().map((c) => c.Namespace)).toEqual(['FLP/Synthetics', 'FLP/Synthetics']);
  });

  it('publishes success, duration, certificate days and a heartbeat for the nodes, with their dimensions and units', async () => {
    const started = Date.now();
    await monitor().runGroup('nodes');
    const points = datapoints(aws.putMetricData());
    const probes = ['lb', 'node:flp-1', 'node:flp-2', 'node:flp-3', 'release'];

    expect(byName(points, 'Success').map((p) => [p.dimensions, p.unit, p.value])).toEqual(
      expect.arrayContaining(probes.map((probe) => [{ Environment: 'test', Probe: probe }, 'Count', 1])),
    );
    expect(byName(points, 'Success')).toHaveLength(probes.length);
    expect(byName(points, 'DurationMillis').every((p) => p.unit === 'Milliseconds' && p.value >= 0 && p.value < 5_000)).toBe(true);
    expect(byName(points, 'CertDaysLeft').map((p) => [p.dimensions, p.unit])).toEqual(
      ['flp-1', 'flp-2', 'flp-3'].map((node) => [{ Environment: 'test', Node: node }, 'None']),
    );
    for (const p of byName(points, 'CertDaysLeft')) expect(p.value).toBeGreaterThanOrEqual(88), expect(p.value).toBeLessThanOrEqual(90);
    expect(byName(points, 'Heartbeat').map((p) => [p.dimensions, p.unit, p.value])).toEqual([[{ Environment: 'test' }, 'Count', 1]]);
    expect(byName(points, 'FailureCount')).toEqual([]);
    for (const p of points) {
      expect(p.timestamp!.getTime()).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(p.timestamp!.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it('publishes the lag of every sync source in seconds', async () => {
    await monitor().runGroup('sync');
    const points = datapoints(aws.putMetricData());
    const lag = byName(points, 'SyncLagSeconds');
    expect(lag.map((p) => p.dimensions.Source).sort()).toEqual(['diagnoses', 'lab', 'measurements', 'medication']);
    expect(lag.every((p) => p.unit === 'Seconds' && p.value >= 0 && Object.keys(p.dimensions).sort().join() === 'Environment,Source')).toBe(true);
    expect(byName(points, 'Success').every((p) => p.value === 1)).toBe(true);
  });
});

describe('a run with a fault on the wire', () => {
  it('publishes Success 0 for the failing source and one FailureCount under FailureClass sync', async () => {
    fx.sandbox.setFault('sync-failed', { source: 'lab' });
    await monitor().runGroup('sync');
    const points = datapoints(aws.putMetricData());
    expect(byName(points, 'Success').find((p) => p.dimensions.Probe === 'sync:lab')?.value).toBe(0);
    expect(byName(points, 'Success').filter((p) => p.value === 1)).toHaveLength(3);
    expect(byName(points, 'FailureCount').map((p) => [p.dimensions, p.unit, p.value])).toEqual([[{ Environment: 'test', FailureClass: 'sync' }, 'Count', 1]]);
  });

  it('publishes a down node as infrastructure, without certificate days for it', async () => {
    fx.sandbox.setFault('node-down', { node: 'flp-2' });
    await monitor().runGroup('nodes');
    const points = datapoints(aws.putMetricData());
    expect(byName(points, 'Success').find((p) => p.dimensions.Probe === 'node:flp-2')?.value).toBe(0);
    expect(byName(points, 'FailureCount').map((p) => p.dimensions.FailureClass)).toEqual(['infrastructure']);
    expect(byName(points, 'CertDaysLeft').map((p) => p.dimensions.Node)).toEqual(['flp-1', 'flp-3']);
  });

  it('sends several failures of one class in one second as one datum with Counts', async () => {
    fx.sandbox.setFault('sync-failed', { source: 'lab' });
    fx.sandbox.setFault('sync-error', { source: 'medication' });
    await monitor().runGroup('sync');
    const failures = aws.putMetricData()[0]!.MetricData.filter((d) => d.MetricName === 'FailureCount');
    const total = failures.reduce((n, d) => n + (d.Counts ? d.Counts.reduce((a, b) => a + b, 0) : 1), 0);
    expect(total).toBe(2);
    // Both failures started within the same second in all but the rarest runs; then they share a datum.
    if (new Set(datapoints(aws.putMetricData()).filter((p) => p.name === 'FailureCount').map((p) => p.timestamp!.getTime())).size === 1)
      expect(failures).toEqual([expect.objectContaining({ Values: [1], Counts: [2] })]);
  });
});

describe('batching a large run', () => {
  it('splits a run of more than 1000 datapoints into the minimum number of calls', async () => {
    // 500 names for the sandbox's three nodes: each yields Success and DurationMillis, and CertDaysLeft when it answered.
    const nodes = Array.from({ length: 500 }, (_, i) => ({ name: `alias-${i}`, url: fx.sandbox.nodes[i % 3]!.url }));
    const big = parseConfig({ ...fx.raw, target: { ...(fx.raw.target as object), nodes }, timeouts: { requestMs: 8000, stepMs: 8000 }, retry: { retries: 0 } });
    await monitor(big).runGroup('nodes');
    const calls = aws.putMetricData();
    const total = calls.reduce((n, c) => n + c.MetricData.length, 0);
    expect(total).toBeGreaterThan(1000);
    expect(calls).toHaveLength(Math.ceil(total / 1000));
    expect(calls[0]!.MetricData).toHaveLength(1000);
    expect(byName(datapoints(calls), 'Success')).toHaveLength(500 + 2);
    expect(byName(datapoints(calls), 'Heartbeat')).toHaveLength(1);
    // Bodies over 10 KiB travel gzip-compressed (the operation's request-compression trait).
    expect(aws.calls('PutMetricData').map((c) => c.headers['content-encoding'])).toEqual(calls.map(() => 'gzip'));
  });
});

describe('failures of CloudWatch itself', () => {
  it('retries a 503, then a throttling answer, and publishes the same request', async () => {
    aws.respond('PutMetricData', awsErrors.unavailable(503), awsErrors.throttling());
    const logger = recordingLogger();
    await monitor(config, logger).runGroup('nodes');
    const calls = aws.calls('PutMetricData');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.body.toString())).size).toBe(1);
    expect(logger.errors).toEqual([]);
  });

  it('does not retry a validation error: one call, and the error names the problem', async () => {
    aws.respond('PutMetricData', awsErrors.validation('InvalidParameterValue', 'The value -1 for parameter MetricData.member.3.Value is invalid.'));
    const logger = recordingLogger();
    await monitor(config, logger).runGroup('nodes');
    expect(aws.calls('PutMetricData')).toHaveLength(1);
    expect(logger.errors).toEqual([expect.stringMatching(/FLP\/Synthetics .*rejected, not retried.*InvalidParameterValue \(HTTP 400\): The value -1 for parameter MetricData\.member\.3\.Value/)]);
  });

  it('throws the validation error to a caller of the sink', async () => {
    aws.respond('PutMetricData', awsErrors.validation('MissingParameter', 'The parameter MetricData.member.1.MetricName is required.'));
    const sink = createCloudWatchSink({ ...aws.clientConfig });
    const records = [{ type: 'metric' as const, timestamp: new Date().toISOString(), namespace: 'FLP/Synthetics', name: 'Heartbeat', unit: 'Count' as const, value: 1, dimensions: { Environment: 'test' } }];
    await expect(sink.write(records)).rejects.toMatchObject({ name: 'CloudWatchPublishError', code: 'MissingParameter', status: 400, attempts: 1 });
    expect(aws.calls('PutMetricData')).toHaveLength(1);
  });
});
