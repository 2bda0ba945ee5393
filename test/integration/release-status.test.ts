/**
 * `flp-monitor release status` through `main()`: the last release verdicts from the local release
 * store (`<store.dir>/releases.json`) and from CloudWatch's `Release` metric, the latter through
 * the real `@aws-sdk/client-cloudwatch` against the loopback fake (ListMetrics and GetMetricData
 * in AWS JSON 1.0), with the requests the SDK sent checked for namespace, metric and dimensions.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { releaseMetricRecord, releaseRecord, type ReleaseRecord } from '../../lib/core/records.ts';
import { ReleaseStore } from '../../lib/adapters/release-store.ts';
import { createCloudWatchReleases, releaseBands } from '../../lib/adapters/cloudwatch-releases.ts';
import { showLocal } from '../../lib/reports/sla/time.ts';
import { rawConfig } from '../support/config.ts';
import { FAKE_AWS, FakeAws, type RecordedRequest, type ScriptedResponse } from '../support/fake-aws.ts';
import { serveGetMetricData, type DecodedGetMetricData } from '../support/sla-records.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NAMESPACE = 'FLP/ReleaseTest';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** A config in a directory of its own, its store in `<dir>/store`. */
async function setup(overrides: Record<string, unknown> = {}): Promise<{ file: string; storeDir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-release-'));
  const storeDir = path.join(dir, 'store');
  const file = path.join(dir, 'flp-monitor.config.json');
  await writeFile(file, JSON.stringify(rawConfig({ store: { dir: storeDir }, aws: { namespace: NAMESPACE }, ...overrides })));
  return { file, storeDir };
}

const verdict = (r: Omit<ReleaseRecord, 'type' | 'environment'>): ReleaseRecord => releaseRecord({ environment: 'test', ...r });

// Oldest first, as the store keeps them: a canary pass, the monitor's verification at a window's end, a failing canary of the next release.
const STORED: ReleaseRecord[] = [
  verdict({ timestamp: '2026-09-01T08:00:00.000Z', version: '2026.3.0', verdict: 'pass', summary: 'every check passed over 3 runs' }),
  verdict({ timestamp: '2026-11-22T01:23:18.288Z', version: '2026.4.1', verdict: 'pass', summary: 'release 2026.4.1 verified: 2/2 nodes on 2026.4.1, 3 journeys passed', windowId: 'w-2026-11-22-release' }),
  verdict({ timestamp: '2026-12-01T09:30:00.000Z', version: '2026.4.2', verdict: 'fail', summary: 'version flp-2 failed (release, owner KiAP): expected 2026.4.2, observed 2026.4.1 in 3/3 runs' }),
];

