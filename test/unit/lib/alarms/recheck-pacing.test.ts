/**
 * The journey-paced alarms follow the re-check (lib/alarms/policy.ts, journeyFailurePeriod): a
 * journey every 5 minutes that is re-checked every minute while failing is judged on 60 s
 * periods, two of them; one retry-confirmed failure that the re-check clears pages nobody, two
 * running page within the minute after the second. Step latency keeps the journey's own pace.
 */
import { describe, expect, it } from 'vitest';
import { alarmPolicy, journeyFailurePeriod } from '../../../../lib/alarms/policy.ts';
import { evaluatePolicy, paging } from '../../../../lib/alarms/evaluator.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import type { MetricRecord } from '../../../../lib/core/records.ts';
import { rawConfig } from '../../../support/config.ts';

const config = (schedule: Record<string, number>) => parseConfig(rawConfig({ schedule: { syncSeconds: 60, nodesSeconds: 60, ...schedule } }), { baseDir: '/tmp' });
const byId = (c: ReturnType<typeof config>, min = 60) => new Map(alarmPolicy(c, { minPeriodSeconds: min }).alarms.map((a) => [a.id, a]));

function failure(at: string): MetricRecord {
  return { type: 'metric', timestamp: at, namespace: 'FLP/Synthetics', name: 'FailureCount', unit: 'Count', value: 1, dimensions: { Environment: 'test', FailureClass: 'application' } };
}
const heartbeats = (fromMinute: number, toMinute: number): MetricRecord[] =>
  Array.from({ length: toMinute - fromMinute + 1 }, (_, i) => ({
    type: 'metric',
    timestamp: new Date(Date.UTC(2026, 10, 22, 10, fromMinute + i, 5)).toISOString(),
    namespace: 'FLP/Synthetics',
    name: 'Heartbeat',
    unit: 'Count',
    value: 1,
    dimensions: { Environment: 'test' },
  }));
const pagesAt = (c: ReturnType<typeof config>, records: MetricRecord[], at: string) =>
  paging(evaluatePolicy(alarmPolicy(c), records, new Date(at))).map((p) => p.spec.id);

describe('journey-paced alarms at the re-check\'s period', () => {
  it('judges what only the journey sees on 60 s periods when a 5-minute journey is re-checked every minute', () => {
    const c = config({ journeySeconds: 300, journeyRecheckSeconds: 60 });
    expect(journeyFailurePeriod(c)).toBe(60);
    const alarms = byId(c);
    expect(alarms.get('application-failures')).toMatchObject({ periodSeconds: 60, evaluationPeriods: 2, datapointsToAlarm: 2 });
    // The class-wide alarms already run at 60 s: the journey's own copies would add nothing.
    expect([...alarms.keys()].filter((id) => id.endsWith('-failures-journey'))).toEqual([]);
    // Step latency: a healthy journey is not re-checked, so it keeps the journey's own 5 minutes.
    expect(alarms.get('step-latency-launch')).toMatchObject({ periodSeconds: 300 });
    // The heartbeat still waits for the slowest group.
    expect(alarms.get('monitor-heartbeat')).toMatchObject({ periodSeconds: 300 });
  });

  it('keeps the journey\'s own pace, with its own alarms, when there is no re-check', () => {
    const c = config({ journeySeconds: 300, journeyRecheckSeconds: 300 });
    expect(journeyFailurePeriod(c)).toBe(300);
    const alarms = byId(c);
    expect(alarms.get('application-failures')).toMatchObject({ periodSeconds: 300 });
    expect(['infrastructure', 'sync', 'monitor'].map((cls) => alarms.get(`${cls}-failures-journey`)?.periodSeconds)).toEqual([300, 300, 300]);
    // A re-check every 2 minutes of a 5-minute journey: 2-minute periods, and the journey's copies at that pace.
    const two = config({ journeySeconds: 300, journeyRecheckSeconds: 120 });
    expect(byId(two).get('application-failures')).toMatchObject({ periodSeconds: 120 });
    expect(byId(two).get('sync-failures-journey')).toMatchObject({ periodSeconds: 120 });
  });

  it('takes the local pace as it is: the sandbox\'s 15 s journey re-checked after 10 s', () => {
    const c = config({ journeySeconds: 15, journeyRecheckSeconds: 10, syncSeconds: 5, nodesSeconds: 5 });
    expect(journeyFailurePeriod(c, 1)).toBe(10);
    expect(byId(c, 1).get('application-failures')).toMatchObject({ periodSeconds: 10 });
    expect(byId(c, 1).get('step-latency-print')).toMatchObject({ periodSeconds: 15 });
  });

  it('pages on a failure and its failing re-check, not on one failure the re-check clears', () => {
    const c = config({ journeySeconds: 300, journeyRecheckSeconds: 60 });
    const beats = heartbeats(0, 12);
    // One retry-confirmed failure at 10:05:37; the re-check at 10:06:37 passes (no FailureCount).
    const once = [...beats, failure('2026-11-22T10:05:37Z')];
    for (const at of ['10:06:00', '10:07:00', '10:08:00']) expect(pagesAt(c, once, `2026-11-22T${at}Z`)).toEqual([]);
    // The re-check fails too: paged at the evaluation after its minute, 2 min 23 s after the first failing run.
    const twice = [...once, failure('2026-11-22T10:06:37Z')];
    expect(pagesAt(c, twice, '2026-11-22T10:07:00Z')).toEqual(['application-page']);
  });
});
