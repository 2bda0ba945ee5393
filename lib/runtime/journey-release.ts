/**
 * The journey function's release verification on a window's end: when a release window has
 * ended without a verdict, the journey function verifies it after its own run, as a local
 * monitor does (two runs, the first with the journey on each node, in the container's one
 * Lambda browser; lib/runtime/release-verification.ts): one window per invocation, only when the
 * time left suffices at this run's pace (else logged as skipped, for the next invocation), and
 * under the window's own lease (journey-leases.ts), so two containers never verify it twice.
 *
 * The verdict goes to the release store, to CloudWatch (`Release`), to KiAP's and the window
 * owner's SNS topics (beside `FLP_ON_CALL_TOPIC_ARN`) and to their configured channels. A
 * verification that failed on the monitor's own checks alone (a vendor's key missing) is no
 * verdict: a `monitor:release` line, nothing recorded or paged, tried again after a while.
 */
import { cloudWatchHistoryFor } from '../adapters/cloudwatch-history.ts';
import { createCloudWatchSink } from '../adapters/cloudwatch-sink.ts';
import type { HeldLease } from '../adapters/s3-lease.ts';
import { createSnsPublisher } from '../adapters/sns-publisher.ts';
import type { Delivery } from '../alarms/channels.ts';
import type { Notification } from '../alarms/notification.ts';
import type { Config } from '../core/config.ts';
import { describeError } from '../core/format.ts';
import { verificationJourneys } from '../core/probe-timing.ts';
import { notificationRecord, type ReleaseRecord } from '../core/records.ts';
import type { ClassifiedResult } from '../core/result.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import type { CanaryReport } from '../reports/canary.ts';
import { createChannelSender } from './channel-sender.ts';
import type { VerificationStart } from './handler-cold-start.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { DEADLINE_RESERVE_MS, ioBudget, type GroupState, type HandlerKit, type HandlerRelease, type Verification } from './handler-kit.ts';
import { retarget } from './handler-run.ts';
import { giveBack, takeLease } from './journey-leases.ts';
import { Monitor } from './monitor.ts';
import { releaseNotification, RETRY_VERIFY_MS, verdictOwners, verifyRelease, windowsToVerify } from './release-verification.ts';
import { onCallTopicArn, topicArnsFor } from './topic-arns.ts';

/** Time kept for the verdict's record and notification after a verification. */
export const VERIFY_RESERVE_MS = 5_000;

/** The means to verify a release, built at the journey's cold start: a Monitor of its own around the one Lambda browser, the baseline, the Release metric, SNS and the channels. */
export function createVerification(start: VerificationStart): { verification: Verification; monitorFor: (c: Config) => Monitor } {
  const { config, env, region, diagnostics, browser, ca, resolve, readSecret } = start;
  const cloudWatch = { region, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) };
  const monitorFor = (c: Config) =>
    new Monitor(c, {
      logger: diagnostics,
      browser,
      // One Lambda browser, told each node's address and leaf in turn, then the load balancer's again.
      nodeBrowser: async (target) => {
        await browser.setHostResolverRules(target.hostResolverRules);
        await browser.setTrustedSpkis(target.trustedSpkis);
        return { browser, done: () => retarget(c, browser, resolve, ca, diagnostics) };
      },
    });
  const verification: Verification = {
    monitor: monitorFor(config),
    history: cloudWatchHistoryFor({ config, ...cloudWatch }),
    metrics: createCloudWatchSink({ ...cloudWatch, logger: diagnostics }),
    publisher: createSnsPublisher({ region, ...(env[HANDLER_ENV.snsEndpoint] ? { endpoint: env[HANDLER_ENV.snsEndpoint] } : {}) }),
    env,
    channels: createChannelSender({
      readSecret: (name) => readSecret(name, 'the channel secret'),
    }),
  };
  return { verification, monitorFor };
}

/** One window's verification under way: what it is, how much time it has, and where its lines go. */
interface DueWindow {
  kit: HandlerKit;
  state: GroupState;
  verification: Verification;
  config: Config;
  window: RuntimeWindow;
  version: string;
  ids: Record<string, string>;
  now: Date;
  leftMs: number;
  perJourneyMs: number;
  fail: (what: string, summary: string) => void;
}

/**
 * A release window that ended and has no verdict yet: verified here, one at most per
 * invocation, with the same two runs as a local monitor (lib/runtime/release-verification.ts),
 * when the time left is enough for its journeys at this run's pace; otherwise skipped (and
 * logged), for the next invocation. The verdict goes to the S3 release store and CloudWatch
 * (`Release`), and to KiAP's and the window owner's topics.
 */
