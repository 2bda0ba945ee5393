/**
 * How long the journey can take by its own timeouts, shared by the stack (the journey
 * function's timeout, cdk/probe-functions.ts) and the journey handler (is there time left to
 * verify a release in this invocation?). Pure: config in, milliseconds out.
 */
import type { Config } from './config.ts';
import { JOURNEY_STEPS } from './contract.ts';

/**
 * Chromium in a fresh container: unpacking the brotli archives to /tmp, then launching. Per
 * attempt: the Lambda Chromium runs single-process, one browser per attempt (and per node
 * journey of a release verification, each on that node's address and leaf).
 */
export const BROWSER_START_MS = 15_000;
/** A failed journey's screenshot and trace (the journey caps this at 5 s). */
export const ARTIFACT_CAPTURE_MS = 5_000;

/** One journey attempt at its worst: every step at `stepMs`, a browser start, the artifacts. */
export function journeyAttemptMs(config: Pick<Config, 'timeouts'>): number {
  return JOURNEY_STEPS.length * config.timeouts.stepMs + BROWSER_START_MS + ARTIFACT_CAPTURE_MS;
}

/** The journey with its retries at its worst. */
export function journeyBoundMs(config: Pick<Config, 'timeouts' | 'retry'>): number {
  return (config.retry.retries + 1) * journeyAttemptMs(config);
}

/**
 * The journeys of a release verification (lib/runtime/release-verification.ts): the first run's
 * journey through the load balancer, one on each node, and the second, warm run's journey. The
 * HTTP probes of a run go beside its journey and finish first.
 */
export function verificationJourneys(config: Pick<Config, 'target'>): number {
  return 1 + config.target.nodes.length + 1;
}
