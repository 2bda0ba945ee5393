/**
 * One journey run at a time, one verification per release window: the journey function takes
 * a lease (`state/<env>/lease/…` in the artifacts bucket, S3 conditional writes on the loopback
 * fake) for its run and another for a verification. Two containers invoked at once: exactly one
 * runs, the other runs nothing and says so (who holds the lease, until when) and publishes
 * `JourneyRunSkipped`, never a failure. A holder that crashed blocks no longer than its expiry
 * (the function's own time left). A second container finding a window's verification lease held
 * leaves the verification to its holder. The function is deployed as the stack deploys it, its
 * calls answered as its role (test/support/deployed.ts). One sandbox and one Lambda Chromium.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLambdaBrowser, type LambdaBrowserProvider } from '../../lib/adapters/lambda-browser.ts';
import type { LeaseState } from '../../lib/adapters/s3-lease.ts';
import type { RuntimeWindow } from '../../lib/core/windows.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { FakeAws, datapoints } from '../support/fake-aws.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { serveGetMetricData } from '../support/sla-records.ts';

const BUCKET = 'flp-artifacts-test';
const RUN_LEASE = `${BUCKET}/state/test/lease/journey-run.json`;
const VERIFY_LEASE = `${BUCKET}/state/test/lease/release-verification.json`;
const WINDOWS = `${BUCKET}/state/test/windows.json`;
const RELEASES = `${BUCKET}/state/test/releases.json`;

let fx: SandboxFixture;
let aws: FakeAws;
let browser: LambdaBrowserProvider;
/** The journey function as the stack deploys it, its calls answered as its role. */
let journey: DeployedFunction;
let tmp: string;
const logged: Record<string, unknown>[] = [];

