/**
 * The notifier as Lambda runs it, with the real AWS SDK against the loopback fake (S3, SNS,
 * CloudWatch, Secrets Manager): an EventBridge "CloudWatch Alarm State Change" of a paging
 * composite in, the page out on the owner's topic and on-call's, built from the latest results
 * the probe functions left in S3. Asserts what a person reads: an ASCII subject naming the
 * class, the owner and the cause, a plain-text message with the evidence and a download link
 * that expires within a day; the resolve; what is ignored; and that a failure on the way still
 * pages (the raw alarm) and fails the invocation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLatestResultsStore } from '../../lib/adapters/latest-results-s3.ts';
import { createS3WindowStore } from '../../lib/adapters/window-store-s3.ts';
import { classify } from '../../lib/core/classify.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { latestKey, type LatestResults } from '../../lib/core/latest-results.ts';
import { windowsKey } from '../../lib/core/windows.ts';
import type { ProbeResult } from '../../lib/core/result.ts';
import type { LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { createNotifierHandler, type Delivery, type NotifierDeps } from '../../lib/runtime/notifier-handler.ts';
import { FakeAws, awsErrors, datapoints } from '../support/fake-aws.ts';
import { shippedConfig } from '../support/lambda-env.ts';
import { deploy, type DeployedFunction } from '../support/deployed.ts';
import { rawConfig } from '../support/config.ts';

const BUCKET = 'flp-artifacts-test';
const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const topic = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:flp-prod-${name}`;
const TOPICS = { PLSP: topic('owner-PLSP'), KiAP: topic('owner-KiAP'), 'monitor-owner': topic('owner-monitor-owner'), 'on-call': topic('on-call') };
const DASHBOARD = 'flp-prod-monitor';

const raw = rawConfig({
  environment: 'prod',
  owners: { infrastructure: 'PLSP', sync: 'PLSP', application: 'KiAP', release: 'KiAP', monitor: 'monitor-owner' },
  notify: { channels: [{ type: 'pagerduty', name: 'pd-plsp', owners: ['PLSP'], secretName: 'flp/prod/pagerduty' }] },
});
const config = parseConfig(raw);

let aws: FakeAws;
let lines: Record<string, unknown>[];
/** A PagerDuty Events API stand-in on loopback: the channel's secret points here, never at PagerDuty. */
let pagerDuty: http.Server;
const pdEvents: { event_action: string; dedup_key: string; routing_key: string; payload?: { summary: string } }[] = [];
let saved: NodeJS.ProcessEnv;
let notifier: DeployedFunction;

/** The deployed notifier's environment (its role's grants enforced), with the credentials Lambda gives it. */
function env(fn: DeployedFunction = notifier): NodeJS.ProcessEnv {
  return {
    ...fn.env,
    AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function handler(deps: NotifierDeps = {}) {
  return createNotifierHandler({ env: env(), write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>), ...deps });
}

function context(budgetMs = 30_000): LambdaContext {
  const deadline = Date.now() + budgetMs;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, functionName: 'flp-prod-notifier', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** What CloudWatch sends a Lambda alarm action of a composite alarm (the shape the stack wires: the notifier is each composite's action). */
function alarmEvent(alarmName: string, value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', previous: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', extra: Record<string, unknown> = {}) {
  const at = new Date();
  const ts = (d: Date) => d.toISOString().replace('Z', '+0000');
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`,
    accountId: ACCOUNT,
    time: ts(at),
    region: REGION,
    alarmData: {
      alarmName,
      state: {
        value,
        reason: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:flp-prod-infrastructure-failures transitioned to ${value} at ${at.toUTCString()}`,
        reasonData: '{"triggeringAlarms":[]}',
        timestamp: ts(at),
        ...extra,
      },
      previousState: { value: previous, reason: 'earlier', timestamp: ts(new Date(at.getTime() - 7 * 60_000)) },
      configuration: { alarmRule: 'ALARM("flp-prod-infrastructure-failures")', actionsSuppressor: 'flp-prod-maintenance-window', actionsSuppressorWaitPeriod: 180, actionsSuppressorExtensionPeriod: 180 },
    },
  };
}

