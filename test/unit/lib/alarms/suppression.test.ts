/**
 * When a composite's page goes out (lib/alarms/suppression.ts), as CloudWatch's actions
 * suppressor decides it: a symptom detected before its root cause never pages, a root cause
 * clearing lets a lingering symptom page after the extension period, an unsuppressed composite
 * waits only for its wait period, one without suppressors pages at once.
 */
import { describe, expect, it } from 'vitest';
import type { CompositeStatus, Evaluation } from '../../../../lib/alarms/evaluator.ts';
import { alarmPolicy } from '../../../../lib/alarms/policy.ts';
import { ActionGate, suppressionPeriods } from '../../../../lib/alarms/suppression.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import { rawConfig } from '../../../support/config.ts';

const config = parseConfig(rawConfig());
const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
const app = policy.composites.find((c) => c.id === 'application-page')!;
const monitor = policy.composites.find((c) => c.id === 'monitor-page')!;
const T0 = Date.parse('2026-12-01T02:00:00Z');
const LAG = 60;

/** One evaluation at `seconds` after T0 with the application composite's and its suppressor's state. */
function at(seconds: number, appState: 'ALARM' | 'OK', suppressedBy: string[] = [], monitorState: 'ALARM' | 'OK' = 'OK'): Evaluation {
  const status = (spec: typeof app, state: 'ALARM' | 'OK', by: string[]): CompositeStatus => ({ spec, state, firing: state === 'ALARM' ? [spec.alarms[0]!] : [], suppressedBy: state === 'ALARM' ? by : [] });
  return { at: new Date(T0 + seconds * 1000), alarms: [], composites: [status(app, appState, suppressedBy), status(monitor, monitorState, [])] };
}

describe('the actions suppressor, run locally as CloudWatch runs it', () => {
  const { waitSeconds, extensionSeconds } = suppressionPeriods(policy, app, LAG);

  it('takes its periods from the policy: the wait covers the root cause\'s detection, the extension the symptom\'s window', () => {
    expect(waitSeconds).toBeGreaterThan(LAG);
    expect(extensionSeconds).toBeGreaterThan(LAG);
  });

  it('never pages a symptom whose root cause goes into ALARM within the wait period', () => {
    const gate = new ActionGate(policy, LAG);
    expect(gate.update(at(0, 'ALARM')).get(app.id)).toBe('held');
    expect(gate.update(at(waitSeconds - 1, 'ALARM', ['infrastructure-failures'])).get(app.id)).toBe('held');
    expect(gate.update(at(waitSeconds + 600, 'ALARM', ['infrastructure-failures'])).get(app.id)).toBe('held');
    // Root and symptom clear together: nothing was ever paged.
    expect(gate.update(at(waitSeconds + 900, 'OK')).get(app.id)).toBe('ok');
  });

  it('pages a symptom that outlasts its root cause by more than the extension period, and not before', () => {
    const gate = new ActionGate(policy, LAG);
    gate.update(at(0, 'ALARM', ['infrastructure-failures']));
    gate.update(at(300, 'ALARM', ['infrastructure-failures']));
    expect(gate.update(at(301, 'ALARM')).get(app.id)).toBe('held');
    expect(gate.update(at(300 + extensionSeconds - 1, 'ALARM')).get(app.id)).toBe('held');
    expect(gate.update(at(300 + extensionSeconds, 'ALARM')).get(app.id)).toBe('paging');
  });

  it('pages an application failure with healthy hosting once the wait period has passed', () => {
    const gate = new ActionGate(policy, LAG);
    expect(gate.update(at(0, 'ALARM')).get(app.id)).toBe('held');
    expect(gate.update(at(waitSeconds, 'ALARM')).get(app.id)).toBe('paging');
  });

  it('pages the monitor\'s own failure after waiting only for the maintenance alarm, sooner than a symptom', () => {
    const own = suppressionPeriods(policy, monitor, LAG);
    expect(monitor.suppressedBy).toEqual([policy.maintenanceAlarmId]);
    expect(own.waitSeconds).toBeLessThan(waitSeconds);
    const gate = new ActionGate(policy, LAG);
    expect(gate.update(at(0, 'OK', [], 'ALARM')).get(monitor.id)).toBe('held');
    expect(gate.update(at(own.waitSeconds, 'OK', [], 'ALARM')).get(monitor.id)).toBe('paging');
  });
});
