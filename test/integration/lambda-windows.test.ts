/**
 * The nodes function reads the deployment's run-time maintenance windows from S3
 * (`state/<env>/windows.json`, through the real SDK against the loopback fake): once per
 * invocation, `MaintenanceWindow` = 1 in CloudWatch while one is open and 0 once it is ended,
 * and an object that cannot be read is a `monitor:windows` line, never a failed invocation.
 * The probes go to a healthy HTTP server on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3WindowStore } from '../../lib/adapters/window-store-s3.ts';
import { addWindow, endWindow, windowsKey } from '../../lib/core/windows.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { awsErrors, datapoints, FakeAws } from '../support/fake-aws.ts';
import { rawConfig } from '../support/config.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';

const BUCKET = 'flp-artifacts-test';
let aws: FakeAws;
let nodes: DeployedFunction;
let operatorsEndpoint: string;
let server: http.Server;
let base: string;
let tmp: string;
let saved: NodeJS.ProcessEnv;
let lines: Record<string, unknown>[];

const context = (): LambdaContext => {
  const deadline = Date.now() + 60_000;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, getRemainingTimeInMillis: () => deadline - Date.now() };
};

/** A new container of the deployed nodes function, its role's grants enforced. */
const container = () =>
  createHandlers({
    env: nodes.env,
    tmpDir: tmp,
    write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>),
  });

/** What the operators' `window … --source aws` uses, with the stack's WindowOperators policy and nothing more. */
const operators = () => createS3WindowStore({ ...aws.clientConfig, endpoint: operatorsEndpoint, bucket: BUCKET, environment: 'test' });
const maintenancePoints = () => datapoints(aws.putMetricData()).filter((p) => p.name === 'MaintenanceWindow').map((p) => p.value);
const windowReads = () => aws.calls('GetObject').filter((r) => r.path.split('?')[0] === `/${BUCKET}/${windowsKey('test')}`);

beforeAll(async () => {
  aws = await FakeAws.start();
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version: '2026.4.1', node: 'flp-1', db: 'ok' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const deployment = await deploy(
    rawConfig({
      target: { baseUrl: base, nodes: [{ name: 'flp-1', url: base }] },
      journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
      sync: [],
    }),
    aws,
    { bucket: BUCKET },
  );
  nodes = await deployment.fn('nodes');
  operatorsEndpoint = await deployment.asPolicy(deployment.stack.windowOperators.policy, 'flp-window-operator');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-windows-'));
  saved = { ...process.env };
  // The SDK's credential chain reads the process environment, as in Lambda.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([aws?.close(), new Promise((r) => server?.close(r))]);
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  aws.reset();
  lines = [];
});

describe('the nodes function and the run-time windows in S3', () => {
  it('publishes MaintenanceWindow = 1 while a window is open and 0 once it is ended, reading the object once per invocation', async () => {
    const warm = container();
    const t0 = performance.now();
    expect((await warm.nodes({}, context())).ok).toBe(true);
    const noWindowMs = performance.now() - t0;
    expect(maintenancePoints()).toEqual([0]);
    expect(windowReads()).toHaveLength(1);

    const added = await operators().update((list) => addWindow(list, { start: new Date(), end: new Date(Date.now() + 3_600_000), reason: 'release 2026.4.2', release: '2026.4.2' }, new Date()));
    // Warm: no cache across invocations, the window counts from the next run.
    let reads = windowReads().length;
    const t1 = performance.now();
    expect((await warm.nodes({}, context())).ok).toBe(true);
    const withWindowMs = performance.now() - t1;
    expect(maintenancePoints()).toEqual([0, 1]);
    expect(windowReads()).toHaveLength(reads + 1);

    await operators().update((list) => endWindow(list, added.id, new Date()));
    reads = windowReads().length;
    await warm.nodes({}, context());
    expect(maintenancePoints()).toEqual([0, 1, 0]);
    expect(windowReads()).toHaveLength(reads + 1);
    expect(lines.filter((l) => l.probe === 'monitor:windows')).toEqual([]);
    console.log(`nodes function: a run with no windows object ${noWindowMs.toFixed(0)} ms (cold), with an open window ${withWindowMs.toFixed(0)} ms (warm)`);
  });

  it('logs an object it cannot read as a monitor failure, counts no run-time window, and still publishes and returns', async () => {
    aws.objects.set(`${BUCKET}/${windowsKey('test')}`, { body: Buffer.from('not json'), contentType: 'application/json' });
    const result = await container().nodes({}, context());
    expect(result.ok).toBe(true);
    expect(maintenancePoints()).toEqual([0]);
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'Heartbeat')).toHaveLength(1);
    expect(lines.find((l) => l.probe === 'monitor:windows')).toMatchObject({
      ok: 0,
      class: 'monitor',
      owner: 'monitor-owner',
      requestId: expect.stringMatching(/^req-/),
      summary: expect.stringMatching(new RegExp(`^maintenance windows not read from s3://${BUCKET}/state/test/windows\\.json, this run counts none: .*not JSON`)),
    });

    aws.reset();
    lines = [];
    // The release verdicts are read first (before the run), then the windows (the Monitor records the run), the latest results after: the SDK's three attempts fail for each of the first two.
    aws.respond('GetObject', ...Array.from({ length: 6 }, () => awsErrors.s3(500, 'InternalError', 'We encountered an internal error.')));
    expect((await container().nodes({}, context())).ok).toBe(true);
    expect(maintenancePoints()).toEqual([0]);
    expect(lines.find((l) => l.probe === 'monitor:releases')?.summary).toMatch(/^release verdicts not read from s3:\/\/.*releases\.json, this run expects .*InternalError \(HTTP 500\)/);
    expect(lines.find((l) => l.probe === 'monitor:windows')?.summary).toMatch(/InternalError \(HTTP 500\)/);
  });
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