export async function verifyDue(
  kit: HandlerKit,
  state: GroupState,
  releases: ReleaseRecord[],
  results: readonly ClassifiedResult[],
  fail: (what: string, summary: string) => void,
  requestId?: string,
): Promise<HandlerRelease | undefined> {
  const { config, verification } = state;
  if (!verification || !state.releases) return undefined;
  const now = kit.now();
  const windows = state.invocation.windows ?? [];
  // A window whose last verification judged only the monitor's own failures waits a while in this container.
  const window = windowsToVerify(windows, releases, now).filter((w) => (state.retryVerifyAt.get(w.id) ?? 0) <= now.getTime())[0];
  if (!window) return undefined;
  const version = window.release!;
  const ids = { ...(requestId ? { requestId } : {}), environment: config.environment, version, windowId: window.id };
  // This run's journey is the measure of the next ones: twice its time each, at least a second.
  const ownMs = Math.max(...results.map((r) => r.durationMs), 0);
  const perJourneyMs = 2 * Math.max(1_000, ownMs);
  const needMs = verificationJourneys(config) * perJourneyMs + DEADLINE_RESERVE_MS + VERIFY_RESERVE_MS;
  const due: DueWindow = { kit, state, verification, config, window, version, ids, now, leftMs: state.invocation.remainingMs(), perJourneyMs, fail };
  if (due.leftMs < needMs) return skipped(due, `${Math.round(due.leftMs / 1000)} s left of the function's time, a verification needs about ${Math.round(needMs / 1000)} s; the next invocation tries again`);
  // One verification per window: a second container finding the window's lease held leaves it to the holder.
  let lease: HeldLease | null = null;
  if (state.leases) {
    const taken = await takeLease(kit, state, state.leases.verification, `release ${version} (window ${window.id})`, fail);
    if ('heldBy' in taken) {
      const summary = `${taken.heldBy.holder} is verifying ${taken.heldBy.purpose || 'a release'} (its lease runs until ${taken.heldBy.until}); this invocation does not verify it too`;
      kit.out.warn('release verification skipped', { ...ids, holder: taken.heldBy.holder, until: taken.heldBy.until, summary });
      return { version, windowId: window.id, verdict: 'skipped', summary, topics: [] };
    }
    lease = taken.held;
  }
  try {
    if (lease) {
      // Under the lease, the verdicts once more: another container may have verified this window since this invocation read them.
      const fresh = await state.releases.list({ abortSignal: ioBudget(state) }).catch(() => null);
      if (fresh && !windowsToVerify([window], fresh, now).length) {
        kit.out.info('release already verified', { ...ids, summary: `release ${version} (window ${window.id}) has its verdict from another invocation` });
        return undefined;
      }
      if (fresh) releases = fresh;
    }
    return await verifyWindow(due, releases);
  } finally {
    if (lease) await giveBack(kit, state, state.leases!.verification, lease, fail);
  }
}

function skipped({ kit, ids, version, window }: DueWindow, summary: string): HandlerRelease {
  kit.out.warn('release verification skipped', { ...ids, summary });
  return { version, windowId: window.id, verdict: 'skipped', summary, topics: [] };
}

