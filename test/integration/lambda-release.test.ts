/**
 * Release verification in the deployment: the journey handler, run locally in the Lambda
 * Chromium against the sandbox with S3, CloudWatch and SNS on the loopback fake, finds a release
 * window that ended in `state/test/windows.json`, verifies it after its own run (two runs, the
 * journey on each node in its one Lambda browser), keeps the verdict in
 * `state/test/releases.json`, publishes the `Release` metric and tells KiAP's and the window
 * owner's topics, once: the next invocation does not verify again. The nodes handler then
 * expects the verified version; a verification without the time for it is skipped and left for
 * the next invocation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../lib/core/records.ts';
import type { RuntimeWindow } from '../../lib/core/windows.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { FakeAws, datapoints } from '../support/fake-aws.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { serveGetMetricData } from '../support/sla-records.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const BUCKET = 'flp-artifacts-test';
const WINDOWS = `${BUCKET}/state/test/windows.json`;
const RELEASES = `${BUCKET}/state/test/releases.json`;
/** The topics as the stack names them (lib/core/resource-names.ts): on-call's ARN is in the environment, the owners' follow from it. */
const TOPICS = {
  KiAP: 'arn:aws:sns:eu-central-1:123456789012:flp-test-owner-KiAP',
  PLSP: 'arn:aws:sns:eu-central-1:123456789012:flp-test-owner-PLSP',
  'monitor-owner': 'arn:aws:sns:eu-central-1:123456789012:flp-test-owner-monitor-owner',
  'on-call': 'arn:aws:sns:eu-central-1:123456789012:flp-test-on-call',
};

let fx: SandboxFixture;
let aws: FakeAws;
/** PLSP's webhook channel on loopback: the verdict reaches the window owner's channel too. */
let hook: http.Server;
let hookUrl = '';
const hooked: { kind: string; key: string; subject: string }[] = [];
let tmp: string;
let deployed: Record<'journey' | 'nodes', DeployedFunction>;
const HOOK_SECRET = 'flp-monitor/test/plsp-hook';
const logged: Record<string, unknown>[] = [];

