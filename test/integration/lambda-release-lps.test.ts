/**
 * A release verification in the journey function of a deployment with LPS launch profiles of
 * every style (the sandbox's: test-journal and nordjournal `query`, klinikplus `form`, medsign and
 * praksisnet `signed`), the signed keys in Secrets Manager under each profile's `keySecretName`
 * as a deployment keeps them (the loopback fake's `secrets`), each function deployed as the stack
 * deploys it and answered as its role (test/support/deployed.ts): the journey function reads every
 * profile's key, because the verification runs every probe group, the launch checks among them.
 * A healthy target is verified; a node serving a broken install fails the verdict, naming the
 * node. And a missing key secret degrades, never blinds: in the nodes function that profile's
 * checks fail as the monitor's, naming the secret, while every other probe runs as usual; in the
 * journey function a journey whose own profile has no key fails as the monitor's, and a
 * verification that fails on the monitor's checks alone pages no one about the release.
 * One sandbox and one Lambda Chromium for every container of the file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLambdaBrowser, type LambdaBrowserProvider } from '../../lib/adapters/lambda-browser.ts';
import type { ReleaseRecord } from '../../lib/core/records.ts';
import type { RuntimeWindow } from '../../lib/core/windows.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { SANDBOX_LPS_SYSTEMS } from '../../sandbox/index.ts';
import { FakeAws, datapoints } from '../support/fake-aws.ts';
import type { FunctionName } from '../../lib/runtime/function-calls.ts';
import { deploy, type Deployment } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { serveGetMetricData } from '../support/sla-records.ts';

const BUCKET = 'flp-artifacts-test';
const WINDOWS = `${BUCKET}/state/test/windows.json`;
const RELEASES = `${BUCKET}/state/test/releases.json`;
/** Where each signed profile's key is kept, as the deploy guide names them. */
const keySecret = (system: string) => `flp/test/lps/${system}`;
const SIGNED = SANDBOX_LPS_SYSTEMS.filter((s) => s.style === 'signed');

let fx: SandboxFixture;
let aws: FakeAws;
/** The sandbox's config deployed as the stack deploys it (each function's role enforced), and again with the journey launching as medsign. */
let deployed: Deployment;
let medsignJourney: Deployment;
let KIAP: string;
let browser: LambdaBrowserProvider;
let tmp: string;
const logged: Record<string, unknown>[] = [];

/** The sandbox's profiles, each signed one naming its key's secret instead of holding the key. */
function lps(): Record<string, unknown> {
  return {
    profiles: SANDBOX_LPS_SYSTEMS.map((s) => ({ system: s.system, vendor: s.vendor, style: s.style, ...(s.style === 'signed' ? { keySecretName: keySecret(s.system) } : {}) })),
    statsMinutes: 1,
  };
}

