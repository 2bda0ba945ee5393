/**
 * Each probe function's timeout and schedule, derived from the config so that a probe always
 * reports a result before Lambda would kill it, and the synth's warnings when the schedule is
 * rounded, runs may overlap or a release verification does not fit Lambda's 900 s.
 */
import { Annotations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../lib/core/config.ts';
import { intervalSeconds, type ProbeGroup } from '../lib/core/contract.ts';
import { journeyBoundMs, verificationJourneys } from '../lib/core/probe-timing.ts';
import { rateMinutes } from '../lib/reports/cost/model.ts';

/** Lambda's longest timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/*
 * The parts of a run the probe's own timeouts do not cover. The function timeout is the probe's
 * hard bound plus these, so the handler (which stops the probes 3 s before the deadline and
 * reports a `monitor` failure) always gets to log and publish instead of being killed silently.
 */
/** Chromium's start and a failed journey's artifacts, per attempt (lib/core/probe-timing.ts: the handler's budget for a release verification uses them too). */
export { ARTIFACT_CAPTURE_MS, BROWSER_START_MS } from '../lib/core/probe-timing.ts';
/** After the journey: artifact upload to S3, metric publishing with its retries, the result lines, the latest results (each S3 call bounded, never past the deadline), the handler's 3 s reserve. */
export const JOURNEY_MARGIN_MS = 15_000;
/** After the HTTP probes: cold start, metric publishing with its retries, the result lines, the latest results (each S3 call bounded, never past the deadline), the handler's 3 s reserve. */
export const HTTP_MARGIN_MS = 10_000;

export interface ProbeTiming {
  /** The longest the probes of this group can take by their own timeouts, retries included. */
  boundMs: number;
  /**
   * The function timeout, whole seconds: bound plus margin; for the journey, the bound of a
   * release verification (`verificationMs`) plus margin, at most Lambda's 900 s.
   */
  timeoutSeconds: number;
  /** The longest an ordinary run takes: bound plus margin, whole seconds (the journey's timeout is longer, for a verification). */
  runSeconds: number;
  /** The journey only: a release verification at its worst (its journeys × the journey's bound). */
  verificationMs?: number;
  /** The journey only: the verification's bound did not fit Lambda's 900 s; the timeout is 900 s and a slow verification waits for an invocation with time left. */
  capped?: boolean;
  /** The config's schedule for this group. */
  scheduleSeconds: number;
  /** The EventBridge rate: whole minutes, at least 1 (EventBridge's finest rate). */
  rateMinutes: number;
}

/**
 * Timeouts and rates per group, from the config:
 *
 * - journey: bound `(retries + 1) × (steps × timeouts.stepMs + BROWSER_START_MS + ARTIFACT_CAPTURE_MS)`.
 *   Every step is bounded by `stepMs` (cleanup is one of the five steps); each attempt may start
 *   a browser and keep a screenshot and trace. The function also verifies a release when a
 *   release window has ended (lib/runtime/lambda-handlers.ts), so its timeout is
 *   `bound × (1 + nodes + 1) + JOURNEY_MARGIN_MS` (the verification's journeys: through the load
 *   balancer, on each node, and the warm second run), at most 900 s. Only that rare invocation
 *   runs long: the cost model, which counts what runs take, is unaffected.
 * - sync, nodes: `(retries + 1) × timeouts.requestMs + HTTP_MARGIN_MS`. The probes of a group run
 *   concurrently and each request is bounded by `requestMs`.
 */
export function probeTimings(config: Config): Record<ProbeGroup, ProbeTiming> {
  const attempts = config.retry.retries + 1;
  const timing = (group: ProbeGroup, boundMs: number, marginMs: number): ProbeTiming => {
    const seconds = intervalSeconds(config, group);
    const runSeconds = Math.ceil((boundMs + marginMs) / 1000);
    return { boundMs, timeoutSeconds: runSeconds, runSeconds, scheduleSeconds: seconds, rateMinutes: rateMinutes(seconds) };
  };
  const http = attempts * config.timeouts.requestMs;
  const bound = journeyBoundMs(config);
  const verificationMs = verificationJourneys(config) * bound;
  const verifying = Math.ceil((verificationMs + JOURNEY_MARGIN_MS) / 1000);
  const own = timing('journey', bound, JOURNEY_MARGIN_MS);
  return {
    journey: { ...own, timeoutSeconds: Math.max(own.timeoutSeconds, Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, verifying)), verificationMs, capped: verifying > LAMBDA_MAX_TIMEOUT_SECONDS },
    sync: timing('sync', http, HTTP_MARGIN_MS),
    nodes: timing('nodes', http, HTTP_MARGIN_MS),
  };
}

/** Refuses a group whose probes cannot finish within Lambda's longest timeout; warns of a rounded schedule, overlapping runs and a capped verification. */
export function checkTiming(scope: Construct, config: Config, group: ProbeGroup, timing: ProbeTiming): void {
  if (timing.timeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS)
    throw new Error(
      `timeouts.${group === 'journey' ? 'stepMs' : 'requestMs'}: the ${group} probes may take ${timing.boundMs} ms with retry.retries = ${config.retry.retries}, ` +
        `more than Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s; lower the timeout or the retries`,
    );
  if (timing.rateMinutes * 60 !== timing.scheduleSeconds)
    Annotations.of(scope).addWarningV2(
      `flp:scheduleRounded:${group}`,
      `schedule.${group}Seconds = ${timing.scheduleSeconds}: EventBridge runs at most once a minute in whole minutes, so the ${group} probes run every ${timing.rateMinutes} min.`,
    );
  if (timing.runSeconds > timing.rateMinutes * 60)
    Annotations.of(scope).addWarningV2(
      `flp:runsOverlap:${group}`,
      group === 'journey'
        ? `The ${group} function may run ${timing.runSeconds} s, longer than its ${timing.rateMinutes} min schedule: the run after a slow one finds the run lease held and skips (JourneyRunSkipped); no two journeys overlap.`
        : `The ${group} function may run ${timing.runSeconds} s, longer than its ${timing.rateMinutes} min schedule: a slow run overlaps the next one.`,
    );
  if (timing.capped)
    Annotations.of(scope).addWarningV2(
      'flp:verificationCapped',
      `A release verification may take ${Math.ceil(timing.verificationMs! / 1000)} s (${config.target.nodes.length + 2} journeys of up to ${Math.ceil(timing.boundMs / 1000)} s), more than Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s: the journey function's timeout is ${LAMBDA_MAX_TIMEOUT_SECONDS} s, and a verification that does not fit the time left waits for the next invocation (or run \`canary --nodes\` from a terminal). Lower timeouts.stepMs or retry.retries to fit.`,
    );
}