function lambdaContext(budgetMs: number): LambdaContext {
  const deadline = Date.now() + budgetMs;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, functionName: 'flp-test-journey', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A new container of the deployed journey function (or nodes, for `.nodes`), its role's grants enforced. */
function handlers(fn: 'journey' | 'nodes' = 'journey') {
  return createHandlers({ env: deployed[fn].env, tmpDir: tmp, write: (l) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
}

function releaseWindow(id: string, release: string, endedMinutesAgo: number, owner?: string): RuntimeWindow {
  const end = new Date(Date.now() - endedMinutesAgo * 60_000);
  return { id, start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), reason: `release ${release}`, release, ...(owner ? { owner } : {}), createdAt: new Date(end.getTime() - 7_200_000).toISOString() };
}

const putWindows = (list: RuntimeWindow[]) => aws.objects.set(WINDOWS, { body: Buffer.from(JSON.stringify(list)), contentType: 'application/json' });
const storedReleases = () => (aws.objects.has(RELEASES) ? (JSON.parse(aws.objects.get(RELEASES)!.body.toString('utf8')) as ReleaseRecord[]) : []);

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      hooked.push(JSON.parse(text) as (typeof hooked)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  // As deployed: the channel's URL in its secret, the stack granting the journey function that secret.
  const deployment = await deploy({ ...fx.raw, notify: { channels: [{ type: 'webhook', name: 'plsp-hook', owners: ['PLSP'], secretName: HOOK_SECRET }] } }, aws, { bucket: BUCKET });
  deployed = { journey: await deployment.fn('journey'), nodes: await deployment.fn('nodes') };
  expect(Object.fromEntries(deployment.topicArns)).toMatchObject(TOPICS);
  aws.putSecret(HOOK_SECRET, hookUrl);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-lambda-release-'));
  // The SDK's credential chain reads these; nothing leaves 127.0.0.1.
  process.env.AWS_ACCESS_KEY_ID = aws.clientConfig.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.clientConfig.credentials.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  // No history yet: the baseline is empty and latency is not judged.
  serveGetMetricData(aws, []);
}, 60_000);

afterAll(async () => {
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  hook?.close();
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  aws.reset();
  fx.sandbox.clearFaults();
  logged.length = 0;
});

describe('the journey function verifies a release whose window ended', () => {
  it('verifies it once, keeps the verdict in S3, publishes Release and tells KiAP and the owner; the nodes function then expects the version', async () => {
    const version = fx.sandbox.version;
    putWindows([releaseWindow('w-20261201-0100-aaaa', version, 2, 'PLSP')]);
    const h = handlers();

    const first = await h.journey({}, lambdaContext(600_000));
    expect(first.ok).toBe(true);
    expect(first.release).toMatchObject({ version, windowId: 'w-20261201-0100-aaaa', verdict: 'pass', topics: [TOPICS.KiAP, TOPICS.PLSP] });
    expect(first.release!.summary).toBe(`release ${version} verified: 3/3 nodes on ${version}, 4 journeys passed`);

    expect(storedReleases()).toEqual([expect.objectContaining({ type: 'release', version, verdict: 'pass', windowId: 'w-20261201-0100-aaaa', environment: 'test' })]);
    expect(aws.calls('PutObject').filter((c) => c.path.startsWith(`/${RELEASES}`))[0]!.headers['if-none-match']).toBe('*');
    const release = datapoints(aws.putMetricData()).filter((p) => p.name === 'Release');
    expect(release).toEqual([expect.objectContaining({ value: 1, dimensions: expect.objectContaining({ Environment: 'test' }) })]);
    // The verification's own probes publish nothing: no node-journey series (cost model unaffected).
    expect(datapoints(aws.putMetricData()).filter((p) => p.dimensions.Probe?.startsWith('journey:'))).toEqual([]);
    const published = aws.publishes();
    expect(published.map((p) => p.topicArn)).toEqual([TOPICS.KiAP, TOPICS.PLSP]);
    expect(published[0]!.subject).toBe(`[FLP test] release ${version} verified: 3/3 nodes on ${version}, 4 journeys passed`);
    expect(published[0]!.message).toContain('Window: release');
    expect(logged.find((l) => l.message === 'release verified')).toMatchObject({ version, verdict: 'pass', channels: [{ channel: 'plsp-hook', ok: true }] });
    // The window owner's channel got the news (a notice: it opens no incident), counted as delivered.
    expect(hooked.map((h) => [h.kind, h.subject])).toEqual([['notice', `[FLP test] release ${version} verified: 3/3 nodes on ${version}, 4 journeys passed`]]);
    expect(datapoints(aws.putMetricData()).filter((p) => p.name === 'NotificationFailed').map((p) => [p.value, p.dimensions.Channel])).toEqual([[0, 'plsp-hook']]);
    // The baseline came from CloudWatch.
    expect(aws.calls('GetMetricData').length).toBeGreaterThan(0);

    // Once: the next invocation reads the verdict (and the window, still there) and verifies nothing.
    const writes = () => aws.calls('PutObject').filter((c) => c.path.startsWith(`/${RELEASES}`)).length;
    const [publishedBefore, writesBefore] = [aws.publishes().length, writes()];
    const second = await h.journey({}, lambdaContext(600_000));
    expect(second.ok).toBe(true);
    expect(second.release).toBeUndefined();
    expect(aws.objects.has(WINDOWS)).toBe(true);
    expect(aws.publishes()).toHaveLength(publishedBefore);
    expect(hooked).toHaveLength(1);
    expect(writes()).toBe(writesBefore);
    expect(storedReleases()).toHaveLength(1);

    // A fresh nodes container takes the verified version from S3: a node on another version fails the release check.
    aws.objects.set(RELEASES, { body: Buffer.from(JSON.stringify([{ ...storedReleases()[0], version: '2099.1.0' }])), contentType: 'application/json' });
    const reads = () => aws.calls('GetObject').filter((c) => c.path.startsWith(`/${RELEASES}`)).length;
    const before = reads();
    const nodes = await handlers('nodes').nodes({}, lambdaContext(60_000));
    // One GET of the verdicts per invocation.
    expect(reads() - before).toBe(1);
    const check = nodes.results.find((r) => r.kind === 'release')!;
    expect(check.ok).toBe(false);
    expect(check.summary).toContain('2099.1.0');
  }, 240_000);

  it('skips a verification the time left cannot hold, and the next invocation with time verifies it', async () => {
    const version = fx.sandbox.version;
    putWindows([releaseWindow('w-20261201-0200-bbbb', version, 1)]);
    const h = handlers();
    const short = await h.journey({}, lambdaContext(15_000));
    expect(short.release).toMatchObject({ verdict: 'skipped', windowId: 'w-20261201-0200-bbbb' });
    expect(logged.find((l) => l.message === 'release verification skipped')).toMatchObject({ windowId: 'w-20261201-0200-bbbb', summary: expect.stringMatching(/next invocation tries again/) });
    expect(storedReleases()).toEqual([]);
    expect(aws.publishes()).toEqual([]);
    // The window's owner is the release's (KiAP): one topic.
    const next = await h.journey({}, lambdaContext(600_000));
    expect(next.release).toMatchObject({ verdict: 'pass', windowId: 'w-20261201-0200-bbbb', topics: [TOPICS.KiAP] });
    expect(storedReleases().map((r) => r.windowId)).toEqual(['w-20261201-0200-bbbb']);
  }, 120_000);
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