function lambdaContext(budgetMs: number, functionName = 'flp-test-journey'): LambdaContext {
  const deadline = Date.now() + budgetMs;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, functionName, getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A fresh container of one deployed function: its environment and code directory as deployed, its calls answered as its role. */
async function container(fn: FunctionName, deployment: Deployment = deployed) {
  const { env } = await deployment.fn(fn);
  return createHandlers({ env, tmpDir: tmp, createBrowser: async () => browser, write: (l) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
}

/** Secrets Manager no longer holds the secret (by its name, or either ARN). */
const removeSecret = (name: string) => {
  for (const id of [...aws.secrets.keys()]) if (id === name || id.includes(`:secret:${name}`)) aws.secrets.delete(id);
};

function releaseWindow(id: string, release: string): RuntimeWindow {
  const end = new Date(Date.now() - 60_000);
  return { id, start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), reason: `release ${release}`, release, createdAt: new Date(end.getTime() - 7_200_000).toISOString() };
}

const putWindows = (list: RuntimeWindow[]) => aws.objects.set(WINDOWS, { body: Buffer.from(JSON.stringify(list)), contentType: 'application/json' });
const storedReleases = () => (aws.objects.has(RELEASES) ? (JSON.parse(aws.objects.get(RELEASES)!.body.toString('utf8')) as ReleaseRecord[]) : []);
const secretReads = () => aws.calls('GetSecretValue').map((c) => (c.json as { SecretId: string }).SecretId.replace(/^arn:aws:secretsmanager:[^:]+:\d+:secret:/, '').replace(/-[A-Za-z0-9]{6}$/, ''));

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-release-lps-'));
  // The SDK's credential chain reads these; nothing leaves 127.0.0.1.
  process.env.AWS_ACCESS_KEY_ID = aws.clientConfig.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.clientConfig.credentials.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  // No history yet: the baseline is empty and latency is not judged.
  serveGetMetricData(aws, []);
  browser = await createLambdaBrowser();
  const raw = { ...fx.raw, lps: lps() };
  [deployed, medsignJourney] = await Promise.all([
    deploy(raw, aws, { bucket: BUCKET }),
    deploy({ ...raw, journey: { ...(fx.raw.journey as object), lpsSystem: 'medsign' } }, aws, { bucket: BUCKET }),
  ]);
  KIAP = deployed.topicArns.get('KiAP')!;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  aws.reset();
  aws.secrets.clear();
  for (const s of SIGNED) aws.putSecret(keySecret(s.system), JSON.stringify({ key: s.key }));
  fx.sandbox.clearFaults();
  logged.length = 0;
});

afterEach(() => {
  // Every call the functions sent is one the stack grants them.
  expect(aws.denials).toEqual([]);
});

describe('a release verification in the journey function, with signed LPS profiles', () => {
  it("reads every profile's key at cold start and verifies a healthy release, every vendor's launch checked", async () => {
    const version = fx.sandbox.version;
    putWindows([releaseWindow('w-20261207-0100-lps1', version)]);
    const result = await (await container('journey')).journey({}, lambdaContext(600_000));

    expect(secretReads().sort()).toEqual(SIGNED.map((s) => keySecret(s.system)).sort());
    expect(result.ok).toBe(true);
    expect(result.release).toMatchObject({ version, verdict: 'pass', topics: [KIAP] });
    expect(result.release!.summary).toBe(`release ${version} verified: 3/3 nodes on ${version}, 4 journeys passed`);
    expect(storedReleases()).toEqual([expect.objectContaining({ version, verdict: 'pass', windowId: 'w-20261207-0100-lps1' })]);
    // Each vendor's certified launch passed in the verification's runs: the signed ones too.
    const message = aws.publishes()[0]!.message;
    for (const s of SANDBOX_LPS_SYSTEMS) expect(message).toMatch(new RegExp(`probe launch:${s.system}: passed 2/2`));
    expect(message).not.toContain('has no key');
  }, 120_000);

  it('fails the verdict on a node serving a broken install, naming the node', async () => {
    const version = fx.sandbox.version;
    putWindows([releaseWindow('w-20261207-0200-lps2', version)]);
    fx.sandbox.setFault('node-broken', { node: 'flp-2' });
    const result = await (await container('journey')).journey({}, lambdaContext(600_000));

    // The load balancer serves the healthy nodes (the journey through it may pass or land on flp-2); the verdict is the release's.
    expect(result.release).toMatchObject({ version, verdict: 'fail', topics: [KIAP] });
    expect(result.release!.summary).toMatch(new RegExp(`^release ${version.replace(/\./g, '\\.')} FAILED: .*flp-2`));
    expect(result.release!.summary).not.toContain('has no key');
    expect(storedReleases()).toEqual([expect.objectContaining({ version, verdict: 'fail' })]);
    expect(aws.publishes()[0]).toMatchObject({ topicArn: KIAP, subject: expect.stringContaining('FAILED') });
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'Release').map((p) => p.value)).toEqual([0]);
  }, 120_000);
});

