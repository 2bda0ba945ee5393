/**
 * The journey's re-check schedule in the stack (cdk/journey-recheck.ts): with the production-like
 * config at a 5-minute journey, a second rule every minute invokes the journey function with the
 * re-check event, which Lambda does not retry; at the default pace (the journey every minute) the
 * re-check would come no sooner, and there is no such rule.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECHECK_EVENT } from '../../lib/core/recheck.ts';
import { logicalId, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, validationReport, type Synthesized } from './support.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-recheck-'));
let slow: Synthesized;
let fast: Synthesized;

beforeAll(async () => {
  const raw = JSON.parse(readFileSync(PRODUCTION_CONFIG, 'utf8')) as Record<string, unknown>;
  const file = path.join(tmp, 'slow-journey.config.json');
  writeFileSync(file, JSON.stringify({ ...raw, schedule: { journeySeconds: 300, journeyRecheckSeconds: 60 } }));
  [slow, fast] = await Promise.all([synthesize(file), synthesize(PRODUCTION_CONFIG)]);
}, 120_000);
afterAll(() => {
  removeAssembly(slow);
  removeAssembly(fast);
  rmSync(tmp, { recursive: true, force: true });
});

const scheduled = (s: Synthesized) => resourcesOf(s, 'AWS::Events::Rule').filter(([, r]) => r.ScheduleExpression);

describe('the journey re-check schedule', () => {
  it('invokes the journey function every minute with the re-check event, beside its 5-minute schedule', () => {
    const journey = logicalId(slow, slow.stack.probes.functions.journey!);
    const toJourney = scheduled(slow).filter(([, r]) => r.Targets[0].Arn['Fn::GetAtt'][0] === journey);
    expect(toJourney.map(([, r]) => r.ScheduleExpression).sort()).toEqual(['rate(1 minute)', 'rate(5 minutes)']);
    const recheck = toJourney.find(([, r]) => r.ScheduleExpression === 'rate(1 minute)')![1];
    expect(recheck.Name).toBe('flp-prod-journey-recheck');
    expect(recheck.State ?? 'ENABLED').toBe('ENABLED');
    expect(JSON.parse(recheck.Targets[0].Input)).toEqual(RECHECK_EVENT);
    // Not delivered late: the next re-check is a minute away.
    expect(recheck.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    // The scheduled run's event carries no re-check key.
    const own = toJourney.find(([, r]) => r.ScheduleExpression === 'rate(5 minutes)')![1];
    expect(own.Targets[0].Input).toBeUndefined();
    // The rule may invoke the function.
    const permissions = resourcesOf(slow, 'AWS::Lambda::Permission').filter(([, p]) => p.FunctionName?.['Fn::GetAtt']?.[0] === journey && p.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(2);
    // cdk-nag has nothing to say about it.
    const violations = validationReport(slow).pluginReports.flatMap((r) => r.violations ?? []);
    expect(violations).toEqual([]);
  });

  it('has no re-check rule when the journey already runs every minute (the default)', () => {
    expect(fast.stack.config.schedule).toMatchObject({ journeySeconds: 60, journeyRecheckSeconds: 60 });
    expect(scheduled(fast)).toHaveLength(3);
    expect(scheduled(fast).map(([, r]) => r.Name)).not.toContain('flp-prod-journey-recheck');
  });
});
