import { describe, expect, it } from 'vitest';
import { AlarmSpecBuilder, alarmPeriods, MAINTENANCE_ALARM_ID } from '../../../../lib/alarms/spec-builder.ts';
import { DEFAULT_OWNERS } from '../../../../lib/core/config.ts';
import { DIMENSIONS, METRICS } from '../../../../lib/core/metric-names.ts';

const owners = { ...DEFAULT_OWNERS, infrastructure: 'PLSP', application: 'KiAP' };
const b = new AlarmSpecBuilder({ environment: 'test', owners, datapointsToAlarm: 3 });

describe('the alarm spec builder', () => {
  it('gives a metric alarm its class owner, the environment dimension first and the documented defaults', () => {
    const spec = b.metricAlarm({
      id: 'x',
      title: 'X',
      class: 'application',
      metric: METRICS.failures.name,
      dimensions: { [DIMENSIONS.step]: 'login' },
      statistic: 'Sum',
      periodSeconds: 60,
      comparison: 'GreaterThanThreshold',
      threshold: 2,
      runbook: 'r',
    });
    expect(spec).toMatchObject({ owner: 'KiAP', severity: 'page', evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'notBreaching' });
    expect(Object.keys(spec.metric.dimensions)).toEqual([DIMENSIONS.environment, DIMENSIONS.step]);
    expect(spec.metric.dimensions[DIMENSIONS.environment]).toBe('test');
  });

  it('states the single-datapoint kinds with one period, and the heartbeat as breaching on no data', () => {
    expect(b.certExpiry({ name: 'n1', url: 'https://n1' }, 60, 21)).toMatchObject({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'ignore', severity: 'warning' });
    expect(b.maintenanceWindow(60)).toMatchObject({ id: MAINTENANCE_ALARM_ID, evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(b.heartbeat(300)).toMatchObject({ treatMissingData: 'breaching', evaluationPeriods: 3 });
  });

  it('builds a composite over its class and severity, the maintenance alarm aside and first among the suppressors', () => {
    const alarms = [b.classFailures({ class: 'infrastructure', periodSeconds: 60, title: 't', runbook: 'r' }), b.certExpiry({ name: 'n1', url: 'https://n1' }, 60, 21), b.maintenanceWindow(60)];
    expect(b.composite(alarms, { class: 'infrastructure', severity: 'page', title: 'Hosting', suppressedBy: ['y'], runbook: 'r' })).toEqual({
      id: 'infrastructure-page',
      title: 'Hosting (PLSP)',
      class: 'infrastructure',
      owner: 'PLSP',
      severity: 'page',
      alarms: ['infrastructure-failures'],
      suppressedBy: [MAINTENANCE_ALARM_ID, 'y'],
      runbook: 'r',
    });
    expect(b.composite(alarms, { class: 'monitor', severity: 'warning', title: 'M', runbook: 'r' }).alarms).toEqual([]);
  });

  it('rounds periods up to whole multiples of the minimum, and takes the schedule as it is at 1', () => {
    expect(alarmPeriods({ journeySeconds: 45, nodesSeconds: 20, syncSeconds: 130 }, 60)).toEqual({ journey: 60, nodes: 60, sync: 180, fastest: 60, slowest: 180, probes: 180 });
    expect(alarmPeriods({ journeySeconds: 45, nodesSeconds: 20, syncSeconds: 130 }, 1)).toEqual({ journey: 45, nodes: 20, sync: 130, fastest: 20, slowest: 130, probes: 130 });
  });
});