/** The same state change as EventBridge's "CloudWatch Alarm State Change" event, which the notifier also takes. */
function asEventBridge(e: ReturnType<typeof alarmEvent>) {
  return {
    version: '0',
    id: `ev-${Math.random().toString(16).slice(2)}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [e.alarmArn],
    detail: e.alarmData,
  };
}

const started = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

function probe(p: Partial<ProbeResult> & Pick<ProbeResult, 'probe' | 'kind' | 'ok'>): ProbeResult {
  return { target: p.probe, startedAt: started(0), durationMs: 40, attempts: 1, steps: [], evidence: [], error: p.ok ? null : 'failed', observations: {}, artifacts: [], ...p };
}

/** The latest results of a database outage: every node's /health says its database is down, the journey sees the gateway's 503. */
function dbDownState(): Record<'nodes' | 'sync' | 'journey', LatestResults> {
  const c = (r: ProbeResult) => classify(r, config.owners);
  const node = (name: string) =>
    c(probe({ probe: `node:${name}`, kind: 'node', ok: false, target: `https://${name}.example.test:8443/health`, error: `/health reports database down (${name})`, evidence: [{ type: 'database-down', url: `https://${name}.example.test:8443/health`, node: name }], observations: { node: name } }));
  const at = new Date().toISOString();
  return {
    nodes: {
      group: 'nodes',
      at,
      results: [node('flp-1'), node('flp-2'), c(probe({ probe: 'lb', kind: 'node', ok: true })), c(probe({ probe: 'release', kind: 'release', ok: true }))],
      failing: { 'node:flp-1': { firstFailingAt: started(6), runs: 6 }, 'node:flp-2': { firstFailingAt: started(5), runs: 5 } },
    },
    sync: { group: 'sync', at, results: [c(probe({ probe: 'sync:lab', kind: 'sync', ok: true }))], failing: {} },
    journey: {
      group: 'journey',
      at,
      results: [
        c(
          probe({
            probe: 'journey',
            kind: 'journey',
            ok: false,
            error: 'launch failed: GET http://flp.example.test:8080/api/patients/2512489996/overview answered 503 from the gateway',
            evidence: [{ type: 'http-status', url: 'http://flp.example.test:8080/api/patients/2512489996/overview', status: 503, origin: 'proxy' }],
            steps: [{ name: 'launch', status: 'failed', startedAt: at, durationMs: 30, error: '503' }],
            artifacts: [`s3://${BUCKET}/prod/2026-12-01T03-05-00-journey/screenshot.png`, `s3://${BUCKET}/prod/2026-12-01T03-05-00-journey/trace.zip`],
          }),
        ),
      ],
      failing: { journey: { firstFailingAt: started(5), runs: 1 } },
    },
  };
}

async function putState(state: Record<string, LatestResults>): Promise<void> {
  const store = createLatestResultsStore({ ...aws.clientConfig, bucket: BUCKET });
  for (const doc of Object.values(state)) await store.write('prod', doc);
  aws.requests.length = 0;
}

beforeAll(async () => {
  aws = await FakeAws.start();
  const deployment = await deploy(raw, aws, { bucket: BUCKET });
  notifier = await deployment.fn('notifier');
  // The stack's names: the owners' topics beside on-call's, the dashboard the pages link.
  expect(Object.fromEntries(deployment.topicArns)).toMatchObject(TOPICS);
  expect(notifier.env.FLP_DASHBOARD_NAME).toBe(DASHBOARD);
  pagerDuty = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      pdEvents.push(JSON.parse(text) as (typeof pdEvents)[number]);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
    });
  });
  await new Promise<void>((resolve) => pagerDuty.listen(0, '127.0.0.1', resolve));
  const pdUrl = `http://127.0.0.1:${(pagerDuty.address() as AddressInfo).port}/v2/enqueue`;
  aws.putSecret('flp/prod/pagerduty', JSON.stringify({ routingKey: 'R0UTINGKEY-not-for-logs', url: pdUrl }));
  // The SDK's credential chain reads the process environment, as in Lambda; the handler gets the rest through deps.env.
  saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
});
afterAll(async () => {
  process.env = saved;
  await aws?.close();
  pagerDuty?.close();
});
beforeEach(() => {
  aws.reset();
  aws.unhandle('GetObject', 'Publish');
  lines = [];
});

