/**
 * What the probe functions leave for the notifier: after each run, the group's latest results
 * in S3 (`latest/<env>/<group>.json`, through the real SDK against the loopback fake), with each
 * failing probe's stretch counted across warm invocations and continued after a cold start from
 * the stored document; and a document that cannot be written costs a `monitor` line, never the
 * metrics or the invocation. The nodes function against the sandbox with its database down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { latestKey, type LatestResults } from '../../lib/core/latest-results.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { FakeAws, awsErrors, datapoints } from '../support/fake-aws.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const BUCKET = 'flp-artifacts-test';
const KEY = `${BUCKET}/${latestKey('test', 'nodes')}`;

let fx: SandboxFixture;
let aws: FakeAws;
let nodes: DeployedFunction;
let tmp: string;
let saved: NodeJS.ProcessEnv;
let lines: Record<string, unknown>[];

const context = (): LambdaContext => {
  const deadline = Date.now() + 60_000;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, getRemainingTimeInMillis: () => deadline - Date.now() };
};

/** A new container of the deployed nodes function (its role's grants enforced): its own handlers, nothing in memory. */
const coldContainer = () =>
  createHandlers({
    env: nodes.env,
    tmpDir: tmp,
    write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>),
  });

/** Reads of the group's document (each invocation also reads the maintenance windows, lambda-windows.test.ts). */
const latestReads = () => aws.calls('GetObject').filter((r) => r.path.split('?')[0] === `/${KEY}`);
const stored = (): LatestResults => JSON.parse(aws.objects.get(KEY)!.body.toString('utf8')) as LatestResults;

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  nodes = await (await deploy(fx.raw, aws, { bucket: BUCKET })).fn('nodes');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-latest-'));
  saved = { ...process.env };
  // The SDK's credential chain reads the process environment, as in Lambda.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  lines = [];
  fx.sandbox.clearFaults();
});

describe('the latest results a probe function leaves', () => {
  it('writes latest/<env>/nodes.json after every run and continues each failing stretch across a cold start', async () => {
    aws.reset();
    fx.sandbox.setFault('db-down');
    const warm = coldContainer();
    const t0 = performance.now();
    const first = await warm.nodes({}, context());
    const firstMs = performance.now() - t0;
    expect(first.verdict).toMatchObject({ ok: false, class: 'infrastructure', owner: 'PLSP' });
    // The first cold start finds no document (the fake answers NoSuchKey) and starts every stretch.
    expect(latestReads()).toHaveLength(1);
    const one = stored();
    expect(aws.objects.get(KEY)!.contentType).toBe('application/json');
    expect(one.group).toBe('nodes');
    expect(Date.parse(one.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(one.results.map((r) => r.probe).sort()).toEqual(first.results.map((r) => r.probe).sort());
    const failingProbes = first.results.filter((r) => !r.ok).map((r) => r.probe).sort();
    expect(failingProbes).toContain('node:flp-1');
    expect(Object.keys(one.failing).sort()).toEqual(failingProbes);
    const flp1 = one.results.find((r) => r.probe === 'node:flp-1')!;
    expect(flp1.evidence).toContainEqual(expect.objectContaining({ type: 'database-down' }));
    expect(one.failing['node:flp-1']).toEqual({ firstFailingAt: flp1.startedAt, runs: 1 });

    // Warm: counted in memory, no read.
    await warm.nodes({}, context());
    expect(latestReads()).toHaveLength(1);
    expect(stored().failing['node:flp-1']).toEqual({ firstFailingAt: flp1.startedAt, runs: 2 });

    // Cold: continued from the stored document.
    const t1 = performance.now();
    await coldContainer().nodes({}, context());
    const coldMs = performance.now() - t1;
    expect(latestReads()).toHaveLength(2);
    expect(stored().failing['node:flp-1']).toEqual({ firstFailingAt: flp1.startedAt, runs: 3 });

    // Fixed: the stretch ends, the document says so.
    fx.sandbox.clearFaults();
    const healthy = await warm.nodes({}, context());
    expect(healthy.ok).toBe(true);
    expect(stored().failing).toEqual({});
    expect(stored().results.every((r) => r.ok)).toBe(true);
    console.log(`nodes function with latest results: first run ${firstMs.toFixed(0)} ms, a cold start continuing the stretch ${coldMs.toFixed(0)} ms`);
  });

  it('logs a document that cannot be written as a monitor failure, and still publishes the metrics and returns', async () => {
    aws.reset();
    aws.respond('PutObject', ...Array.from({ length: 5 }, () => awsErrors.s3(503, 'SlowDown', 'Please reduce your request rate.')));
    const result = await coldContainer().nodes({}, context());
    expect(result.ok).toBe(true);
    expect(aws.objects.has(KEY)).toBe(false);
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'Heartbeat')).toHaveLength(1);
    expect(lines.find((l) => l.probe === 'monitor:latest')).toMatchObject({
      ok: 0,
      class: 'monitor',
      owner: 'monitor-owner',
      summary: expect.stringMatching(/latest results of nodes not written.*SlowDown/),
    });
  });
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
