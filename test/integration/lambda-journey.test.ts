/**
 * The Lambda handlers run locally: the journey in the Lambda Chromium (`@sparticuz/chromium`,
 * unpacked to /tmp) with a fake Lambda context against the sandbox, CloudWatch, S3 and Secrets
 * Manager on a loopback fake. Asserts what on-call would see: the returned verdict, the metrics
 * published, the artifacts in S3 under `<env>/…`, and the one JSON log line per result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOURNEY_STEPS } from '../../lib/core/contract.ts';
import { CHROMIUM_ARGS } from '../../lib/adapters/browser.ts';
import { mergeChromiumArgs } from '../../lib/adapters/lambda-browser.ts';
import { createHandlers, journeyHandler, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { FakeAws, awsErrors, datapoints } from '../support/fake-aws.ts';
import { shippedConfig } from '../support/lambda-env.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const BUCKET = 'flp-artifacts-test';
const SECRET_NAME = 'flp-journey';
/** What the stack hands the journey function: the secret's partial ARN (by name), never its value. */
const SECRET_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:flp-journey';
const SECRET = 'journey-user:hunter2-not-for-logs';

let fx: SandboxFixture;
let aws: FakeAws;
let tmp: string;
let deployed: Record<'journey' | 'sync' | 'nodes', DeployedFunction>;
let saved: NodeJS.ProcessEnv;
const lines: Record<string, unknown>[] = [];

function lambdaContext(budgetMs = 120_000): LambdaContext & Record<string, unknown> {
  const deadline = Date.now() + budgetMs;
  return {
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    functionName: 'flp-monitor-journey',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:flp-monitor-journey',
    memoryLimitInMB: '2048',
    logGroupName: '/aws/lambda/flp-monitor-journey',
    logStreamName: '2026/05/04/[$LATEST]abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

const scheduledEvent = { version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), region: 'eu-central-1', resources: [], detail: {} };

/** A deployed function's environment (its role's grants enforced), with the process's credentials as Lambda gives them. */
function handlerEnv(fn: 'journey' | 'sync' | 'nodes' = 'journey'): NodeJS.ProcessEnv {
  return {
    ...deployed[fn].env,
    AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey,
    // Never ask an instance-metadata endpoint for credentials.
    AWS_EC2_METADATA_DISABLED: 'true',
    // The CLI's browser lookup would fail on this: the handler must take the Lambda package's binary instead.
    FLP_CHROMIUM_PATH: '/nonexistent/chromium',
  };
}

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  const deployment = await deploy({ ...fx.raw, aws: { journeySecretName: SECRET_NAME } }, aws, { bucket: BUCKET });
  deployed = { journey: await deployment.fn('journey'), sync: await deployment.fn('sync'), nodes: await deployment.fn('nodes') };
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-'));
  aws.putSecret(SECRET_NAME, SECRET);
  saved = { ...process.env };
  Object.assign(process.env, handlerEnv());
  // The exported handlers log JSON lines to stdout, as Lambda wants them; keep those, pass the rest through.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"time"')) {
      for (const l of text.split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      return true;
    }
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
});

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  aws.reset();
  fx.sandbox.clearFaults();
  lines.length = 0;
});

const resultLines = () => lines.filter((l) => l.message === 'probe result');