describe('release status from the local store', () => {
  let file: string;
  beforeAll(async () => {
    const s = await setup({ target: { ...(rawConfig().target as object), expectedVersion: '2026.2.0' } });
    file = s.file;
    await new ReleaseStore(s.storeDir).write(STORED);
  });

  it('lists the verdicts newest first with time, version, verdict, who checked and the summary, after the version later runs expect', async () => {
    const r = await cli('release', 'status', '--config', file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    // The newest verdict failed: later runs expect the newest passing one, not the config's.
    expect(lines[0]).toBe(`expected now: 2026.4.1 (verified ${showLocal(new Date('2026-11-22T01:23:18.288Z'))})`);
    expect(lines[0]).toBe('expected now: 2026.4.1 (verified 2026-11-22 02:23:18 +01:00)');
    expect(lines[2]).toMatch(/^time +version +verdict +checked by +summary$/);
    const rows = lines.slice(4, 7);
    expect(rows[0]).toMatch(/^2026-12-01 10:30 \+01:00 +2026\.4\.2 +FAIL +canary +version flp-2 failed \(release, owner KiAP\): expected 2026\.4\.2, observed 2026\.4\.1 in 3\/3 runs$/);
    expect(rows[1]).toMatch(/^2026-11-22 02:23:18 \+01:00 +2026\.4\.1 +PASS +verified at window end \(w-2026-11-22-release\) +release 2026\.4\.1 verified: 2\/2 nodes/);
    expect(rows[2]).toMatch(/^2026-09-01 10:00 \+02:00 +2026\.3\.0 +PASS +canary +every check passed over 3 runs$/);
    expect(lines.at(-1)).toMatch(/^3 verdicts in .*store\/releases\.json$/);
  });

  it('prints exactly one JSON document { expected, releases } with --json', async () => {
    const r = await cli('release', 'status', '--json', '--config', file);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['expected', 'releases']);
    expect(doc).toEqual({
      expected: { version: '2026.4.1', since: '2026-11-22T01:23:18.288Z', source: 'local' },
      releases: [
        { timestamp: '2026-12-01T09:30:00.000Z', version: '2026.4.2', verdict: 'fail', summary: STORED[2]!.summary },
        { timestamp: '2026-11-22T01:23:18.288Z', version: '2026.4.1', verdict: 'pass', windowId: 'w-2026-11-22-release', summary: STORED[1]!.summary },
        { timestamp: '2026-09-01T08:00:00.000Z', version: '2026.3.0', verdict: 'pass', summary: STORED[0]!.summary },
      ],
    });
  });

  it('--limit keeps the newest N, and the expected version still comes from all of them', async () => {
    const text = await cli('release', 'status', '--limit', '1', '--config', file);
    expect(text.code).toBe(0);
    expect(text.out).toContain('expected now: 2026.4.1 (verified');
    expect(text.out).toContain('2026.4.2');
    expect(text.out).not.toMatch(/2026\.3\.0/);
    expect(text.out).toMatch(/the newest 1 of 3 verdicts in /);
    const json = JSON.parse((await cli('release', 'status', '--json', '--limit', '2', '--config', file)).out) as { expected: { version: string }; releases: { version: string }[] };
    expect(json.releases.map((x) => x.version)).toEqual(['2026.4.2', '2026.4.1']);
    expect(json.expected.version).toBe('2026.4.1');
  });

  it('sorts a hand-edited file newest first', async () => {
    const s = await setup();
    await mkdir(s.storeDir, { recursive: true });
    await writeFile(path.join(s.storeDir, 'releases.json'), JSON.stringify([STORED[1], STORED[2], STORED[0]]));
    const doc = JSON.parse((await cli('release', 'status', '--json', '--config', s.file)).out) as { releases: { version: string }[] };
    expect(doc.releases.map((x) => x.version)).toEqual(['2026.4.2', '2026.4.1', '2026.3.0']);
  });

  it('says so in a sentence when the store holds no verdict yet, and expects the config\'s version or none', async () => {
    const withVersion = await setup({ target: { ...(rawConfig().target as object), expectedVersion: '2026.2.0' } });
    const r = await cli('release', 'status', '--config', withVersion.file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      `expected now: 2026.2.0 (target.expectedVersion in the config; no passing verdict)\n\nNo release verdicts yet in ${path.join(withVersion.storeDir, 'releases.json')}: a canary or the monitor's verification at a release window's end records them there.\n`,
    );
    expect(JSON.parse((await cli('release', 'status', '--json', '--config', withVersion.file)).out)).toEqual({ expected: { version: '2026.2.0', since: null, source: 'config' }, releases: [] });

    const bare = await setup();
    const b = await cli('release', 'status', '--config', bare.file);
    expect(b.code).toBe(0);
    expect(b.out.split('\n')[0]).toBe('expected now: nodes need only agree (no passing verdict, no target.expectedVersion in the config)');
    expect(JSON.parse((await cli('release', 'status', '--json', '--config', bare.file)).out)).toEqual({ expected: null, releases: [] });
  });

  it('exits 2 naming the file when releases.json is not valid, without a stack', async () => {
    const s = await setup();
    const store = path.join(s.storeDir, 'releases.json');
    await mkdir(s.storeDir, { recursive: true });
    for (const [content, why] of [
      ['[{"type": "release", ', /not valid JSON/],
      ['{"releases": []}', /not a list of release verdicts/],
      [JSON.stringify([{ ...STORED[0], verdict: 'maybe' }]), /entry 1 \(version 2026\.3\.0\) has verdict "maybe"/],
      [JSON.stringify([{ ...STORED[0], timestamp: 'yesterday' }]), /entry 1 \(version 2026\.3\.0\) has no valid timestamp/],
    ] as const) {
      await writeFile(store, content);
      for (const json of [[], ['--json']]) {
        const r = await cli('release', 'status', ...json, '--config', s.file);
        expect(r.code, r.err).toBe(2);
        expect(r.out).toBe('');
        expect(r.err.startsWith(`flp-monitor: ${store}: `), r.err).toBe(true);
        expect(r.err).toMatch(why);
        expect(r.err.trimEnd().split('\n')).toHaveLength(1);
        expect(r.err).not.toMatch(/\n\s+at /);
      }
    }
  });

  it('exits 2 with one line for an unknown source or a bad --limit, and for a config that is not valid', async () => {
    const s = await setup();
    const cases: [string[], string][] = [
      [['--source', 's3'], 'flp-monitor: --source must be local or cloudwatch, not "s3"\n'],
      [['--limit', '0'], 'flp-monitor: --limit must be a whole number greater than 0, not "0"\n'],
      [['--limit', 'ten'], 'flp-monitor: --limit must be a whole number greater than 0, not "ten"\n'],
      [['--limit', '2.5'], 'flp-monitor: --limit must be a whole number greater than 0, not "2.5"\n'],
    ];
    for (const [args, message] of cases) expect(await cli('release', 'status', ...args, '--config', s.file)).toEqual({ code: 2, out: '', err: message });
    const missing = await cli('release', 'status', '--config', path.join(path.dirname(s.file), 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^flp-monitor: .*nope\.json/);
  });
});

describe('release status --source cloudwatch', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await FakeAws.start();
  });
  afterAll(async () => {
    await aws?.close();
  });
  beforeEach(() => {
    aws.reset();
    aws.unhandle('ListMetrics', 'GetMetricData');
    // Where `sla --source cloudwatch` finds CloudWatch: the SDK's own chain, pointed at the fake.
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', aws.endpoint);
    vi.stubEnv('AWS_REGION', FAKE_AWS.region);
    vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_AWS.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_AWS.credentials.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', path.join(os.tmpdir(), 'flp-release-no-aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(os.tmpdir(), 'flp-release-no-aws-credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** ListMetrics answered in two pages, as CloudWatch does past 500 metrics. */
  function serveListMetrics(versions: string[]): RecordedRequest[] {
    const seen: RecordedRequest[] = [];
    const metric = (dims: Record<string, string>) => ({ Namespace: NAMESPACE, MetricName: 'Release', Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) });
    const first = versions.slice(0, 1).map((v) => metric({ Environment: 'test', Version: v }));
    // Not the canary's shape: skipped.
    first.push(metric({ Environment: 'test', Version: '9.9.9', Extra: 'x' }));
    const second = versions.slice(1).map((v) => metric({ Environment: 'test', Version: v }));
    aws.handle('ListMetrics', (request): ScriptedResponse => {
      seen.push(request);
      const token = (request.json as { NextToken?: string }).NextToken;
      return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: token === 'page-2' ? { Metrics: second } : { Metrics: first, NextToken: 'page-2' } };
    });
    return seen;
  }

  const floorHour = (t: number) => Math.floor(t / HOUR) * HOUR;

  it('lists the versions ListMetrics names, reads their verdicts over 400 days at the periods CloudWatch keeps, and says where summaries are', async () => {
    const now = Date.now();
    // Times on whole periods, so the points come back exactly where they were put.
    const t = {
      recentFail: floorHour(now - 1 * DAY) + 7 * 60_000,
      recentPass: floorHour(now - 2 * DAY) + 17 * 60_000,
      monthPass: floorHour(now - 30 * DAY) + 10 * 60_000,
      monthFail: floorHour(now - 30 * DAY) - 2 * HOUR,
      oldPass: floorHour(now - 200 * DAY),
      forgotten: floorHour(now - 300 * DAY),
    };
    const point = (version: string, at: number, pass: boolean) =>
      releaseMetricRecord({ timestamp: new Date(at).toISOString(), environment: 'test', version, verdict: pass ? 'pass' : 'fail' }, NAMESPACE);
    const records = [
      point('2026.4.3', t.recentFail, false),
      point('2026.4.2', t.recentPass, true),
      point('2026.4.1', t.monthPass, true),
      point('2026.4.1', t.monthFail, false),
      point('2026.1.0', t.oldPass, true),
      // No one names it and ListMetrics forgot it: not found.
      point('2025.4.0', t.forgotten, true),
    ];
    const listCalls = serveListMetrics(['2026.4.3', '2026.4.2']);
    const server = serveGetMetricData(aws, records);
    // 2026.4.1 only the local store knows; 2026.1.0 only the config.
    const s = await setup({ target: { ...(rawConfig().target as object), expectedVersion: '2026.1.0' } });
    await new ReleaseStore(s.storeDir).write([verdict({ timestamp: new Date(t.monthPass).toISOString(), version: '2026.4.1', verdict: 'pass', summary: 'every check passed' })]);

    const r = await cli('release', 'status', '--source', 'cloudwatch', '--config', s.file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');

    // ListMetrics: the namespace of the config, the Release metric, this environment; both pages read.
    expect(listCalls.map((c) => c.headers['x-amz-target'])).toEqual(['GraniteServiceVersion20100801.ListMetrics', 'GraniteServiceVersion20100801.ListMetrics']);
    expect(listCalls.map((c) => c.json)).toEqual([
      { Namespace: NAMESPACE, MetricName: 'Release', Dimensions: [{ Name: 'Environment', Value: 'test' }] },
      { Namespace: NAMESPACE, MetricName: 'Release', Dimensions: [{ Name: 'Environment', Value: 'test' }], NextToken: 'page-2' },
    ]);

    // GetMetricData: three ranges over 400 days, 60 s / 300 s / 3600 s, Maximum and Minimum per version.
    const calls: DecodedGetMetricData[] = server.requests;
    expect(calls.map((c) => c.MetricDataQueries[0]!.MetricStat.Period)).toEqual([60, 300, 3600]);
    expect(calls[2]!.StartTime.getTime()).toBe(floorHour(now - 400 * DAY));
    expect(now - calls[0]!.StartTime.getTime()).toBeLessThan(15 * DAY);
    expect(now - calls[1]!.StartTime.getTime()).toBeLessThan(63 * DAY);
    expect(calls[0]!.EndTime.getTime()).toBeGreaterThan(now);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.EndTime).toEqual(calls[i - 1]!.StartTime);
    for (const c of calls) {
      const series = c.MetricDataQueries.map((q) => [q.MetricStat.Metric.Namespace, q.MetricStat.Metric.MetricName, q.MetricStat.Metric.Dimensions, q.MetricStat.Stat, q.ReturnData]);
      expect(series).toEqual(
        ['2026.4.3', '2026.4.2', '2026.4.1', '2026.1.0'].flatMap((v) =>
          ['Maximum', 'Minimum'].map((stat) => [NAMESPACE, 'Release', [{ Name: 'Environment', Value: 'test' }, { Name: 'Version', Value: v }], stat, true]),
        ),
      );
    }

    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`expected now: 2026.4.2 (verified ${showLocal(new Date(t.recentPass))})`);
    const rows = lines.slice(4, 9);
    const row = (at: number, version: string, word: string) =>
      new RegExp(`^${showLocal(new Date(at)).replace(/\+/g, '\\+')} +${version.replace(/\./g, '\\.')} +${word} +\\(not in CloudWatch\\) +\\(summary in the local store or the function logs\\)$`);
    expect(rows[0]).toMatch(row(t.recentFail, '2026.4.3', 'FAIL'));
    expect(rows[1]).toMatch(row(t.recentPass, '2026.4.2', 'PASS'));
    expect(rows[2]).toMatch(row(t.monthPass, '2026.4.1', 'PASS'));
    expect(rows[3]).toMatch(row(t.monthFail, '2026.4.1', 'FAIL'));
    expect(rows[4]).toMatch(row(t.oldPass, '2026.1.0', 'PASS'));
    expect(r.out).not.toContain('2025.4.0');
    expect(r.out).toMatch(/for 4 versions: 2 listed by CloudWatch, and 2026\.4\.1, 2026\.1\.0 from the local store or target\.expectedVersion/);

    const json = await cli('release', 'status', '--source', 'cloudwatch', '--json', '--limit', '3', '--config', s.file);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toEqual({
      expected: { version: '2026.4.2', since: new Date(t.recentPass).toISOString(), source: 'cloudwatch' },
      releases: [
        { timestamp: new Date(t.recentFail).toISOString(), version: '2026.4.3', verdict: 'fail' },
        { timestamp: new Date(t.recentPass).toISOString(), version: '2026.4.2', verdict: 'pass' },
        { timestamp: new Date(t.monthPass).toISOString(), version: '2026.4.1', verdict: 'pass' },
      ],
    });
  });

  it('says so when CloudWatch holds no verdict, and exits 2 naming CloudWatch when it cannot be read', async () => {
    serveListMetrics([]);
    serveGetMetricData(aws, []);
    const s = await setup();
    const r = await cli('release', 'status', '--source', 'cloudwatch', '--config', s.file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`No release verdicts in CloudWatch ${NAMESPACE} (metric Release, Environment=test) over the last 400 days.`);
    expect(JSON.parse((await cli('release', 'status', '--source', 'cloudwatch', '--json', '--config', s.file)).out)).toEqual({ expected: null, releases: [] });

    aws.unhandle('ListMetrics');
    aws.respond('ListMetrics', { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'com.amazonaws.cloudwatch#AccessDeniedException', message: 'not authorized to perform cloudwatch:ListMetrics' } });
    const denied = await cli('release', 'status', '--source', 'cloudwatch', '--config', s.file);
    expect(denied.code).toBe(2);
    expect(denied.err).toMatch(new RegExp(`^flp-monitor: could not read CloudWatch ${NAMESPACE}: ListMetrics failed: .*not authorized to perform cloudwatch:ListMetrics\\n$`));
  });

  it('lists a pass and a fail of one version in one period as both, the pass as the later', async () => {
    const now = new Date();
    const at = floorHour(now.getTime() - 100 * DAY);
    serveListMetrics(['2026.2.0']);
    serveGetMetricData(aws, [
      releaseMetricRecord({ timestamp: new Date(at + 5 * 60_000).toISOString(), environment: 'test', version: '2026.2.0', verdict: 'fail' }, NAMESPACE),
      releaseMetricRecord({ timestamp: new Date(at + 40 * 60_000).toISOString(), environment: 'test', version: '2026.2.0', verdict: 'pass' }, NAMESPACE),
    ]);
    const config = parseConfig(rawConfig({ aws: { namespace: NAMESPACE } }));
    const reader = createCloudWatchReleases({ config, client: new CloudWatchClient({ ...aws.clientConfig, maxAttempts: 1 }), now: () => now });
    const reading = await reader.read();
    expect(reading.points).toEqual([
      { timestamp: new Date(at).toISOString(), version: '2026.2.0', verdict: 'pass', periodSeconds: 3600, samePeriod: true },
      { timestamp: new Date(at).toISOString(), version: '2026.2.0', verdict: 'fail', periodSeconds: 3600, samePeriod: true },
    ]);
    expect(reading.listed).toEqual(['2026.2.0']);
    expect(releaseBands(now).map((b) => b.periodSeconds)).toEqual([60, 300, 3600]);
  });
});