const byTopic = () => new Map(aws.publishes().map((p) => [p.topicArn, p]));

describe('the notifier, on a paging composite alarm', () => {
  it('pages PLSP and on-call for a database outage: ASCII subject naming class, owner and cause; the evidence in plain text; links that expire within a day', async () => {
    await putState(dbDownState());
    const sent: Delivery[][] = [];
    const notify = handler({
      sendToChannels: async (n, cfg) => {
        const d: Delivery[] = [{ channel: 'pd-plsp', type: 'pagerduty', ok: true, status: 202, attempts: 1, durationMs: 12 }];
        expect(cfg.environment).toBe('prod');
        expect(n.key).toBe('flp-prod-infrastructure');
        sent.push(d);
        return d;
      },
    });
    const t0 = performance.now();
    const result = await notify(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context());
    const ms = performance.now() - t0;

    expect(result).toMatchObject({ action: 'paged', kind: 'trigger', alarmName: 'flp-prod-infrastructure-page' });
    const pages = aws.publishes();
    expect(pages.map((p) => p.topicArn).sort()).toEqual([TOPICS.PLSP, TOPICS['on-call']].sort());
    // One message for both: the same words for the owner and for on-call.
    const [page] = pages;
    expect(pages[1]).toEqual({ ...page, topicArn: pages[1]!.topicArn });

    const subject = page!.subject!;
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toContain('[FLP prod]');
    expect(subject).toContain('infrastructure - PLSP');
    // The direct checks name the cause; the journey's 503 comes after it.
    expect(subject).toMatch(/ - database down on flp-1, flp-2$/);

    const text = page!.message;
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain('What broke: database down on flp-1, flp-2');
    expect(text).toContain('Whose job: PLSP (infrastructure)');
    expect(text).toMatch(/Since: .+ CE[S]?T .+ UTC\), 6 failing runs/);
    expect(text).toMatch(/Evidence:\n {2}- node:flp-1: .+\n {2}- node:flp-2: .+\n {2}- journey: /);
    expect(text).toContain(`Runbook: ${'The hosting is broken'}`);
    expect(text).toContain(`https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards/dashboard/${DASHBOARD}`);
    expect(text).toContain('#alarmsV2:alarm/flp-prod-infrastructure-page');
    expect(text).toContain('journey: trace.zip (S3 console): https://s3.console.aws.amazon.com/s3/object/');
    // The CPR of the journey's URL never reaches a page.
    expect(text).not.toContain('2512489996');
    expect(text).toContain('  - journey: launch failed: GET http://flp.example.test:8080/api/patients/251248-xxxx/overview answered 503');

    const downloads = [...text.matchAll(/journey: (\S+) \(download, 24 h\): (\S+)/g)].map((m) => ({ file: m[1], url: new URL(m[2]!) }));
    expect(downloads.map((d) => d.file)).toEqual(['screenshot.png', 'trace.zip']);
    for (const { url } of downloads) {
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(0);
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(86_400);
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(url.pathname).toMatch(new RegExp(`^/${BUCKET}/prod/2026-12-01T03-05-00-journey/`));
    }

    // Read the three latest documents, nothing else from S3.
    // The three latest results, and the windows (a page right after one's end says it overran).
    expect(aws.calls('GetObject').map((r) => r.path.split('?')[0]).sort()).toEqual([...['journey', 'nodes', 'sync'].map((g) => `/${BUCKET}/${latestKey('prod', g as 'nodes')}`), `/${BUCKET}/${windowsKey('prod')}`].sort());
    // One delivery, one NotificationFailed point (0: delivered).
    expect(sent).toHaveLength(1);
    expect(datapoints(aws.putMetricData())).toEqual([
      expect.objectContaining({ namespace: 'FLP/Synthetics', name: 'NotificationFailed', value: 0, dimensions: { Environment: 'prod', Channel: 'pd-plsp' } }),
    ]);
    expect(lines.find((l) => l.message === 'page sent')).toMatchObject({ kind: 'trigger', class: 'infrastructure', owner: 'PLSP' });
    console.log(`notifier: a page in ${ms.toFixed(0)} ms`);
  });

  it('resolves on both topics when the composite returns to OK, saying how long it lasted', async () => {
    const state = dbDownState();
    for (const doc of Object.values(state)) {
      doc.results = doc.results.map((r) => ({ ...r, ok: true, class: null, owner: null, evidence: [], artifacts: [] }));
      doc.failing = {};
    }
    await putState(state);
    const result = await handler({ sendToChannels: async () => [] })(alarmEvent('flp-prod-infrastructure-page', 'OK', 'ALARM'), context());
    expect(result).toMatchObject({ action: 'paged', kind: 'resolve' });
    const pages = byTopic();
    expect([...pages.keys()].sort()).toEqual([TOPICS.PLSP, TOPICS['on-call']].sort());
    for (const p of pages.values()) {
      expect(p.subject).toMatch(/^\[FLP prod\] resolved: infrastructure - PLSP - lasted 7 min/);
      expect(p.message).toMatch(/^\[FLP prod\] resolved: infrastructure · PLSP · lasted 7 min.*\n\nResolved at .+ after 7 min/);
    }
  });

  it('ignores an alarm that is not a composite of the policy, a state that pages nobody, and a suppressed change', async () => {
    await putState(dbDownState());
    const notify = handler({ sendToChannels: async () => [] });
    const cases = [
      [alarmEvent('flp-prod-infrastructure-failures', 'ALARM', 'OK'), /not a paging composite alarm of the policy/],
      [alarmEvent('someone-elses-alarm', 'ALARM', 'OK'), /not a paging composite alarm of the policy/],
      [alarmEvent('flp-prod-infrastructure-page', 'INSUFFICIENT_DATA', 'OK'), /state INSUFFICIENT_DATA pages nobody/],
      [alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'ALARM'), /no change/],
      [alarmEvent('flp-prod-application-page', 'ALARM', 'OK', { actionsSuppressedBy: 'Alarm', actionsSuppressedReason: 'Alarm flp-prod-suppressor-… is in ALARM' }), /actions suppressed by Alarm/],
      [{ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, /not an alarm state change/],
    ] as const;
    for (const [event, reason] of cases) {
      const result = await notify(event, context());
      expect(result.action, JSON.stringify(event).slice(0, 80)).toBe('ignored');
      expect(result.reason).toMatch(reason);
    }
    expect(aws.publishes()).toEqual([]);
    expect(lines.filter((l) => /ignored/.test(String(l.message)))).toHaveLength(cases.length);
  });

  it('says the page overran a maintenance window that ended minutes before, with the failure older than its end', async () => {
    await putState(dbDownState());
    const end = new Date(Date.now() - 4 * 60_000);
    const w = { id: 'w-20261201-0200-abcd', start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), reason: 'PLSP database patch', createdAt: new Date(end.getTime() - 7_200_000).toISOString() };
    await createS3WindowStore({ ...aws.clientConfig, bucket: BUCKET, environment: 'prod' }).update(() => ({ list: [w], window: w }));
    aws.requests.length = 0;
    // CloudWatch runs the actions when the extension period after the window's end has passed.
    const event = alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'ALARM');
    (event.alarmData.previousState as Record<string, unknown>).actionsSuppressedBy = 'ExtensionPeriod';
    const result = await handler({ sendToChannels: async () => [] })(event, context());
    expect(result).toMatchObject({ action: 'paged', kind: 'trigger' });
    const [page] = aws.publishes();
    expect(page!.subject).toMatch(/^\[FLP prod\] infrastructure - PLSP - 'PLSP database patch' overran \d\d:\d\d: database down/);
    expect(page!.message).toMatch(/Maintenance overran: maintenance 'PLSP database patch' planned \d\d:\d\d–\d\d:\d\d overran: FLP still failing at \d\d:\d\d/);
  });

  it('pages when CloudWatch runs the actions at the end of the wait period (ALARM held back by WaitPeriod, then ALARM)', async () => {
    await putState(dbDownState());
    const event = alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'ALARM');
    (event.alarmData.previousState as Record<string, unknown>).actionsSuppressedBy = 'WaitPeriod';
    const result = await handler({ sendToChannels: async () => [] })(event, context());
    expect(result).toMatchObject({ action: 'paged', kind: 'trigger' });
    expect(aws.publishes()).toHaveLength(2);
  });

  it('takes the same change as an EventBridge "CloudWatch Alarm State Change" event', async () => {
    await putState(dbDownState());
    const result = await handler({ sendToChannels: async () => [] })(asEventBridge(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK')), context());
    expect(result).toMatchObject({ action: 'paged', kind: 'trigger' });
    expect(aws.publishes().map((p) => p.subject)).toEqual([expect.stringMatching(/infrastructure - PLSP - database down/), expect.stringMatching(/infrastructure - PLSP - database down/)]);
  });

  it('sends trigger and resolve to PagerDuty with the key from its Secrets Manager secret, read once per container and never logged', async () => {
    await putState(dbDownState());
    pdEvents.length = 0;
    const notify = handler();
    for (let i = 0; i < 2; i++) {
      const result = await notify(alarmEvent('flp-prod-infrastructure-page', i === 0 ? 'ALARM' : 'OK', i === 0 ? 'OK' : 'ALARM'), context());
      expect(result.deliveries).toEqual([expect.objectContaining({ channel: 'pd-plsp', type: 'pagerduty', ok: true, status: 202, attempts: 1 })]);
    }
    expect(pdEvents.map((e) => [e.event_action, e.dedup_key, e.routing_key])).toEqual([
      ['trigger', 'flp-prod-infrastructure', 'R0UTINGKEY-not-for-logs'],
      ['resolve', 'flp-prod-infrastructure', 'R0UTINGKEY-not-for-logs'],
    ]);
    expect(pdEvents[0]!.payload!.summary).toMatch(/^\[FLP prod\] infrastructure · PLSP · database down on flp-1, flp-2/);
    expect(aws.calls('GetSecretValue').map((c) => c.json)).toEqual([{ SecretId: 'flp/prod/pagerduty' }]);
    expect(datapoints(aws.putMetricData()).map((p) => [p.name, p.value, p.dimensions.Channel])).toEqual([
      ['NotificationFailed', 0, 'pd-plsp'],
      ['NotificationFailed', 0, 'pd-plsp'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('R0UTINGKEY');
  });
});

describe('a page is never lost', () => {
  const rawAlarmPages = () => aws.publishes().filter((p) => p.subject?.includes('raw alarm'));

  it('publishes the raw alarm to PLSP and on-call and fails the invocation when S3 answers 500', async () => {
    await putState(dbDownState());
    aws.handle('GetObject', () => awsErrors.s3(500, 'InternalError', 'We encountered an internal error. Please try again.'));
    const notify = handler({ sendToChannels: async () => [] });
    await expect(notify(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context())).rejects.toThrow(/InternalError|500/);
    const raw = rawAlarmPages();
    expect(raw.map((p) => p.topicArn).sort()).toEqual([TOPICS.PLSP, TOPICS['on-call']].sort());
    for (const p of raw) {
      expect(p.subject).toMatch(/^\[FLP prod\] ALARM: flp-prod-infrastructure-page \(raw alarm/);
      expect(p.subject!.length).toBeLessThan(100);
      expect(p.message).toContain('State: ALARM since');
      expect(p.message).toContain('Reason: arn:aws:cloudwatch:');
      expect(p.message).toContain('Class: infrastructure. Owner: PLSP. Severity: page.');
      expect(p.message).toContain('#alarmsV2:alarm/flp-prod-infrastructure-page');
    }
    // The SDK retried the 500s before the notifier gave up on them.
    expect(aws.calls('GetObject').length).toBeGreaterThan(3);
    expect(lines.find((l) => l.message === 'monitor failure')).toMatchObject({ class: 'monitor', probe: 'monitor:notifier', owner: 'monitor-owner' });
  });

  it('publishes the raw alarm when building the message throws, once per state change however often Lambda retries it', async () => {
    await putState(dbDownState());
    const notify = handler({
      sendToChannels: async () => [],
      build: () => {
        throw new Error('cannot word this');
      },
    });
    const event = alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK');
    await expect(notify(event, context())).rejects.toThrow('cannot word this');
    await expect(notify(event, context())).rejects.toThrow('cannot word this');
    expect(rawAlarmPages().map((p) => p.topicArn).sort()).toEqual([TOPICS.PLSP, TOPICS['on-call']].sort());
    expect(rawAlarmPages()[0]!.message).toContain('could not build or send the full page (cannot word this)');
  });

  it('publishes the raw alarm before the deadline when reading the state hangs', async () => {
    await putState(dbDownState());
    aws.handle('GetObject', () => ({ status: 200, body: '{}', delayMs: 20_000 }));
    const notify = handler({ sendToChannels: async () => [], deadlineReserveMs: 2_000 });
    const t0 = performance.now();
    await expect(notify(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context(4_000))).rejects.toThrow(/not out with 2000 ms of the function's time left/);
    expect(performance.now() - t0).toBeLessThan(4_000);
    expect(rawAlarmPages()).toHaveLength(2);
  });

  it('rides out SNS throttling with the SDK\'s retries', async () => {
    await putState(dbDownState());
    aws.respond('Publish', awsErrors.sns(429, 'Throttled', 'Rate exceeded'), awsErrors.sns(429, 'Throttled', 'Rate exceeded'));
    const t0 = performance.now();
    const result = await handler({ sendToChannels: async () => [] })(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context());
    expect(result.action).toBe('paged');
    expect(result.published.map((p) => p.topicArn).sort()).toEqual([TOPICS.PLSP, TOPICS['on-call']].sort());
    // Two throttled attempts, then both pages: four Publish calls, no raw alarm.
    expect(aws.calls('Publish')).toHaveLength(4);
    expect(rawAlarmPages()).toEqual([]);
    console.log(`notifier: throttled twice, paged in ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('sends the full page to the topic that missed it and the raw alarm to none when one topic keeps refusing', async () => {
    await putState(dbDownState());
    aws.handle('Publish', (r) => (r.form?.TopicArn === TOPICS.PLSP ? awsErrors.sns(500, 'InternalError', 'boom') : { status: 200, headers: { 'content-type': 'text/xml' }, body: '<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>' }));
    await expect(handler({ sendToChannels: async () => [] })(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context())).rejects.toThrow(/boom|InternalError/);
    // On-call got the full page; PLSP's topic was tried with the full page, then the raw alarm (refused too: logged).
    const onCall = aws.publishes().filter((p) => p.topicArn === TOPICS['on-call']);
    expect(onCall).toHaveLength(1);
    expect(onCall[0]!.subject).not.toContain('raw alarm');
    expect(aws.publishes().filter((p) => p.topicArn === TOPICS.PLSP && p.subject?.includes('raw alarm')).length).toBeGreaterThan(0);
    expect(lines.find((l) => l.message === 'raw alarm not published')).toBeDefined();
  });

  it('gives on-call the raw alarm when the config cannot be read', async () => {
    const notify = createNotifierHandler({ env: { ...env(), ...shippedConfig('{"environment": 1}') }, write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    await expect(notify(alarmEvent('flp-prod-infrastructure-page', 'ALARM', 'OK'), context())).rejects.toThrow(/flp-config\.json is not valid/);
    expect(rawAlarmPages().map((p) => p.topicArn)).toEqual([TOPICS['on-call']]);
  });
  it('pages an LPS vendor on its own topic and KiAP\'s (and on-call\'s), with the vendor\'s channels and KiAP\'s, for that vendor\'s refused launches only', async () => {
    const rawLps = {
      ...raw,
      lps: { profiles: [{ system: 'test-journal', vendor: 'KiAP', style: 'query' }, { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/prod/lps/medsign' }, { system: 'praksisnet', vendor: 'PraksisNet', style: 'query' }], statsMinutes: 1 },
      notify: { channels: [{ type: 'pagerduty', name: 'pd-plsp', owners: ['PLSP'], secretName: 'flp/prod/pagerduty' }, { type: 'webhook', name: 'hook-medsign', owners: ['MedSign ApS'], secretName: 'flp/prod/medsign' }, { type: 'webhook', name: 'hook-kiap', owners: ['KiAP'], secretName: 'flp/prod/kiap' }, { type: 'webhook', name: 'hook-praksisnet', owners: ['PraksisNet'], secretName: 'flp/prod/praksisnet' }] },
    };
    const lpsConfig = parseConfig(rawLps);
    const topics = { ...TOPICS, 'MedSign ApS': topic('owner-MedSign-ApS'), PraksisNet: topic('owner-PraksisNet') };
    const c = (r: ProbeResult) => classify(r, lpsConfig.owners);
    const refused = (system: string, vendor: string) =>
      c(probe({ probe: `lps:${system}`, kind: 'lps', ok: false, error: `${vendor}'s LPS no longer launches FLP as certified: 9 of 10 real ${system} launches refused`, evidence: [{ type: 'lps-refused', system, vendor, scope: 'system', launches: 10, rejected: 9, percent: 90, maxPercent: 20, windowMinutes: 1, lastRejected: null }], observations: { system, vendor } }));
    const at = new Date().toISOString();
    await putState({
      nodes: { group: 'nodes', at, results: [c(probe({ probe: 'lb', kind: 'node', ok: true })), c(probe({ probe: 'launch:medsign', kind: 'launch', ok: true })), refused('medsign', 'MedSign ApS'), refused('praksisnet', 'PraksisNet')], failing: { 'lps:medsign': { firstFailingAt: started(4), runs: 4 } } },
      sync: { group: 'sync', at, results: [c(probe({ probe: 'sync:lab', kind: 'sync', ok: true }))], failing: {} },
      journey: { group: 'journey', at, results: [c(probe({ probe: 'journey', kind: 'journey', ok: true }))], failing: {} },
    });
    const asked: { key: string; owners: readonly string[] | undefined; subject: string }[] = [];
    const notify = handler({
      env: env(await (await deploy(rawLps, aws, { bucket: BUCKET })).fn('notifier')),
      sendToChannels: async (n, _cfg, owners) => {
        asked.push({ key: n.key, owners, subject: n.subject });
        return [];
      },
    });
    const result = await notify(alarmEvent('flp-prod-lps-medsign-aps', 'ALARM', 'OK'), context());
    expect(result).toMatchObject({ action: 'paged', kind: 'trigger' });
    expect(aws.publishes().map((p) => p.topicArn).sort()).toEqual([topics['MedSign ApS'], topics.KiAP, topics['on-call']].sort());
    const page = aws.publishes()[0]!;
    expect(page.subject).toMatch(/^\[FLP prod\] lps - MedSign ApS - MedSign ApS's medsign launches refused/);
    expect(page.message).toContain('Whose job: MedSign ApS (lps); told too: KiAP');
    expect(page.message).not.toContain('praksisnet');
    expect(asked).toEqual([{ key: 'flp-prod-lps-medsign-aps', owners: ['MedSign ApS', 'KiAP'], subject: expect.stringContaining('lps · MedSign ApS') }]);
  });
});

// Every call the handlers sent was one the deployed role allows (a refused one is AccessDenied, as in AWS).
afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));
