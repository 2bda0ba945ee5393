/**
 * The journey's re-check: while the latest journey result fails, the journey runs again after
 * `schedule.journeyRecheckSeconds` instead of waiting for its next `schedule.journeySeconds`,
 * so a failure is confirmed (or cleared) within a minute and the journey-paced alarms can be
 * paced to match (lib/alarms/policy.ts). A healthy journey keeps its own interval.
 *
 * Locally the scheduler (lib/cli/schedule.ts) simply waits the shorter time after a failing
 * run. In AWS a second EventBridge rule (cdk/journey-recheck.ts) invokes the journey function
 * every re-check interval with {@link RECHECK_EVENT}; the handler (lib/runtime/lambda-handlers.ts)
 * reads the latest journey result from S3 and runs the journey only when it failed, otherwise
 * returns at once without starting Chromium. Pure: config and results in, numbers out.
 */
import type { Config } from './config.ts';
import type { ProbeGroup } from './contract.ts';

/** What the re-check rule sends the journey function (a scheduled run's event has no `flpMonitor` key). */
export const RECHECK_EVENT = { flpMonitor: 'journey-recheck' } as const;

/** Whether a Lambda event is the re-check rule's. */
export function isRecheckEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>).flpMonitor === RECHECK_EVENT.flpMonitor;
}

/** EventBridge's finest rate is one minute, in whole minutes (as lib/reports/cost/model.ts rounds every rule). */
function minutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/**
 * The re-check interval in seconds, as the config states it, when it is sooner than the
 * journey's own; null when the journey is off or re-checking would add nothing.
 */
export function journeyRecheckSeconds(config: Pick<Config, 'schedule' | 'journey'>): number | null {
  if (!config.journey.enabled) return null;
  const { journeySeconds, journeyRecheckSeconds: recheck } = config.schedule;
  return recheck < journeySeconds ? recheck : null;
}

/**
 * The re-check rule's rate in whole minutes as the stack deploys it, or null when the stack has
 * no re-check rule: the journey is off, or the re-check would not come sooner than the
 * journey's own (rounded) rate.
 */
export function journeyRecheckRateMinutes(config: Pick<Config, 'schedule' | 'journey'>): number | null {
  if (!config.journey.enabled) return null;
  const rate = minutes(config.schedule.journeyRecheckSeconds);
  return rate < minutes(config.schedule.journeySeconds) ? rate : null;
}

/** Whether any result of a run (or of a latest-results document) failed. */
export function anyFailed(results: readonly { ok: boolean }[] | undefined | null): boolean {
  return !!results?.some((r) => !r.ok);
}

/**
 * Seconds from the start of a group's run to the start of its next one: the re-check interval
 * after a journey run that failed, the group's own interval otherwise.
 */
export function nextRunSeconds(config: Pick<Config, 'schedule' | 'journey'>, group: ProbeGroup, results: readonly { ok: boolean }[]): number {
  const own = group === 'journey' ? config.schedule.journeySeconds : group === 'sync' ? config.schedule.syncSeconds : config.schedule.nodesSeconds;
  if (group !== 'journey' || !anyFailed(results)) return own;
  return journeyRecheckSeconds(config) ?? own;
}