describe('journeyHandler in the Lambda Chromium', () => {
  it('passes a healthy journey and publishes success, duration and every step duration', async () => {
    const result = await journeyHandler(scheduledEvent, lambdaContext());

    expect(result.ok).toBe(true);
    expect(result.verdict).toMatchObject({ ok: true, class: null, owner: null });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]!.steps.map((s) => [s.name, s.status])).toEqual(JOURNEY_STEPS.map((s) => [s, 'passed']));
    expect(result.results[0]).not.toHaveProperty('evidence');
    // The Lambda package's Chromium was unpacked where Lambda would unpack it.
    expect(existsSync(path.join(os.tmpdir(), 'chromium'))).toBe(true);

    const calls = aws.putMetricData();
    expect(calls).toHaveLength(1);
    const points = datapoints(calls);
    expect(points.every((p) => p.namespace === 'FLP/Synthetics' && p.dimensions.Environment === 'test')).toBe(true);
    const steps = points.filter((p) => p.name === 'StepDurationMillis');
    expect(steps.map((p) => p.dimensions)).toEqual(JOURNEY_STEPS.map((s) => ({ Environment: 'test', Probe: 'journey', Step: s })));
    expect(steps.every((p) => p.unit === 'Milliseconds' && p.value >= 0)).toBe(true);
    expect(points.find((p) => p.name === 'Success')).toMatchObject({ value: 1, dimensions: { Environment: 'test', Probe: 'journey' } });
    expect(points.filter((p) => p.name === 'Heartbeat')).toHaveLength(1);
    // Nothing to keep but the latest results for the notifier, under the run's lease (taken, then given back).
    const lease = `/${BUCKET}/state/test/lease/journey-run.json`;
    expect(aws.calls('PutObject').map((r) => r.path.split('?')[0])).toEqual([lease, `/${BUCKET}/latest/test/journey.json`, lease]);
    // Cold start read the journey secret.
    expect(aws.calls('GetSecretValue').map((c) => c.json)).toEqual([{ SecretId: SECRET_ARN }]);

    expect(resultLines()).toEqual([expect.objectContaining({ environment: 'test', probe: 'journey', ok: 1, class: null, artifacts: [] })]);
    expect(fx.sandbox.stats().livePlans).toBe(0);
  });

  it('reads the journey secret once per container and never logs it', async () => {
    await journeyHandler(scheduledEvent, lambdaContext());
    // The container is warm: no second read.
    expect(aws.calls('GetSecretValue')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('reports a failing plan creation as application / KiAP and puts the screenshot and trace in S3 under <env>/', async () => {
    fx.sandbox.setFault('create-fails');
    const result = await journeyHandler(scheduledEvent, lambdaContext());

    expect(result.ok).toBe(false);
    expect(result.verdict).toMatchObject({ ok: false, class: 'application', owner: 'KiAP' });
    const journey = result.results[0]!;
    expect(journey.steps.find((s) => s.name === 'create-plan')?.status).toBe('failed');

    const keys = [...aws.objects.keys()].filter((k) => !k.startsWith(`${BUCKET}/latest/`) && !k.startsWith(`${BUCKET}/state/test/lease/`)).sort();
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^${BUCKET}/test/[^/]+/screenshot\\.png$`)), expect.stringMatching(new RegExp(`^${BUCKET}/test/[^/]+/trace\\.zip$`))]);
    const shot = aws.objects.get(keys[0]!)!;
    const trace = aws.objects.get(keys[1]!)!;
    expect(shot.contentType).toBe('image/png');
    expect(shot.body.subarray(1, 4).toString()).toBe('PNG');
    expect(trace.contentType).toBe('application/zip');
    expect(trace.body.subarray(0, 2).toString()).toBe('PK');
    expect(journey.artifacts.sort()).toEqual(keys.map((k) => `s3://${k}`));
    // The notifier finds the same URIs in the latest results, with the failing stretch.
    const latest = JSON.parse(aws.objects.get(`${BUCKET}/latest/test/journey.json`)!.body.toString('utf8')) as { results: { probe: string; artifacts: string[] }[]; failing: Record<string, { runs: number }> };
    expect(latest.results[0]!.artifacts.sort()).toEqual(journey.artifacts);
    expect(latest.failing.journey).toMatchObject({ runs: 1 });

    const points = datapoints(aws.putMetricData());
    expect(points.find((p) => p.name === 'Success')?.value).toBe(0);
    expect(points.filter((p) => p.name === 'FailureCount').map((p) => p.dimensions)).toEqual([
      { Environment: 'test', FailureClass: 'application' },
      { Environment: 'test', Probe: 'journey', FailureClass: 'application' },
    ]);

    expect(resultLines()).toEqual([
      expect.objectContaining({ environment: 'test', probe: 'journey', ok: 0, class: 'application', owner: 'KiAP', summary: expect.any(String), artifacts: journey.artifacts }),
    ]);
    // Uploaded copies leave /tmp, so a warm container does not fill it.
    const local = path.join(os.tmpdir(), 'flp-monitor', 'artifacts');
    expect(existsSync(local) ? await readdir(local) : []).toEqual([]);
  });
});

describe('the HTTP handlers and failures of the monitor itself', () => {
  const logged: Record<string, unknown>[] = [];
  const handlersWith = (env: NodeJS.ProcessEnv) => createHandlers({ env, tmpDir: tmp, write: (l) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
  beforeEach(() => void (logged.length = 0));

  it('nodesHandler publishes and logs one line per result', async () => {
    const result = await handlersWith(handlerEnv('nodes')).nodes(scheduledEvent, lambdaContext(60_000));
    expect(result.ok).toBe(true);
    expect(logged.filter((l) => l.message === 'probe result').map((l) => l.probe)).toEqual(result.results.map((r) => r.probe));
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'CertDaysLeft')).toHaveLength(3);
  });

  it('logs a sync failure as a result and does not throw', async () => {
    fx.sandbox.setFault('sync-failed', { source: 'lab' });
    const result = await handlersWith(handlerEnv('sync')).sync(scheduledEvent, lambdaContext(60_000));
    expect(result.verdict).toMatchObject({ ok: false, class: 'sync', owner: 'PLSP' });
    expect(logged.find((l) => l.probe === 'sync:lab')).toMatchObject({ ok: 0, class: 'sync', owner: 'PLSP' });
  });

  it('logs metrics not published as a monitor failure and throws, after logging the results', async () => {
    aws.respond('PutMetricData', awsErrors.validation('InvalidParameterValue', 'The value for parameter MetricData.member.1.Unit is invalid.'));
    await expect(handlersWith(handlerEnv('sync')).sync(scheduledEvent, lambdaContext(60_000))).rejects.toThrow(/metrics not published: .*InvalidParameterValue/);
    expect(aws.calls('PutMetricData')).toHaveLength(1);
    expect(logged.filter((l) => l.message === 'probe result')).toHaveLength(4);
    expect(logged.find((l) => l.probe === 'monitor:metrics')).toMatchObject({ environment: 'test', ok: 0, class: 'monitor', owner: 'monitor-owner', summary: expect.stringMatching(/InvalidParameterValue/) });
  });

  it('fails the cold start on a bad shipped config, naming the file and the property, and tries again on the next invocation', async () => {
    const env = handlerEnv('sync');
    const shipped = readFileSync(path.join(env.LAMBDA_TASK_ROOT!, 'flp-config.json'), 'utf8');
    shippedConfig({ ...JSON.parse(shipped), environment: '' }, env.LAMBDA_TASK_ROOT);
    const handlers = handlersWith(env);
    await expect(handlers.sync(scheduledEvent, lambdaContext())).rejects.toThrow(/flp-config\.json is not valid:\n {2}- environment: must not be empty/);
    expect(logged).toEqual([expect.objectContaining({ probe: 'monitor:cold-start', ok: 0, class: 'monitor', environment: 'unknown' })]);
    shippedConfig(shipped, env.LAMBDA_TASK_ROOT);
    await expect(handlers.sync(scheduledEvent, lambdaContext())).resolves.toMatchObject({ ok: true });
  });

  it('says so when the function would run out of time before the probes finish', async () => {
    fx.sandbox.setFault('lb-hang');
    await expect(handlersWith(handlerEnv('nodes')).nodes(scheduledEvent, lambdaContext(3_200))).rejects.toThrow(/did not finish .* set the function timeout above/);
    expect(logged.find((l) => l.probe === 'monitor:nodes')).toMatchObject({ ok: 0, class: 'monitor' });
  });
});

describe("the Lambda Chromium's flags", () => {
  it("keep ours, add the Lambda package's, and leave out those that would hide what a clinic's browser sees", async () => {
    const chromium = (await import('@sparticuz/chromium')).default;
    const args = mergeChromiumArgs(CHROMIUM_ARGS, chromium.args);
    expect(args.slice(0, CHROMIUM_ARGS.length)).toEqual([...CHROMIUM_ARGS]);
    expect(args).toEqual(expect.arrayContaining(['--single-process', '--no-zygote', '--disable-setuid-sandbox']));
    expect(args.filter((a) => /^--(disable-web-security|allow-running-insecure-content|headless)\b/.test(a))).toEqual([]);
    expect(new Set(args.map((a) => a.split('=')[0])).size).toBe(args.length);
  });

  it('unite feature lists instead of letting one replace the other', () => {
    expect(mergeChromiumArgs(['--disable-features=A,B', '--no-sandbox'], ['--disable-features=B,C', '--no-sandbox'])).toEqual(['--disable-features=A,B,C', '--no-sandbox']);
  });
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
