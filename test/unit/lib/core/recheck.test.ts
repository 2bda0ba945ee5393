/**
 * The journey's re-check as the local scheduler (lib/cli/schedule.ts) and the stack
 * (cdk/journey-recheck.ts) use it: after a failing journey, the next one comes after
 * journeyRecheckSeconds; after a passing one, after journeySeconds; the other groups keep theirs.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { isRecheckEvent, journeyRecheckRateMinutes, journeyRecheckSeconds, nextRunSeconds, RECHECK_EVENT } from '../../../../lib/core/recheck.ts';
import { rawConfig } from '../../../support/config.ts';

const config = (schedule: Record<string, number>, journey: Record<string, unknown> = {}) =>
  parseConfig(rawConfig({ schedule, ...(Object.keys(journey).length ? { journey: { ...(rawConfig().journey as object), ...journey } } : {}) }), { baseDir: '/tmp' });
const passed = [{ ok: true }];
const failed = [{ ok: true }, { ok: false }];

describe('the journey re-check', () => {
  it('runs a failing journey again after journeyRecheckSeconds and a passing one after journeySeconds', () => {
    const c = config({ journeySeconds: 300, journeyRecheckSeconds: 60, syncSeconds: 30, nodesSeconds: 45 });
    expect(nextRunSeconds(c, 'journey', passed)).toBe(300);
    expect(nextRunSeconds(c, 'journey', failed)).toBe(60);
    // Back to its own pace once it passes.
    expect([failed, failed, passed, passed].map((r) => nextRunSeconds(c, 'journey', r))).toEqual([60, 60, 300, 300]);
    // The HTTP groups keep their own interval, failing or not.
    expect(nextRunSeconds(c, 'sync', failed)).toBe(30);
    expect(nextRunSeconds(c, 'nodes', failed)).toBe(45);
  });

  it('re-checks only when that comes sooner than the next journey, locally to the second and in AWS to the minute', () => {
    expect(journeyRecheckSeconds(config({ journeySeconds: 300 }))).toBe(60);
    expect(journeyRecheckRateMinutes(config({ journeySeconds: 300 }))).toBe(1);
    expect(journeyRecheckSeconds(config({ journeySeconds: 60 }))).toBeNull();
    expect(journeyRecheckRateMinutes(config({ journeySeconds: 60 }))).toBeNull();
    // The sandbox's 15 s journey re-checks after 10 s locally; EventBridge rounds both to a minute, so no rule.
    const sandbox = config({ journeySeconds: 15, journeyRecheckSeconds: 10 });
    expect(nextRunSeconds(sandbox, 'journey', failed)).toBe(10);
    expect(journeyRecheckRateMinutes(sandbox)).toBeNull();
    expect(journeyRecheckRateMinutes(config({ journeySeconds: 150, journeyRecheckSeconds: 90 }))).toBe(2);
    expect(journeyRecheckRateMinutes(config({ journeySeconds: 120, journeyRecheckSeconds: 90 }))).toBeNull();
    // No journey, nothing to re-check.
    const off = config({ journeySeconds: 300 }, { enabled: false });
    expect(journeyRecheckSeconds(off)).toBeNull();
    expect(journeyRecheckRateMinutes(off)).toBeNull();
    expect(nextRunSeconds(off, 'journey', failed)).toBe(300);
  });

  it('tells the re-check rule\'s event from a scheduled run\'s', () => {
    expect(isRecheckEvent(RECHECK_EVENT)).toBe(true);
    expect(isRecheckEvent(JSON.parse(JSON.stringify(RECHECK_EVENT)))).toBe(true);
    expect(isRecheckEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).toBe(false);
    expect(isRecheckEvent({})).toBe(false);
    expect(isRecheckEvent(null)).toBe(false);
    expect(isRecheckEvent('journey-recheck')).toBe(false);
  });
});
