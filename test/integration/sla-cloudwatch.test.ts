/**
 * The SLA report from CloudWatch: the real `@aws-sdk/client-cloudwatch` against a loopback
 * CloudWatch that answers GetMetricData from records known by construction, in pages. The
 * decoded requests are checked (namespace, metric names, dimensions, period, statistics), every
 * page must be read, and the figures must match those from the local store. And the maintenance
 * alarm's DescribeAlarmHistory, scripted on the fake: a change into ALARM made with
 * set-alarm-state is listed as a window "set by hand"; a history that cannot be read is a note.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maintenanceAlarmName, slaCommand } from '../../lib/cli/sla.ts';
import { handSetPeriods } from '../../lib/adapters/alarm-history.ts';
import { parseConfig, type Config } from '../../lib/core/config.ts';
import { choosePeriod, createCloudWatchHistory } from '../../lib/adapters/cloudwatch-history.ts';
import { historyFromRecords } from '../../lib/adapters/local-history.ts';
import { computeSla } from '../../lib/reports/sla/compute.ts';
import { rawConfig } from '../support/config.ts';
import { FakeAws } from '../support/fake-aws.ts';
import { alarmStateUpdate, buildRecords, serveAlarmHistory, serveGetMetricData, type DecodedGetMetricData } from '../support/sla-records.ts';

const DAY = 86_400_000;
let aws: FakeAws;

beforeAll(async () => {
  aws = await FakeAws.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => aws.reset());

function client(): CloudWatchClient {
  return new CloudWatchClient({ ...aws.clientConfig, maxAttempts: 1 });
}

const config: Config = parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 } }));
const FROM = new Date('2026-11-02T00:00:00+01:00');
const TO = new Date('2026-11-03T00:00:00+01:00');
const NOW = new Date('2026-11-05T12:00:00Z');
const OUTAGES = [
  { service: 'journey', from: '2026-11-02T10:00:00+01:00', to: '2026-11-02T10:30:00+01:00', class: 'infrastructure' as const, summary: 'launch: 503' },
  { service: 'lb', from: '2026-11-02T10:00:00+01:00', to: '2026-11-02T10:20:00+01:00', class: 'infrastructure' as const, summary: 'lb: 503' },
  { service: 'sync:lab', from: '2026-11-02T15:00:00+01:00', to: '2026-11-02T15:07:00+01:00', class: 'sync' as const, summary: 'lab sync failed' },
];
const GAPS = [{ from: '2026-11-02T03:00:00+01:00', to: '2026-11-02T04:00:00+01:00' }];

function dims(q: DecodedGetMetricData['MetricDataQueries'][number]): Record<string, string> {
  return Object.fromEntries((q.MetricStat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
}

describe('choosing the period', () => {
  it('takes the finest period CloudWatch keeps for the age of the range, and keeps a series within 100,800 points', () => {
    const now = new Date('2026-12-31T00:00:00Z');
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    expect(choosePeriod(ago(3), ago(2), now)).toBe(60);
    expect(choosePeriod(ago(40), ago(10), now)).toBe(300);
    expect(choosePeriod(ago(100), ago(70), now)).toBe(3600);
    // A year of one-minute data would be 525,600 points: the period grows in steps of its base.
    const yearFrom = ago(14);
    expect(choosePeriod(yearFrom, new Date(yearFrom.getTime() + 365 * DAY), now)).toBe(360);
    expect((365 * DAY) / 1000 / 360).toBeLessThanOrEqual(100_800);
  });
});

describe('GetMetricData on the wire', () => {
  it('asks Sum and SampleCount per series in the namespace with the Environment dimension, follows NextToken through every page', async () => {
    const records = buildRecords({ config, from: FROM, to: TO, outages: OUTAGES, gaps: GAPS });
    const server = serveGetMetricData(aws, records, { pageSize: 2000 });
    const history = createCloudWatchHistory({ config, client: client(), now: () => NOW });
    const report = await computeSla({ config, history, from: FROM, to: TO, now: NOW });

    const calls = server.requests;
    expect(calls.length).toBeGreaterThan(3);
    // One batch, paged: the same queries each time, the token of the previous answer, none left unread.
    expect(calls[0]!.NextToken).toBeUndefined();
    calls.slice(1).forEach((c, i) => expect(c.NextToken).toBe(String((i + 1) * 2000)));
    for (const c of calls) expect(c.MetricDataQueries).toEqual(calls[0]!.MetricDataQueries);
    expect(history.calls).toBe(calls.length);
    const q = calls[0]!.MetricDataQueries;
    expect(q.length).toBeLessThanOrEqual(500);
    expect(new Set(q.map((x) => x.MetricStat.Metric.Namespace))).toEqual(new Set(['FLP/Synthetics']));
    expect(new Set(q.map((x) => x.MetricStat.Period))).toEqual(new Set([60]));
    expect(new Set(q.map((x) => x.MetricStat.Stat))).toEqual(new Set(['Sum', 'SampleCount']));
    expect(q.every((x) => dims(x).Environment === 'test' && x.ReturnData === true)).toBe(true);
    const series = new Set(q.map((x) => `${x.MetricStat.Metric.MetricName} ${JSON.stringify(dims(x))}`));
    expect(series).toContain('Success {"Environment":"test","Probe":"journey"}');
    expect(series).toContain('Success {"Environment":"test","Probe":"node:flp-2"}');
    expect(series).toContain('Success {"Environment":"test","Probe":"sync:lab"}');
    expect(series).toContain('FailureCount {"Environment":"test","FailureClass":"infrastructure"}');
    expect(series).toContain('StepDurationMillis {"Environment":"test","Probe":"journey","Step":"print"}');
    expect(series).toContain('SyncLagSeconds {"Environment":"test","Source":"lab"}');
    // The range is read with a margin, whole periods, oldest first.
    expect(calls[0]!.StartTime.getTime() % 60_000).toBe(0);
    expect(calls[0]!.StartTime.getTime()).toBeLessThanOrEqual(FROM.getTime());
    expect(calls[0]!.EndTime.getTime()).toBeGreaterThanOrEqual(TO.getTime());
    expect(calls[0]!.ScanBy).toBe('TimestampAscending');
    expect(report.resolution).toEqual({ kind: 'periods', periodSeconds: 60 });
    expect(report.services.find((s) => s.id === 'journey')!.runs).toBe(276);
  });

  it('puts at most 500 queries in one call', async () => {
    serveGetMetricData(aws, []);
    const history = createCloudWatchHistory({ config, client: client(), now: () => NOW });
    const asks = Array.from({ length: 260 }, (_, i) => history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: `node:n${i}` }, from: FROM, to: TO }));
    await Promise.all(asks);
    const sizes = aws.calls('GetMetricData').map((c) => (c.json as DecodedGetMetricData).MetricDataQueries.length);
    expect(sizes).toEqual([500, 20]);
  });

  it('reports a metric CloudWatch refuses as an error naming it', async () => {
    aws.respond('GetMetricData', {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: { MetricDataResults: [{ Id: 's0', StatusCode: 'Forbidden', Timestamps: [], Values: [], Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] }], Messages: [] },
    });
    const history = createCloudWatchHistory({ config, client: client(), now: () => NOW });
    await expect(history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: 'lb' }, from: FROM, to: TO })).rejects.toThrow(
      'CloudWatch answered Forbidden for FLP/Synthetics Success Environment=test,Probe=lb: not authorized',
    );
  });
});

describe('the report from CloudWatch', () => {
  it('gives the same availability, missing time and downtime as the local store, with classes reconstructed from FailureCount', async () => {
    const records = buildRecords({ config, from: FROM, to: TO, outages: OUTAGES, gaps: GAPS });
    serveGetMetricData(aws, records, { pageSize: 5000 });
    const cloud = await computeSla({ config, history: createCloudWatchHistory({ config, client: client(), now: () => NOW }), from: FROM, to: TO, now: NOW });
    const local = await computeSla({ config, history: historyFromRecords(records, config), from: FROM, to: TO, now: NOW });
    for (const s of local.services) {
      const c = cloud.services.find((x) => x.id === s.id)!;
      expect([c.id, c.upMs, c.downMs, c.missingMs, c.runs, c.failedRuns]).toEqual([s.id, s.upMs, s.downMs, s.missingMs, s.runs, s.failedRuns]);
    }
    expect(cloud.services.find((s) => s.id === 'journey')!.missingMs).toBe(3_600_000);
    const incidents = cloud.incidents.map((i) => [i.service, new Date(i.start).toISOString(), new Date(i.end).toISOString(), i.class, i.owner]);
    expect(incidents).toEqual([
      ['journey', '2026-11-02T09:00:00.000Z', '2026-11-02T09:30:00.000Z', 'infrastructure', 'PLSP'],
      ['lb', '2026-11-02T09:00:00.000Z', '2026-11-02T09:20:00.000Z', 'infrastructure', 'PLSP'],
      ['sync:lab', '2026-11-02T14:00:00.000Z', '2026-11-02T14:07:00.000Z', 'sync', 'PLSP'],
    ]);
    expect(cloud.incidents[2]!.summary).toBe('7 failed runs (Success); FailureCount in the same periods: sync 7; taken as sync (reconstructed from CloudWatch)');
    expect(cloud.downtimeByOwner).toEqual(local.downtimeByOwner);
    // One run per point at this period: the percentiles are the runs' own.
    expect(cloud.latency).toEqual(local.latency);
    expect(cloud.syncLag).toEqual(local.syncLag);
  });

  it('reads a range over a month old at 300 s and still counts each interval once', async () => {
    const now = new Date('2026-12-20T00:00:00Z');
    const records = buildRecords({ config, from: FROM, to: TO, outages: OUTAGES, gaps: GAPS });
    serveGetMetricData(aws, records);
    const cloud = await computeSla({ config, history: createCloudWatchHistory({ config, client: client(), now: () => now }), from: FROM, to: TO, now });
    expect(cloud.resolution).toEqual({ kind: 'periods', periodSeconds: 300 });
    const lb = cloud.services.find((s) => s.id === 'lb')!;
    expect([lb.downMs, lb.missingMs, lb.runs]).toEqual([20 * 60_000, 3_600_000, 23 * 60]);
    expect(cloud.notes.join(' ')).toMatch(/300 s period/);
  });

  it('draws a percentage line on a terminal while reading, and nothing when stderr is not one', async () => {
    const records = buildRecords({ config, from: FROM, to: TO });
    serveGetMetricData(aws, records, { pageSize: 3000 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-sla-'));
    const file = path.join(dir, 'flp-monitor.config.json');
    await writeFile(file, JSON.stringify(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 } })));
    const run = async (isTTY: boolean) => {
      const written: string[] = [];
      const out: string[] = [];
      const code = await slaCommand(
        { config: file, from: FROM.toISOString(), to: TO.toISOString(), source: 'cloudwatch', format: 'json' },
        { out: (s) => out.push(s), err: () => undefined },
        { history: (c) => createCloudWatchHistory({ config: c, client: client(), now: () => NOW }), now: () => NOW, progress: { isTTY, columns: 100, write: (s) => written.push(s) } },
      );
      return { code, written: written.join(''), doc: JSON.parse(out.join('')) as { flp: { availabilityPercent: number } } };
    };
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.written).toMatch(/reading CloudWatch FLP\/Synthetics \[[█░]+\]\s+\d+%/);
    expect(tty.written).toMatch(/100%/);
    expect(tty.doc.flp.availabilityPercent).toBe(100);
    expect((await run(false)).written).toBe('');
  });
});

describe("the maintenance alarm's history", () => {
  const ALARM = 'flp-test-maintenance-window';

  it('tells a change made with set-alarm-state from one the evaluation made, in the shape the AWS CLI example shows', () => {
    // aws cloudwatch describe-alarm-history --alarm-name "myalarm" --history-item-type StateUpdate (awscli/examples/cloudwatch/describe-alarm-history.rst)
    const example = [
      {
        Timestamp: new Date('2014-04-09T18:59:06.442Z'),
        HistoryItemType: 'StateUpdate' as const,
        AlarmName: 'myalarm',
        HistoryData:
          '{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292].","stateReasonData":{"version":"1.0","queryDate":"2014-04-09T18:59:06.419+0000","startDate":"2014-04-09T18:44:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}',
        HistorySummary: 'Alarm updated from ALARM to OK',
      },
      {
        Timestamp: new Date('2014-04-09T18:59:05.805Z'),
        HistoryItemType: 'StateUpdate' as const,
        AlarmName: 'myalarm',
        HistoryData:
          '{"version":"1.0","oldState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.839999999999996, 39.714].","stateReasonData":{"version":"1.0","queryDate":"2014-03-11T22:45:41.569+0000","startDate":"2014-03-11T22:30:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.839999999999996,39.714],"threshold":70.0}},"newState":{"stateValue":"ALARM","stateReason":"testing purposes"}}',
        HistorySummary: 'Alarm updated from OK to ALARM',
      },
    ];
    expect(handSetPeriods(example)).toEqual([{ start: new Date('2014-04-09T18:59:05.805Z'), end: new Date('2014-04-09T18:59:06.442Z'), reason: 'testing purposes' }]);
    // The evaluation putting it into ALARM (a window open by the metric) is no window set by hand.
    const evaluated = [alarmStateUpdate(ALARM, '2026-11-02T01:00:00Z', 'OK', 'ALARM'), alarmStateUpdate(ALARM, '2026-11-02T02:00:00Z', 'ALARM', 'OK')];
    expect(handSetPeriods(evaluated.map((i) => ({ ...i, Timestamp: new Date(i.Timestamp * 1000) })))).toEqual([]);
  });

  it('reads every page of DescribeAlarmHistory and lists the period set by hand as a window "set by hand", taking nothing out', async () => {
    const records = buildRecords({ config, from: FROM, to: TO, outages: OUTAGES, gaps: GAPS });
    serveGetMetricData(aws, records, { pageSize: 5000 });
    const requests = serveAlarmHistory(
      aws,
      [
        // A window the metric opened (evaluated), then one set by hand at 10:00 that the next evaluation closed at 10:01.
        alarmStateUpdate(ALARM, '2026-11-02T01:00:00+01:00', 'OK', 'ALARM'),
        alarmStateUpdate(ALARM, '2026-11-02T02:00:00+01:00', 'ALARM', 'OK'),
        alarmStateUpdate(ALARM, '2026-11-02T10:00:00+01:00', 'OK', 'ALARM', { byHand: true, reason: 'akut databaseopgradering (Søren)' }),
        alarmStateUpdate(ALARM, '2026-11-02T10:01:00+01:00', 'ALARM', 'OK'),
        alarmStateUpdate('flp-test-infrastructure-failures', '2026-11-02T10:00:00+01:00', 'OK', 'ALARM', { byHand: true }),
      ],
      { pageSize: 2 },
    );
    const history = createCloudWatchHistory({ config, client: client(), now: () => NOW, maintenanceAlarmName: maintenanceAlarmName(config) });
    const report = await computeSla({ config, history, from: FROM, to: TO, now: NOW });
    expect(maintenanceAlarmName(config)).toBe(ALARM);
    expect(requests.map((r) => [r.AlarmName, r.HistoryItemType, r.NextToken])).toEqual([
      [ALARM, 'StateUpdate', undefined],
      [ALARM, 'StateUpdate', '2'],
    ]);
    expect(report.maintenance).toEqual([
      expect.objectContaining({
        source: 'set by hand',
        reason: 'akut databaseopgradering (Søren)',
        plannedStart: Date.parse('2026-11-02T10:00:00+01:00'),
        plannedEnd: null,
        actualEnd: Date.parse('2026-11-02T10:01:00+01:00'),
        excludedMs: 0,
        owner: null,
        overran: null,
      }),
    ]);
    // Nothing taken out: the journey's 30 minutes down at 10:00 still count.
    expect(report.maintenanceMs).toBe(0);
    expect(report.services.find((s) => s.id === 'journey')!.downMs).toBe(30 * 60_000);
    expect(report.notes.join(' ')).not.toMatch(/could not be read/);
  });

  it('says in the notes when the history cannot be read, and reports all the same', async () => {
    aws.unhandle('DescribeAlarmHistory');
    aws.respond('DescribeAlarmHistory', { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'com.amazon.coral.service#AccessDeniedException', message: 'User is not authorized to perform: cloudwatch:DescribeAlarmHistory' } });
    const records = buildRecords({ config, from: FROM, to: TO, outages: OUTAGES, gaps: GAPS });
    serveGetMetricData(aws, records, { pageSize: 5000 });
    const history = createCloudWatchHistory({ config, client: client(), now: () => NOW, maintenanceAlarmName: maintenanceAlarmName(config) });
    const report = await computeSla({ config, history, from: FROM, to: TO, now: NOW });
    expect(report.maintenance).toEqual([]);
    expect(report.services.find((s) => s.id === 'journey')!.downMs).toBe(30 * 60_000);
    expect(report.notes.find((n) => n.startsWith("The maintenance alarm's history could not be read"))).toMatch(
      /^The maintenance alarm's history could not be read \(DescribeAlarmHistory of flp-test-maintenance-window failed: User is not authorized to perform: cloudwatch:DescribeAlarmHistory\): windows set by hand are not listed\.$/,
    );
  });
});

describe('flp-monitor sla --source cloudwatch (a separate process)', () => {
  it('reads CloudWatch where AWS_ENDPOINT_URL_CLOUDWATCH points and writes the report', async () => {
    // Recent data, so the real clock of the child process sees it within CloudWatch's 60 s retention.
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - 24 * 3_600_000);
    const records = buildRecords({ config, from, to, outages: [{ service: 'journey', from: new Date(from.getTime() + 3_600_000), to: new Date(from.getTime() + 3_600_000 + 600_000), class: 'application', summary: 'x' }] });
    serveGetMetricData(aws, records, { pageSize: 1000 });
    // The maintenance alarm set to ALARM by hand two hours in, back to OK by the next evaluation.
    serveAlarmHistory(aws, [
      alarmStateUpdate('flp-test-maintenance-window', new Date(from.getTime() + 2 * 3_600_000), 'OK', 'ALARM', { byHand: true, reason: 'hotfix' }),
      alarmStateUpdate('flp-test-maintenance-window', new Date(from.getTime() + 2 * 3_600_000 + 60_000), 'ALARM', 'OK'),
    ]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-sla-'));
    const configFile = path.join(dir, 'flp-monitor.config.json');
    await writeFile(configFile, JSON.stringify(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 } })));
    const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');
    const out = path.join(dir, 'report.md');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_ENDPOINT_URL_CLOUDWATCH: aws.endpoint,
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, 'sla', '--config', configFile, '--from', from.toISOString(), '--to', to.toISOString(), '--source', 'cloudwatch', '--out', out], { cwd: dir, env, timeout: 60_000 }, (err, _stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\d+%/);
    expect(r.stderr).toMatch(/wrote .*report\.md \(md\): FLP 99\.306 %/);
    expect(aws.calls('GetMetricData').length).toBeGreaterThan(1);
    const md = await readFile(out, 'utf8');
    expect(md).toContain('| FLP journey (FLP as a whole) | 99.306 % |');
    expect(md).toContain('source: CloudWatch FLP/Synthetics');
    expect(md).toMatch(/\n\| hotfix \| set by hand \| – \| – \| [^|]+ \| – \| [^|]+ \| 0 min \| – \| – \|\n/);
    expect(aws.calls('DescribeAlarmHistory').map((c) => (c.json as { AlarmName: string }).AlarmName)).toEqual(['flp-test-maintenance-window']);
  });
});
