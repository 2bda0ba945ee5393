/**
 * The journey function on the re-check rule's event (cdk/journey-recheck.ts, lib/core/recheck.ts):
 * it reads the latest journey result from S3 (the real SDK against the loopback fake) and runs the
 * journey only when that result failed. A passing (or absent) one returns at once: no cold start
 * of the journey's state, no browser created, no metrics. A failing one runs the journey, in
 * Chromium (the machine's, through the Lambda browser provider), against the sandbox.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findChromium } from '../../lib/adapters/browser.ts';
import { createLambdaBrowser } from '../../lib/adapters/lambda-browser.ts';
import { latestKey, type LatestResults } from '../../lib/core/latest-results.ts';
import { RECHECK_EVENT } from '../../lib/core/recheck.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { FakeAws } from '../support/fake-aws.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const BUCKET = 'flp-artifacts-test';

let fx: SandboxFixture;
let aws: FakeAws;
let tmp: string;
let journey: DeployedFunction;
let saved: NodeJS.ProcessEnv;
let lines: Record<string, unknown>[];
let browsersCreated: number;

const context = (): LambdaContext => {
  const deadline = Date.now() + 120_000;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, getRemainingTimeInMillis: () => deadline - Date.now() };
};

const key = () => `${BUCKET}/${latestKey(String(fx.raw.environment), 'journey')}`;

/** A new container whose browser, should it be asked for one, is the machine's Chromium; each request is counted. */
const container = () =>
  createHandlers({
    // The deployed journey function: its shipped config, its environment, its role's grants enforced.
    env: journey.env,
    tmpDir: tmp,
    write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>),
    createBrowser: async () => {
      browsersCreated += 1;
      return createLambdaBrowser({ chromium: { args: [], executablePath: async () => findChromium().path } });
    },
  });

function storeLatest(ok: boolean): void {
  const at = new Date(Date.now() - 30_000).toISOString();
  const doc: LatestResults = {
    group: 'journey',
    at,
    results: [{ probe: 'journey', kind: 'journey', ok, evidence: [], artifacts: [] } as unknown as LatestResults['results'][number]],
    failing: ok ? {} : { journey: { firstFailingAt: at, runs: 1 } },
  };
  aws.objects.set(key(), { body: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' });
}

const latestReads = () => aws.calls('GetObject').filter((r) => r.path.split('?')[0] === `/${key()}`);

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  journey = await (await deploy(fx.raw, aws, { bucket: BUCKET })).fn('journey');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-recheck-'));
  saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  aws.reset();
  lines = [];
  browsersCreated = 0;
  fx.sandbox.clearFaults();
});

describe('the journey function on the re-check event', () => {
  it('returns at once, without a browser or metrics, when the latest journey passed or there is none', async () => {
    const handlers = container();
    const none = await handlers.journey(RECHECK_EVENT, context());
    expect(none).toMatchObject({ ok: true, recheck: 'skipped', results: [] });
    expect(none.verdict.summary).toMatch(/re-check skipped: no latest journey result yet/);

    storeLatest(true);
    const t0 = performance.now();
    const passed = await handlers.journey(RECHECK_EVENT, context());
    const skipMs = performance.now() - t0;
    expect(passed).toMatchObject({ ok: true, recheck: 'skipped', results: [] });
    expect(passed.verdict.summary).toMatch(/the latest journey \(.+\) passed/);
    // Each re-check reads the document (another container may have written it), nothing else.
    expect(latestReads()).toHaveLength(2);
    expect(browsersCreated).toBe(0);
    expect(aws.putMetricData()).toHaveLength(0);
    expect(aws.calls('PutObject')).toHaveLength(0);
    expect(lines.filter((l) => l.message === 'journey re-check skipped')).toHaveLength(2);
    console.log(`a skipped re-check (warm): ${skipMs.toFixed(0)} ms`);
  });

  it('runs the journey when the latest journey failed, and leaves the new result for the next re-check', async () => {
    storeLatest(false);
    fx.sandbox.setFault('api-500');
    const handlers = container();
    const ran = await handlers.journey(RECHECK_EVENT, context());
    expect(ran.recheck).toBe('ran');
    expect(browsersCreated).toBe(1);
    expect(ran.results.map((r) => r.probe)).toEqual(['journey']);
    expect(ran.verdict).toMatchObject({ ok: false, class: 'application' });
    expect(aws.putMetricData().length).toBeGreaterThan(0);
    const stored = JSON.parse(aws.objects.get(key())!.body.toString('utf8')) as LatestResults;
    // The stretch goes on from the document the re-check read.
    expect(stored.failing.journey?.runs).toBe(2);

    // Fixed: the next re-check runs (the latest failed), passes, and the one after is skipped.
    fx.sandbox.clearFaults();
    const cleared = await handlers.journey(RECHECK_EVENT, context());
    expect(cleared).toMatchObject({ ok: true, recheck: 'ran' });
    const after = await handlers.journey(RECHECK_EVENT, context());
    expect(after.recheck).toBe('skipped');
    expect(browsersCreated).toBe(1);
  }, 120_000);
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