/** The two runs and their verdict; a verdict recorded is then published and sent. */
async function verifyWindow(due: DueWindow, releases: readonly ReleaseRecord[]): Promise<HandlerRelease> {
  const { state, verification, config, window, version, leftMs, perJourneyMs, fail } = due;
  const store = state.releases!;
  // No run starts that could not finish before the deadline: a verification stopped so is not recorded.
  const signal = Number.isFinite(leftMs) ? AbortSignal.timeout(Math.max(1, leftMs - DEADLINE_RESERVE_MS - VERIFY_RESERVE_MS - perJourneyMs)) : undefined;
  let verified: Awaited<ReturnType<typeof verifyRelease>>;
  try {
    verified = await verifyRelease(config, { version, window }, {
      monitor: verification.monitor,
      history: verification.history,
      sinks: [store, verification.metrics],
      recordInterrupted: false,
      recordUnjudged: false,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    const summary = `release ${version} (window ${window.id}) could not be verified, the next invocation tries again: ${describeError(err)}`;
    fail('release', summary);
    return { version, windowId: window.id, verdict: 'error', summary, topics: [] };
  } finally {
    // The node journeys may have left the browser on a node: the next run goes through the load balancer.
    if (state.browser) await retarget(config, state.browser, state.resolve, state.ca, state.diagnostics).catch(() => undefined);
  }
  const { report, errors, recorded } = verified;
  if (verified.unjudged) return unjudged(due, report);
  if (!recorded) return skipped(due, `stopped before the function's deadline after ${report.runs.length} of 2 runs; the next invocation tries again`);
  for (const e of errors) fail('release', `the verdict of release ${version} was not fully recorded: ${describeError(e)}`);
  if (report.verdict.pass) {
    state.monitor.expectVersion(version);
    verification.monitor.expectVersion(version);
  }
  return announceVerdict(due, report, releases);
}

/** Only the monitor's own checks failed (a vendor's key missing, say): that says nothing of the release, and KiAP is not paged for it. */
function unjudged({ state, window, version, now, fail }: DueWindow, report: CanaryReport): HandlerRelease {
  state.retryVerifyAt.set(window.id, now.getTime() + RETRY_VERIFY_MS);
  const failing = report.checks.filter((c) => c.result === 'fail');
  const names = failing.map((c) => c.check.replace(/^probe /, '')).join(', ');
  const summary = `release ${version} (window ${window.id}) not judged: only the monitor's own checks failed (${names}; the first: ${failing[0]!.observed}); no verdict recorded or sent, tried again in ${RETRY_VERIFY_MS / 60_000} min`;
  fail('release', summary);
  return { version, windowId: window.id, verdict: 'error', summary, topics: [] };
}

/** The recorded verdict to KiAP's and the window owner's topics and channels, and its line. */
async function announceVerdict(due: DueWindow, report: CanaryReport, releases: readonly ReleaseRecord[]): Promise<HandlerRelease> {
  const { kit, config, window, version, ids } = due;
  const notification = releaseNotification(report, config, window);
  const owners = verdictOwners(config, window);
  const topics = await publishVerdict(due, notification, owners);
  // The channels too (PagerDuty, Slack, Teams, webhooks), as a local monitor sends it: a pass after a failed verification resolves that incident first.
  const previous = releases.filter((r) => r.windowId !== window.id).at(-1);
  const toSend: Notification[] = report.verdict.pass && previous?.verdict === 'fail' ? [{ ...notification, kind: 'resolve' }, notification] : [notification];
  const deliveries = await sendVerdict(due, toSend, owners, notification.at);
  const line = { ...ids, verdict: report.verdict.pass ? 'pass' : 'fail', summary: notification.cause, topics, channels: deliveries.map((d) => ({ channel: d.channel, ok: d.ok })) };
  if (report.verdict.pass) kit.out.info('release verified', line);
  else kit.out.warn('release verification failed', line);
  return { version, windowId: window.id, verdict: report.verdict.pass ? 'pass' : 'fail', summary: notification.cause, topics };
}

/** Publishes the verdict to each owner's topic (which follow from on-call's); returns the topics it reached. */
async function publishVerdict({ state, verification, config, version, fail }: DueWindow, notification: Notification, owners: readonly string[]): Promise<string[]> {
  const topics: string[] = [];
  let byOwner: ReadonlyMap<string, string> = new Map();
  try {
    byOwner = topicArnsFor(config, onCallTopicArn(verification.env)).byOwner;
  } catch (err) {
    fail('release', `the verdict of release ${version} goes to no topic: ${describeError(err)}`);
  }
  for (const owner of owners) {
    const topic = byOwner.get(owner);
    if (!topic) {
      if (byOwner.size) fail('release', `the config names no topic for ${owner}; the verdict of release ${version} does not reach them`);
      continue;
    }
    try {
      await verification.publisher.publish(topic, { subject: notification.subject, message: notification.text }, { abortSignal: ioBudget(state) });
      topics.push(topic);
    } catch (err) {
      fail('release', `the verdict of release ${version} was not published to ${owner}'s topic: ${describeError(err)}`);
    }
  }
  return topics;
}

/** Sends the notifications to the owners' channels, each delivery counted as a `NotificationFailed` point. */
async function sendVerdict({ verification, config, version, fail }: DueWindow, toSend: readonly Notification[], owners: readonly string[], at: string): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (const n of toSend) {
    try {
      deliveries.push(...(await verification.channels(n, config, owners)));
    } catch (err) {
      fail('release', `the verdict of release ${version} was not sent to the channels: ${describeError(err)}`);
    }
  }
  for (const d of deliveries.filter((x) => !x.ok)) fail('release', `the verdict of release ${version} did not reach channel ${d.channel}: ${d.error ?? d.status}`);
  if (deliveries.length)
    await verification.metrics.write(deliveries.map((d) => notificationRecord(config.environment, d.channel, !d.ok, at, config.aws.namespace))).catch((err: unknown) => fail('release', `NotificationFailed not published: ${describeError(err)}`));
  return deliveries;
}
