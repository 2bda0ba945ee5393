import { describe, expect, it } from 'vitest';
import { alarmPolicy } from '../../../../lib/alarms/policy.ts';
import { evaluateAlarm, evaluatePolicy, paging, RecentMetrics } from '../../../../lib/alarms/evaluator.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import type { MetricRecord } from '../../../../lib/core/records.ts';
import { rawConfig } from '../../../support/config.ts';

const config = parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 } }), { baseDir: '/tmp' });
const policy = alarmPolicy(config);
const spec = (id: string) => policy.alarms.find((a) => a.id === id)!;

function point(name: string, value: number, at: string, dimensions: Record<string, string>): MetricRecord {
  return { type: 'metric', timestamp: at, namespace: 'FLP/Synthetics', name, unit: 'Count', value, dimensions: { Environment: 'test', ...dimensions } };
}
const infraFailure = (at: string) => point('FailureCount', 1, at, { FailureClass: 'infrastructure' });
const heartbeat = (at: string) => point('Heartbeat', 1, at, {});

describe('local alarm evaluation (CloudWatch semantics)', () => {
  it('fires a class alarm only after its datapoints-to-alarm periods breach', () => {
    const one = [infraFailure('2026-11-22T10:00:10Z')];
    expect(evaluateAlarm(spec('infrastructure-failures'), policy.namespace, one, new Date('2026-11-22T10:00:30Z')).state).toBe('OK');
    const two = [...one, infraFailure('2026-11-22T10:01:10Z')];
    const s = evaluateAlarm(spec('infrastructure-failures'), policy.namespace, two, new Date('2026-11-22T10:01:30Z'));
    expect(s.state).toBe('ALARM');
    expect(s.reason).toBe('2 of 2 periods of 60 s breach Sum >= 1 [1, 1]');
  });

  it('fires the hosting alarm on failures only the slower HTTP group sees (db-down: the nodes every 120 s, the sync every 60 s)', () => {
    const slowNodes = alarmPolicy(parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 120 } }), { baseDir: '/tmp' }));
    const hosting = slowNodes.alarms.find((a) => a.id === 'infrastructure-failures')!;
    expect(hosting.periodSeconds).toBe(120);
    // The nodes group's runs, two minutes apart; the sync group's runs in between pass and publish no failure.
    const nodesRuns = [infraFailure('2026-11-22T10:00:10Z'), infraFailure('2026-11-22T10:02:10Z')];
    const s = evaluateAlarm(hosting, slowNodes.namespace, nodesRuns, new Date('2026-11-22T10:03:30Z'));
    expect(s.state).toBe('ALARM');
    expect(paging(evaluatePolicy(slowNodes, nodesRuns, new Date('2026-11-22T10:03:30Z'))).map((c) => c.spec.id)).toContain('infrastructure-page');
  });

  it('reads missing failure counts as healthy, and a missing heartbeat as the monitor being down', () => {
    expect(evaluateAlarm(spec('infrastructure-failures'), policy.namespace, [], new Date('2026-11-22T10:05:00Z')).state).toBe('OK');
    const hb = spec('monitor-heartbeat');
    expect(evaluateAlarm(hb, policy.namespace, [], new Date('2026-11-22T10:05:00Z')).state).toBe('ALARM');
    const beats = ['10:00:05', '10:05:05', '10:10:05'].map((t) => heartbeat(`2026-11-22T${t}Z`));
    expect(evaluateAlarm(hb, policy.namespace, beats, new Date('2026-11-22T10:10:30Z')).state).toBe('OK');
  });

  it('does not read a period that has only just begun as missing', () => {
    const beats = [heartbeat('2026-11-22T10:00:05Z'), heartbeat('2026-11-22T10:05:05Z')];
    // 10:10:01: the new period has no heartbeat yet; the two complete ones count.
    expect(evaluateAlarm(spec('monitor-heartbeat'), policy.namespace, beats, new Date('2026-11-22T10:10:01Z')).state).toBe('OK');
  });

  it('matches the dimension set exactly, as CloudWatch does', () => {
    const wrongEnv = [1, 2].map((m) => ({ ...infraFailure(`2026-11-22T10:0${m}:10Z`), dimensions: { Environment: 'prod', FailureClass: 'infrastructure' } }));
    expect(evaluateAlarm(spec('infrastructure-failures'), policy.namespace, wrongEnv, new Date('2026-11-22T10:02:30Z')).state).toBe('OK');
  });

  it('raises the infrastructure page and holds back the application page it causes', () => {
    const records = ['10:00:10', '10:01:10'].flatMap((t) => [
      infraFailure(`2026-11-22T${t}Z`),
      heartbeat(`2026-11-22T${t}Z`),
      point('FailureCount', 1, `2026-11-22T${t}Z`, { FailureClass: 'application' }),
    ]);
    // The application alarm's period is the journey's (300 s): two failing journeys in two periods.
    records.push(point('FailureCount', 1, '2026-11-22T09:56:00Z', { FailureClass: 'application' }));
    const e = evaluatePolicy(policy, records, new Date('2026-11-22T10:01:30Z'));
    const app = e.composites.find((c) => c.spec.id === 'application-page')!;
    expect(app.state).toBe('ALARM');
    expect(app.suppressedBy).toEqual(['infrastructure-failures']);
    expect(paging(e).map((c) => [c.spec.id, c.spec.owner])).toEqual([['infrastructure-page', 'PLSP']]);
  });

  it('suppresses every page while a maintenance window is open', () => {
    const records = ['10:00:10', '10:01:10'].flatMap((t) => [infraFailure(`2026-11-22T${t}Z`), point('MaintenanceWindow', 1, `2026-11-22T${t}Z`, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-11-22T10:01:30Z'));
    expect(e.composites.find((c) => c.spec.id === 'infrastructure-page')!.suppressedBy).toEqual(['maintenance-window']);
    expect(paging(e)).toEqual([]);
  });

  it('keeps only as much history as the slowest alarm needs', () => {
    const recent = new RecentMetrics(policy);
    recent.add([heartbeat('2026-11-22T08:00:00Z')], new Date('2026-11-22T08:00:00Z'));
    recent.add([heartbeat('2026-11-22T10:00:00Z')], new Date('2026-11-22T10:00:00Z'));
    expect(recent.records.map((r) => r.timestamp)).toEqual(['2026-11-22T10:00:00Z']);
  });
});