function lambdaContext(budgetMs = 120_000): LambdaContext {
  const deadline = Date.now() + budgetMs;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, functionName: 'flp-test-journey', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A fresh journey container (its own state, the file's one browser). */
function container() {
  return createHandlers({ env: journey.env, tmpDir: tmp, createBrowser: async () => browser, write: (l) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
}

const lease = (key: string) => JSON.parse(aws.objects.get(key)!.body.toString('utf8')) as LeaseState;
const putLease = (key: string, state: LeaseState) => aws.objects.set(key, { body: Buffer.from(JSON.stringify(state)), contentType: 'application/json' });
const skippedPoints = () => datapoints(aws.putMetricData()).filter((p) => p.name === 'JourneyRunSkipped');

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-lease-'));
  process.env.AWS_ACCESS_KEY_ID = aws.clientConfig.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.clientConfig.credentials.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  serveGetMetricData(aws, []);
  browser = await createLambdaBrowser();
  journey = await (await deploy(fx.raw, aws, { bucket: BUCKET })).fn('journey');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  aws.reset();
  fx.sandbox.clearFaults();
  logged.length = 0;
});

afterEach(() => {
  // The leases are calls the stack grants the journey function.
  expect(aws.denials).toEqual([]);
});

describe('the journey run lease', () => {
  it('lets exactly one of two journey invocations at once run; the other reports skipped, with the metric, and fails nothing', async () => {
    const [a, b] = [container(), container()];
    const [ca, cb] = [lambdaContext(), lambdaContext()];
    const results = await Promise.all([a.journey({}, ca), b.journey({}, cb)]);

    const ran = results.filter((r) => !r.skipped);
    const skipped = results.filter((r) => r.skipped);
    expect(ran).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(ran[0]!.results.map((r) => [r.probe, r.ok])).toEqual([['journey', true]]);
    const winner = results[0] === ran[0] ? ca : cb;
    const other = skipped[0]!;
    expect(other).toMatchObject({ ok: true, results: [], verdict: { ok: true, class: null }, skipped: { holder: `flp-test-journey/${winner.awsRequestId}` } });
    expect(Date.parse(other.skipped!.until)).toBeGreaterThan(Date.now());
    expect(other.verdict.summary).toBe(`journey run skipped: the previous run (flp-test-journey/${winner.awsRequestId}) holds the run lease until ${other.skipped!.until}`);
    expect(logged.filter((l) => l.message === 'journey run skipped')).toEqual([
      expect.objectContaining({ environment: 'test', holder: `flp-test-journey/${winner.awsRequestId}`, until: other.skipped!.until }),
    ]);
    expect(skippedPoints()).toEqual([expect.objectContaining({ value: 1, unit: 'Count', dimensions: { Environment: 'test' } })]);
    // One run's metrics, no failure of anything; one latest-results document, written once.
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'Success').map((p) => [p.dimensions.Probe, p.value])).toEqual([['journey', 1]]);
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'FailureCount')).toEqual([]);
    expect(aws.calls('PutObject').filter((c) => c.path.startsWith(`/${BUCKET}/latest/`))).toHaveLength(1);

    // The winner gave the lease back at the end of its run: the next invocation runs.
    expect(lease(RUN_LEASE)).toMatchObject({ holder: `flp-test-journey/${winner.awsRequestId}`, releasedAt: expect.any(String) });
    const next = await b.journey({}, lambdaContext());
    expect(next.skipped).toBeUndefined();
    expect(next.results).toHaveLength(1);
  }, 60_000);

  it("skips while the previous run's lease is held, and takes over a crashed holder's lease once its expiry has passed", async () => {
    const h = container();
    putLease(RUN_LEASE, { holder: 'flp-test-journey/req-slow', purpose: 'journey run', takenAt: new Date().toISOString(), until: new Date(Date.now() + 600_000).toISOString() });
    const blocked = await h.journey({}, lambdaContext());
    expect(blocked.skipped).toMatchObject({ holder: 'flp-test-journey/req-slow' });
    expect(skippedPoints()).toHaveLength(1);

    // The holder crashed: its lease ran until its function's deadline, which has passed.
    putLease(RUN_LEASE, { holder: 'flp-test-journey/req-crashed', purpose: 'journey run', takenAt: new Date(Date.now() - 901_000).toISOString(), until: new Date(Date.now() - 1_000).toISOString() });
    const ctx = lambdaContext(120_000);
    const after = await h.journey({}, ctx);
    expect(after.skipped).toBeUndefined();
    expect(after.results.map((r) => r.ok)).toEqual([true]);
    // Taken on the crashed holder's ETag, given back at the end.
    expect(lease(RUN_LEASE)).toMatchObject({ holder: `flp-test-journey/${ctx.awsRequestId}`, releasedAt: expect.any(String) });
    // Its expiry was the function's own time left when it was taken (120 s from the start).
    expect(Date.parse(lease(RUN_LEASE).until) - Date.parse(lease(RUN_LEASE).takenAt)).toBeLessThanOrEqual(120_000);
  }, 60_000);
});

describe('the release verification lease', () => {
  it("leaves a window's verification to the container holding its lease, and says so", async () => {
    const version = fx.sandbox.version;
    const end = new Date(Date.now() - 60_000);
    const window: RuntimeWindow = { id: 'w-20261207-0400-dddd', start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), reason: `release ${version}`, release: version, createdAt: new Date(end.getTime() - 7_200_000).toISOString() };
    aws.objects.set(WINDOWS, { body: Buffer.from(JSON.stringify([window])), contentType: 'application/json' });
    const until = new Date(Date.now() + 600_000).toISOString();
    putLease(VERIFY_LEASE, { holder: 'flp-test-journey/req-verifier', purpose: `release ${version} (window ${window.id})`, takenAt: new Date().toISOString(), until });

    const result = await container().journey({}, lambdaContext(600_000));
    expect(result.results.map((r) => r.ok)).toEqual([true]);
    expect(result.release).toMatchObject({ version, windowId: window.id, verdict: 'skipped', topics: [] });
    expect(result.release!.summary).toBe(`flp-test-journey/req-verifier is verifying release ${version} (window ${window.id}) (its lease runs until ${until}); this invocation does not verify it too`);
    expect(logged.find((l) => l.message === 'release verification skipped')).toMatchObject({ windowId: window.id, holder: 'flp-test-journey/req-verifier', until });
    expect(aws.objects.has(RELEASES)).toBe(false);
    expect(aws.publishes()).toEqual([]);
    expect(lease(VERIFY_LEASE).holder).toBe('flp-test-journey/req-verifier');
  }, 60_000);
});
