/**
 * Thin Lambda handlers, one per probe group: `journeyHandler`, `syncHandler`, `nodesHandler`.
 * Each container validates the config shipped beside its bundle (`flp-config.json`) and builds its Monitor once (warm
 * invocations reuse both, and the journey's unpacked Chromium); each invocation runs the group,
 * publishes its metrics to CloudWatch, copies a failed journey's screenshot and trace to S3,
 * logs one JSON line per result for CloudWatch Logs Insights:
 *
 *     fields @timestamp, probe, class, summary | filter environment = "<env>" and ok = 0
 *
 * and leaves the group's latest results for the notifier in S3
 * (`latest/<environment>/<group>.json`, lib/core/latest-results.ts), with each failing probe's
 * stretch: counted in memory while the container is warm, continued from the stored document
 * after a cold start. Each invocation reads the run-time maintenance windows once
 * (`state/<environment>/windows.json`, `flp-monitor window … --source aws`): one S3 GET, kept
 * for that invocation only, so a window added or ended counts from the next run on.
 *
 * A failure of FLP is a result, never an exception. A failure of the monitor (bad config,
 * metrics not published, out of time) is logged the same way with class `monitor` and then
 * thrown, so Lambda counts an error. Artifacts or latest results that could not be written are
 * logged as `monitor` failures but do not fail the invocation: the metrics are published by
 * then, and the alarms (and so the pages) rest on them; a page then says less. Windows that
 * cannot be read are a `monitor` line too (`monitor:windows`), and the run counts none of them.
 *
 * The journey and nodes functions also read the release verdicts once per invocation
 * (`state/<environment>/releases.json`, lib/adapters/release-store-s3.ts): the last verified
 * version is what the nodes must report. When a release window has ended without a verdict,
 * the journey function verifies it after its own run, as a local monitor does (two runs, the
 * first with the journey on each node, in the container's one Lambda browser): one window per
 * invocation, only when the time left suffices (else logged as skipped, for the next
 * invocation). The verdict goes to the release store, to CloudWatch (`Release`), and to KiAP's
 * and the window owner's SNS topics (beside `FLP_ON_CALL_TOPIC_ARN`); chat channels are left to the local path.
 * A verification that failed on the monitor's own checks alone (a vendor's key missing) is no
 * verdict: a `monitor:release` line, nothing recorded or paged, tried again after a while.
 *
 * One journey run at a time (lib/adapters/s3-lease.ts): each journey invocation takes the run
 * lease (`state/<environment>/lease/journey-run.json`) until its own deadline and gives it back
 * when its run is kept (before any verification, which has a lease of its own per window,
 * `…/lease/release-verification.json`). An invocation that finds the lease held runs nothing,
 * logs `journey run skipped` (holder, until) and publishes `JourneyRunSkipped`; a holder that
 * crashed blocks for one function timeout at most. The latest results are written conditionally
 * on their ETag, so an older run never overwrites a newer one's document.
 *
 * Every signed LPS profile's key is read at cold start (the journey function's too: a release
 * verification runs the launch checks there). A key that cannot be had never fails the cold
 * start: that profile's checks fail as `monitor`, naming the secret and why, every other probe
 * runs, and the secret is read again at each invocation until it answers.
 *
 * This module is the bundle's entry (cdk/probe-functions.ts) and only puts the functions
 * together; each lives in its own file: journey-handler.ts (with its re-check, its leases in
 * journey-leases.ts and the release verification in journey-release.ts), sync-handler.ts,
 * nodes-handler.ts. What they share is the handler kit: handler-kit.ts (shapes, kit, state),
 * handler-cold-start.ts, handler-run.ts and handler-results.ts (artifacts, latest results).
 */
import type { ProbeGroup } from '../core/contract.ts';
import { createKit, type Handler, type HandlerDeps } from './handler-kit.ts';
import { createJourneyHandler } from './journey-handler.ts';
import { createNodesHandler } from './nodes-handler.ts';
import { createSyncHandler } from './sync-handler.ts';

export { loadHandlerConfig } from './handler-config.ts';
export {
  DEADLINE_RESERVE_MS,
  LATEST_IO_TIMEOUT_MS,
  type Handler,
  type HandlerDeps,
  type HandlerProbeResult,
  type HandlerRelease,
  type HandlerResult,
  type LambdaContext,
} from './handler-kit.ts';
export { VERIFY_RESERVE_MS } from './journey-release.ts';
export { LEASE_WITHOUT_DEADLINE_MS } from './journey-leases.ts';

/** Builds the three handlers around one set of dependencies; each keeps its own container state. */
export function createHandlers(deps: HandlerDeps = {}): Record<ProbeGroup, Handler> {
  const kit = createKit(deps);
  return { journey: createJourneyHandler(kit), sync: createSyncHandler(kit), nodes: createNodesHandler(kit) };
}

const handlers = createHandlers();

/** The journey function: the five contract steps in the Lambda Chromium, every `schedule.journeySeconds`; on the re-check rule's event, again only while the latest journey fails. */
export const journeyHandler: Handler = handlers.journey;
/** The sync function: every sync source's status, every `schedule.syncSeconds`. */
export const syncHandler: Handler = handlers.sync;
/** The nodes function: each node, the load balancer and the release check, every `schedule.nodesSeconds`. */
export const nodesHandler: Handler = handlers.nodes;