describe('a missing launch key secret degrades, never blinds', () => {
  it("fails only that profile's checks in the nodes function, as the monitor's, naming the secret and why; a secret created later counts from the next run", async () => {
    removeSecret(keySecret('medsign'));
    const { nodes } = await container('nodes');
    const result = await nodes({}, lambdaContext(60_000, 'flp-test-nodes'));

    const byProbe = new Map(result.results.map((r) => [r.probe, r]));
    for (const probe of ['launch:medsign', 'lps:medsign']) {
      expect(byProbe.get(probe), probe).toMatchObject({ ok: false, class: 'monitor', owner: 'monitor-owner' });
      expect(byProbe.get(probe)!.summary).toContain(`could not read the LPS launch key secret ${keySecret('medsign')}: ResourceNotFoundException`);
    }
    const others = result.results.filter((r) => !r.probe.endsWith(':medsign'));
    expect(others.map((r) => r.probe)).toEqual(expect.arrayContaining(['lb', 'release', 'node:flp-1', 'launch:praksisnet', 'launch:klinikplus', 'launch:test-journal', 'lps:praksisnet']));
    expect(others.filter((r) => !r.ok).map((r) => `${r.probe}: ${r.summary}`)).toEqual([]);
    expect(result.verdict).toMatchObject({ ok: false, class: 'monitor', owner: 'monitor-owner' });
    // Never a vendor's or KiAP's: no lps or application failure counted.
    const failures = datapoints(aws.putMetricData()).filter((p) => p.name === 'FailureCount');
    expect(new Set(failures.map((p) => p.dimensions.FailureClass))).toEqual(new Set(['monitor']));

    // The vendor's key is put in place: the warm container reads it again and the launch passes.
    aws.putSecret(keySecret('medsign'), JSON.stringify({ key: SIGNED.find((s) => s.system === 'medsign')!.key }));
    const next = await nodes({}, lambdaContext(60_000, 'flp-test-nodes'));
    expect(next.results.filter((r) => !r.ok).map((r) => `${r.probe}: ${r.summary}`)).toEqual([]);
  }, 60_000);

  it('names a key secret that holds no key', async () => {
    aws.putSecret(keySecret('praksisnet'), JSON.stringify({ username: 'not-a-key' }));
    const result = await (await container('nodes')).nodes({}, lambdaContext(60_000, 'flp-test-nodes'));
    const launch = result.results.find((r) => r.probe === 'launch:praksisnet')!;
    expect(launch).toMatchObject({ ok: false, class: 'monitor', owner: 'monitor-owner' });
    expect(launch.summary).toContain(`secret ${keySecret('praksisnet')} holds no key`);
    expect(result.results.find((r) => r.probe === 'launch:medsign')).toMatchObject({ ok: true });
  }, 60_000);

  it("fails a journey whose own profile has no key as the monitor's, runs the rest, and pages no one about a release it could not judge", async () => {
    removeSecret(keySecret('medsign'));
    const version = fx.sandbox.version;
    putWindows([releaseWindow('w-20261207-0300-lps3', version)]);
    const result = await (await container('journey', medsignJourney)).journey({}, lambdaContext(600_000));

    const [journey] = result.results;
    expect(journey).toMatchObject({ probe: 'journey', ok: false, class: 'monitor', owner: 'monitor-owner' });
    expect(journey!.summary).toContain(`could not read the LPS launch key secret ${keySecret('medsign')}`);
    // The rest of the run went on: metrics and the latest results.
    expect(datapoints(aws.putMetricData()).find((p) => p.name === 'Success' && p.dimensions.Probe === 'journey')).toMatchObject({ value: 0 });
    expect(aws.objects.has(`${BUCKET}/latest/test/journey.json`)).toBe(true);
    // The verification failed on the monitor's own checks alone: no verdict, no page to KiAP, a monitor line naming why.
    expect(result.release).toMatchObject({ version, verdict: 'error' });
    expect(result.release!.summary).toMatch(/not judged: only the monitor's own checks failed/);
    expect(storedReleases()).toEqual([]);
    expect(aws.publishes()).toEqual([]);
    expect(logged.find((l) => l.probe === 'monitor:release')).toMatchObject({ class: 'monitor', owner: 'monitor-owner', summary: expect.stringContaining(keySecret('medsign')) });
  }, 120_000);
});
