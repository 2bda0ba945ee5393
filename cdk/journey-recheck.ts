/**
 * The journey's re-check schedule: a second EventBridge rule that invokes the journey function
 * every `schedule.journeyRecheckSeconds` (whole minutes, as every rule) with the re-check event
 * (lib/core/recheck.ts). The handler runs the journey only while the latest journey result in S3
 * failed, and otherwise returns at once without starting Chromium; so a failure is confirmed or
 * cleared within a minute, while a healthy journey keeps its own `schedule.journeySeconds`.
 * No rule when the re-check would come no sooner than the journey's own rate.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import type { Config } from '../lib/core/config.ts';
import { journeyRecheckRateMinutes, RECHECK_EVENT } from '../lib/core/recheck.ts';
import { resourceName, type ProbeFunctions } from './probe-functions.ts';

/** Adds the re-check rule for the journey function of `probes`; returns it, or undefined when the config needs none. */
export function addJourneyRecheck(scope: Construct, config: Config, probes: ProbeFunctions): events.Rule | undefined {
  const fn = probes.functions.journey;
  const minutes = journeyRecheckRateMinutes(config);
  if (!fn || minutes === null) return undefined;
  return new events.Rule(scope, 'JourneyRecheckSchedule', {
    ruleName: resourceName(config.environment, 'journey-recheck'),
    description: `flp-monitor: re-check a failing journey (${config.environment}) every ${minutes} min; a passing one is left to its own schedule`,
    schedule: events.Schedule.rate(Duration.minutes(minutes)),
    // A re-check that could not be delivered is not worth delivering late: the next one is a minute away.
    targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject(RECHECK_EVENT), retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
  });
}
