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
 */
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readSecretString } from '../adapters/secrets.ts';
import { withLaunchKeys, type LaunchKeyProblem } from './launch-keys.ts';
import { createS3Lease, LEASE_NAMES, type HeldLease, type LeaseState, type S3Lease } from '../adapters/s3-lease.ts';
import { METRICS } from '../core/metric-names.ts';
import { withSecretCpr } from './journey-secret.ts';
import { withDeadline } from '../core/deadline.ts';
import { createS3ArtifactStore, type S3ArtifactStore } from '../adapters/artifacts-s3.ts';
import { createLatestResultsStore, isLatestResults, type S3LatestResultsStore } from '../adapters/latest-results-s3.ts';
import { createS3WindowStore } from '../adapters/window-store-s3.ts';
import { createS3ReleaseStore, type S3ReleaseStore } from '../adapters/release-store-s3.ts';
import { cloudWatchHistoryFor } from '../adapters/cloudwatch-history.ts';
import type { HistorySource } from '../adapters/history.ts';
import { createSnsPublisher, type SnsPublisher } from '../adapters/sns-publisher.ts';
import { lastVerifiedOf } from '../core/release-list.ts';
import { verificationJourneys } from '../core/probe-timing.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import { journeyRunSkippedRecord, notificationRecord, type ReleaseRecord } from '../core/records.ts';
import { releaseNotification, RETRY_VERIFY_MS, verdictOwners, verifyRelease, windowsToVerify } from './release-verification.ts';
import { createChannelSender, type SendToChannels } from './channel-sender.ts';
import type { Delivery } from '../alarms/channels.ts';
import type { Notification } from '../alarms/notification.ts';
import { onCallTopicArn, topicArnsFor } from './topic-arns.ts';
import { latestMaxAgeMs, nextFailing, type LatestResults } from '../core/latest-results.ts';
import { verdictOf } from '../core/classify.ts';
import { anyFailed, isRecheckEvent } from '../core/recheck.ts';
import { DEFAULT_OWNERS, type Config } from '../core/config.ts';
import { describeError } from '../core/format.ts';
import type { Logger, Resolve } from '../core/context.ts';
import { createLambdaBrowser, type LambdaBrowserProvider } from '../adapters/lambda-browser.ts';
import { journeyBrowserTarget, readTargetCa } from './journey-trust.ts';
import { createLogger, type LogLevel } from '../adapters/logger.ts';
import { createCloudWatchSink } from '../adapters/cloudwatch-sink.ts';
import type { StoreRecord } from '../core/records.ts';
import type { ResultSink } from '../core/records.ts';
import { Monitor } from './monitor.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { loadHandlerConfig } from './handler-config.ts';

export { loadHandlerConfig } from './handler-config.ts';
import type { ProbeGroup } from '../core/contract.ts';
import { createResolver } from '../adapters/resolver.ts';
import type { ClassifiedResult, Observations, ProbeKind, StepStatus, Verdict } from '../core/result.ts';


/** Time kept back from the function's own deadline for uploading artifacts and logging. */
export const DEADLINE_RESERVE_MS = 3_000;
/** The longest the latest-results document may take to read (cold start) or write; never past the deadline less a second. */
export const LATEST_IO_TIMEOUT_MS = 3_000;

/** The part of Lambda's context object the handlers use. */
export interface LambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
  functionName?: string;
}

/** A result as the CLI's JSON reports it, without the evidence (it is in the log and the artifacts). */
export interface HandlerProbeResult {
  probe: string;
  kind: ProbeKind;
  target: string;
  ok: boolean;
  class: ClassifiedResult['class'];
  owner: string | null;
  summary: string;
  durationMs: number;
  attempts: number;
  steps: { name: string; status: StepStatus; durationMs: number; error?: string }[];
  observations: Observations;
  /** `s3://bucket/key` of each uploaded artifact, or its local path when there is no bucket. */
  artifacts: string[];
}

export interface HandlerResult {
  ok: boolean;
  verdict: Verdict;
  results: HandlerProbeResult[];
  /** The journey only: the release verified (or not) in this invocation. */
  release?: HandlerRelease;
  /** A re-check invocation (lib/core/recheck.ts): `ran` when the latest journey failed and the journey ran again, `skipped` when it passed (nothing ran, no browser started). */
  recheck?: 'ran' | 'skipped';
  /** The journey only: this invocation ran nothing, because the previous run still holds the run lease (who, until when). */
  skipped?: { holder: string; until: string; summary: string };
}

export type Handler = (event: unknown, context: LambdaContext) => Promise<HandlerResult>;

export interface HandlerDeps {
  /** Read at cold start. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The writable directory (Lambda: /tmp). Default `os.tmpdir()`. */
  tmpDir?: string;
  /** Where log lines go. Default: stdout, one JSON object a line (bypassing Lambda's console prefix, so Logs Insights sees the fields). */
  write?: (line: string) => void;
  /** The journey's browser. Default: the Lambda Chromium of `@sparticuz/chromium`. */
  createBrowser?: () => Promise<LambdaBrowserProvider>;
  /** Receives the journey secret at cold start (its `cpr` and `lpsKeys` are read from it too). Never logged. */
  onJourneySecret?: (secret: string) => void;
  /** The time a latest-results document is stamped with. Default: the system clock. */
  now?: () => Date;
}

/** Records the sink's failures, which the Monitor only logs, so the handler can fail the invocation. */
class CapturingSink implements ResultSink {
  readonly failures: Error[] = [];
  constructor(readonly inner: ResultSink) {}
  async write(records: readonly StoreRecord[]): Promise<void> {
    try {
      await this.inner.write(records);
    } catch (err) {
      this.failures.push(err as Error);
      throw err;
    }
  }
}

interface GroupState {
  config: Config;
  monitor: Monitor;
  sink: CapturingSink;
  artifacts: S3ArtifactStore | null;
  /** Where the group's latest results go (null without a bucket). */
  latestStore: S3LatestResultsStore | null;
  /** The group's last document: undefined until read after the cold start, null when there was none. */
  latest: LatestResults | null | undefined;
  browser: LambdaBrowserProvider | null;
  resolve: Resolve;
  /** The certificates of `target.caFile`, read at cold start for the journey's browser. */
  ca: string[] | null;
  diagnostics: Logger;
  /** The invocation under way: its request id and time left, for the windows read (made inside the Monitor's run), and the windows that read found; who holds its leases (function/request id). */
  invocation: { requestId?: string; remainingMs: () => number; windows?: RuntimeWindow[]; holder?: string };
  /** The deployment's release verdicts (journey and nodes, with a bucket): read once per invocation. */
  releases: S3ReleaseStore | null;
  /** The journey only: what verifies a release whose window ended. */
  verification: Verification | null;
  /** The ETag of the group's latest-results document as last read or written (undefined: not known yet, null: none there). */
  latestEtag: string | null | undefined;
  /** The signed profiles without a key (each named in its checks' failures), and how to read their secrets again. */
  keys: { missing: LaunchKeyProblem[]; retry: (current: Config) => Promise<Config | null> };
  /** The journey function's leases (with a bucket): its run, one at a time; a release verification, one per window. */
  leases: { run: S3Lease; verification: S3Lease } | null;
  /** Windows whose verification judged only the monitor's own failures: not tried again in this container before this time. */
  retryVerifyAt: Map<string, number>;
  /** Puts new monitors around `config` (its missing keys came). */
  rebuild: (config: Config) => void;
}

/** The journey function's means to verify a release: a Monitor of its own (no result sinks: the probes of a verification publish no metrics), the baseline, where the verdict goes. */
interface Verification {
  monitor: Monitor;
  history: HistorySource;
  /** The Release metric. */
  metrics: ResultSink;
  publisher: SnsPublisher;
  /** The environment, for on-call's topic (`FLP_ON_CALL_TOPIC_ARN`), from which every owner's topic follows. */
  env: NodeJS.ProcessEnv;
  /** The configured channels of KiAP and the window's owner (their secrets read at run time). */
  channels: SendToChannels;
}

/** What the journey function did about a release window that had ended. */
export interface HandlerRelease {
  version: string;
  windowId: string;
  /** `skipped`: too little time left (or stopped by the deadline); the next invocation tries again. */
  verdict: 'pass' | 'fail' | 'skipped' | 'error';
  summary: string;
  /** The topics the verdict was published to. */
  topics: string[];
}

class MonitorFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MonitorFailure';
  }
}

/** Builds the three handlers around one set of dependencies; each keeps its own container state. */
export function createHandlers(deps: HandlerDeps = {}): Record<ProbeGroup, Handler> {
  const env = deps.env ?? process.env;
  const tmpDir = deps.tmpDir ?? os.tmpdir();
  const write = deps.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  // Result and monitor-failure lines are always written; the monitor's own diagnostics by FLP_LOG_LEVEL.
  const out = createLogger('info', write);

  const states = new Map<ProbeGroup, Promise<GroupState>>();
  /** The states whose cold start has finished (the re-check hands the journey's the latest document it read). */
  const started = new Map<ProbeGroup, GroupState>();
  /** The re-check's own light means, kept while the container is warm: the config and the latest-results reader, never the browser. */
  let recheckMeans: { config: Config; store: S3LatestResultsStore | null } | undefined;

  const monitorFailure = (config: Config | null, what: string, summary: string, requestId?: string) =>
    out.error('monitor failure', {
      ...(requestId ? { requestId } : {}),
      environment: config?.environment ?? 'unknown',
      probe: `monitor:${what}`,
      ok: 0,
      class: 'monitor',
      owner: (config?.owners ?? DEFAULT_OWNERS).monitor,
      summary,
      artifacts: [],
    });

  async function coldStart(group: ProbeGroup): Promise<GroupState> {
    let config = loadHandlerConfig(env, tmpDir);
    const level = env[HANDLER_ENV.logLevel];
    const diagnostics = createLogger(level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? (level as LogLevel) : 'warn', write);
    const region = env[HANDLER_ENV.region];
    if (!region) throw new MonitorFailure(`${HANDLER_ENV.region} is not set (Lambda sets it)`);
    const readSecret = (secretId: string, what: string) => readSecretString({ region, secretId, endpoint: env[HANDLER_ENV.secretsEndpoint], what });
    const sink = new CapturingSink(
      createCloudWatchSink({ region, logger: diagnostics, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) }),
    );
    const bucket = env[HANDLER_ENV.artifactsBucket];
    const s3 = { region, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) };
    const artifacts = bucket ? createS3ArtifactStore({ ...s3, bucket }) : null;
    const latestStore = bucket ? createLatestResultsStore({ ...s3, bucket }) : null;
    let browser: LambdaBrowserProvider | null = null;
    let ca: string[] | null = null;
    // The journey and the LPS launches sign with the vendors' keys, read now and kept in memory only.
    // Every profile's, in the journey function too: a release verification runs the LPS launch checks there.
    let keys: GroupState['keys'] = { missing: [], retry: async () => null };
    if (group !== 'sync') {
      const secretArn = env[HANDLER_ENV.journeySecretArn];
      let secret: string | undefined;
      let secretProblem: { problem: string; name: string } | undefined;
      const readJourneySecret = async () => {
        if (!secretArn || secret !== undefined) return;
        try {
          secret = await readSecret(secretArn, 'the journey secret');
          secretProblem = undefined;
        } catch (err) {
          // The journey needs it; the nodes function only for keys kept in it, and those profiles alone go without.
          if (group === 'journey') throw new MonitorFailure((err as Error).message, { cause: err });
          secretProblem = { problem: (err as Error).message, name: secretArn };
        }
      };
      await readJourneySecret();
      if (group === 'journey' && secretArn && secret !== undefined) {
        deps.onJourneySecret?.(secret);
        try {
          config = withSecretCpr(config, secret, secretArn);
        } catch (err) {
          throw new MonitorFailure((err as Error).message, { cause: err });
        }
      }
      const readKeys = (c: Config, only?: ReadonlySet<string>) => withLaunchKeys(c, (name) => readSecret(name, 'the LPS launch key secret'), secret ?? secretProblem, only);
      const keyed = await readKeys(config);
      config = keyed.config;
      keys = {
        missing: keyed.missing,
        // The missing keys again (a secret created or fixed since the cold start counts from the next run): the config with them, or null when none came.
        retry: async (current: Config) => {
          await readJourneySecret();
          const again = await readKeys(current, new Set(keys.missing.map((m) => m.system)));
          const found = keys.missing.length - again.missing.length;
          keys.missing = again.missing;
          return found > 0 ? again.config : null;
        },
      };
    }
    if (group === 'journey') {
      // Before the browser unpacks: a missing or empty CA file is a cold-start failure of the monitor, named as such.
      ca = readTargetCa(config);
      browser = await (deps.createBrowser ?? createLambdaBrowser)();
    }
    const invocation: GroupState['invocation'] = { remainingMs: () => Number.POSITIVE_INFINITY };
    const windowStore = bucket ? createS3WindowStore({ ...s3, bucket, environment: config.environment }) : null;
    // One GET per invocation (the Monitor reads once per run), bounded like the latest results; a failure is this run's monitor line, and no windows.
    const windows = windowStore && {
      list: () =>
        windowStore.list({ abortSignal: AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, invocation.remainingMs() - DEADLINE_RESERVE_MS))) }).catch((err: unknown) => {
          monitorFailure(config, 'windows', `maintenance windows not read from ${windowStore.where}, this run counts none: ${describeError(err)}`, invocation.requestId);
          return [];
        }),
    };
    const kept = windows && {
      list: async () => {
        const list = await windows.list();
        invocation.windows = list;
        return list;
      },
    };
    const monitorFor = (c: Config) => new Monitor(c, { sinks: [sink], logger: diagnostics, ...(browser ? { browser } : {}), ...(kept ? { windows: kept } : {}) });
    const monitor = monitorFor(config);
    const resolve = createResolver(config.target.dnsServers);
    const releases = bucket && group !== 'sync' ? createS3ReleaseStore({ ...s3, bucket, environment: config.environment }) : null;
    let verification: Verification | null = null;
    let verificationMonitorFor: ((c: Config) => Monitor) | null = null;
    if (browser && releases) {
      const lambdaBrowser = browser;
      const cloudWatch = { region, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) };
      verificationMonitorFor = (c: Config) =>
        new Monitor(c, {
          logger: diagnostics,
          browser: lambdaBrowser,
          // One Lambda browser, told each node's address and leaf in turn, then the load balancer's again.
          nodeBrowser: async (target) => {
            await lambdaBrowser.setHostResolverRules(target.hostResolverRules);
            await lambdaBrowser.setTrustedSpkis(target.trustedSpkis);
            return { browser: lambdaBrowser, done: () => retarget(c, lambdaBrowser, resolve, ca, diagnostics) };
          },
        });
      verification = {
        monitor: verificationMonitorFor(config),
        history: cloudWatchHistoryFor({ config, ...cloudWatch }),
        metrics: createCloudWatchSink({ ...cloudWatch, logger: diagnostics }),
        publisher: createSnsPublisher({ region, ...(env[HANDLER_ENV.snsEndpoint] ? { endpoint: env[HANDLER_ENV.snsEndpoint] } : {}) }),
        env,
        channels: createChannelSender({
          readSecret: (name) => readSecret(name, 'the channel secret'),
        }),
      };
    }
    const leaseOf = (name: string) => createS3Lease({ ...s3, bucket: bucket!, environment: config.environment, name });
    const leases = bucket && group === 'journey' ? { run: leaseOf(LEASE_NAMES.journeyRun), verification: leaseOf(LEASE_NAMES.releaseVerification) } : null;
    const state: GroupState = { config, monitor, sink, artifacts, latestStore, latest: undefined, latestEtag: undefined, browser, resolve, ca, diagnostics, invocation, releases, verification, keys, leases, retryVerifyAt: new Map(), rebuild: () => undefined };
    // New monitors around a config whose missing keys came: the version they expect carries over.
    state.rebuild = (c: Config) => {
      const expected = state.monitor.expectedVersion;
      state.config = c;
      state.monitor = monitorFor(c);
      if (expected) state.monitor.expectVersion(expected);
      if (state.verification && verificationMonitorFor) {
        state.verification.monitor = verificationMonitorFor(c);
        if (expected) state.verification.monitor.expectVersion(expected);
      }
    };
    return state;
  }

  function stateFor(group: ProbeGroup): Promise<GroupState> {
    let state = states.get(group);
    if (!state) {
      // A failed cold start is not kept: the next invocation tries again.
      state = coldStart(group).then(
        (ready) => {
          started.set(group, ready);
          return ready;
        },
        (err: unknown) => {
          states.delete(group);
          throw err;
        },
      );
      states.set(group, state);
    }
    return state;
  }

  async function invoke(group: ProbeGroup, context: LambdaContext): Promise<HandlerResult> {
    const requestId = context?.awsRequestId;
    let state: GroupState;
    try {
      state = await stateFor(group);
    } catch (err) {
      let config: Config | null = null;
      try {
        config = loadHandlerConfig(env, tmpDir);
      } catch {
        // The config itself is what failed; the line says so.
      }
      monitorFailure(config, 'cold-start', `the ${group} function could not start: ${describeError(err)}`, requestId);
      throw err;
    }
    state.sink.failures.length = 0;
    state.invocation.requestId = requestId;
    state.invocation.windows = undefined;
    state.invocation.remainingMs = () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY);
    state.invocation.holder = `${context?.functionName ?? `flp-${group}`}/${requestId ?? 'unknown'}`;
    const now = deps.now ?? (() => new Date());
    const fail = (what: string, summary: string) => monitorFailure(state.config, what, summary, requestId);

    // One journey run at a time: a run that finds its predecessor's lease still held runs nothing (touches nothing: not /tmp, not the browser).
    let runLease: HeldLease | null = null;
    if (state.leases) {
      const taken = await takeLease(state, state.leases.run, 'journey run', fail);
      if ('heldBy' in taken) return skipRun(state, taken.heldBy, requestId);
      runLease = taken.held;
    }

    let results: ClassifiedResult[];
    let kept: Map<ClassifiedResult, string[]>;
    let releases: ReleaseRecord[] | null;
    try {
      await retryMissingKeys(state, fail);
      const { config, monitor, sink } = state;
      // The last invocation's artifacts were uploaded or reported; /tmp outlives it in a warm container.
      await clearDir(config.artifacts.dir);
      if (state.browser) await retarget(config, state.browser, state.resolve, state.ca, state.diagnostics);
      releases = await readReleases(state, (summary) => fail('releases', summary));

      const remaining = state.invocation.remainingMs();
      try {
        results = await withDeadline(monitor.runGroup(group), remaining - DEADLINE_RESERVE_MS, () =>
          new MonitorFailure(
            `the ${group} probes did not finish with ${DEADLINE_RESERVE_MS} ms of the function's ${remaining} ms left; set the function timeout above the probes' own timeouts`,
          ),
        );
      } catch (err) {
        fail(group, describeError(err));
        throw err;
      }

      kept = await keepArtifacts(state, results, (summary) => fail('artifacts', summary));
      for (const r of results) {
        const line = {
          ...(requestId ? { requestId } : {}),
          environment: config.environment,
          probe: r.probe,
          kind: r.kind,
          ok: r.ok ? 1 : 0,
          class: r.class,
          owner: r.owner,
          summary: r.summary,
          durationMs: r.durationMs,
          attempts: r.attempts,
          artifacts: kept.get(r) ?? [],
        };
        if (r.ok) out.info('probe result', line);
        else out.warn('probe result', line);
      }
      await keepLatest(state, group, results, kept, {
        now,
        remainingMs: state.invocation.remainingMs,
        fail: (summary) => fail('latest', summary),
      });

      const [publishError] = sink.failures;
      if (publishError) {
        const summary = `metrics not published: ${publishError.message}`;
        fail('metrics', summary);
        throw new MonitorFailure(summary, { cause: publishError });
      }
    } finally {
      // Given back before any verification: a release verification takes minutes, and the next minute's journey need not wait for it (it has a lease of its own).
      if (runLease) await giveBack(state, state.leases!.run, runLease, fail);
    }
    const release = group === 'journey' && releases ? await verifyDue(state, releases, results, fail, requestId) : undefined;
    const verdict = verdictOf(results, state.config.owners);
    return { ok: verdict.ok, verdict, results: results.map((r) => lightResult(r, kept.get(r) ?? [])), ...(release ? { release } : {}) };
  }

  /**
   * Takes `lease` for this invocation, until the function's own deadline (so a holder that
   * crashes blocks others one function timeout at most). A lease S3 neither grants nor refuses
   * (unreadable, AccessDenied, a 5xx) is a `monitor:lease` line, and the caller goes on without
   * it: two runs at once are a smaller harm than none.
   */
  async function takeLease(state: GroupState, lease: S3Lease, purpose: string, fail: (what: string, summary: string) => void): Promise<{ held: HeldLease | null } | { heldBy: LeaseState }> {
    const at = (deps.now ?? (() => new Date()))();
    const left = state.invocation.remainingMs();
    const until = new Date(at.getTime() + (Number.isFinite(left) ? Math.max(0, left) : LEASE_WITHOUT_DEADLINE_MS));
    try {
      const taken = await lease.take(state.invocation.holder ?? 'unknown', purpose, until, { now: at, abortSignal: ioBudget(state) });
      if (!taken.taken) return { heldBy: taken.heldBy };
      if (taken.tookOver && !taken.tookOver.releasedAt)
        state.diagnostics.warn('lease taken over from a holder past its expiry', { lease: lease.where, holder: taken.tookOver.holder, until: taken.tookOver.until });
      return { held: taken.lease };
    } catch (err) {
      fail('lease', `${purpose}: ${describeError(err)}; going on without the lease`);
      return { held: null };
    }
  }

  async function giveBack(state: GroupState, lease: S3Lease, held: HeldLease, fail: (what: string, summary: string) => void): Promise<void> {
    try {
      await lease.release(held, { now: (deps.now ?? (() => new Date()))(), abortSignal: ioBudget(state) });
    } catch (err) {
      fail('lease', describeError(err));
    }
  }

  /** The previous journey run still holds the run lease: this invocation runs nothing, says so (who, until when), and counts it (`JourneyRunSkipped`); it is no failure of anything. */
  async function skipRun(state: GroupState, heldBy: LeaseState, requestId?: string): Promise<HandlerResult> {
    const { config } = state;
    const summary = `journey run skipped: the previous run (${heldBy.holder}) holds the run lease until ${heldBy.until}`;
    out.warn('journey run skipped', { ...(requestId ? { requestId } : {}), environment: config.environment, holder: heldBy.holder, until: heldBy.until, summary });
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const point = journeyRunSkippedRecord(config.environment, at, config.aws.namespace);
    await state.sink.inner.write([point]).catch((err: unknown) => monitorFailure(config, 'metrics', `${METRICS.journeyRunSkipped.name} not published: ${describeError(err)}`, requestId));
    return { ok: true, verdict: { ok: true, class: null, owner: null, summary }, results: [], skipped: { holder: heldBy.holder, until: heldBy.until, summary } };
  }

  /** While a signed profile has no key, its secret is read again at each invocation (bounded); the monitors take the keys that came. */
  async function retryMissingKeys(state: GroupState, fail: (what: string, summary: string) => void): Promise<void> {
    if (!state.keys.missing.length) return;
    try {
      const next = await withDeadline(state.keys.retry(state.config), Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS)), () => new Error('the launch key secrets did not answer in time'));
      if (next) state.rebuild(next);
    } catch (err) {
      state.diagnostics.warn('launch keys not read again', { error: describeError(err) });
    }
  }

  /**
   * A release window that ended and has no verdict yet: verified here, one at most per
   * invocation, with the same two runs as a local monitor (lib/runtime/release-verification.ts),
   * when the time left is enough for its journeys at this run's pace; otherwise skipped (and
   * logged), for the next invocation. The verdict goes to the S3 release store and CloudWatch
   * (`Release`), and to KiAP's and the window owner's topics.
   */
  async function verifyDue(state: GroupState, releases: ReleaseRecord[], results: readonly ClassifiedResult[], fail: (what: string, summary: string) => void, requestId?: string): Promise<HandlerRelease | undefined> {
    const { config, verification } = state;
    if (!verification || !state.releases) return undefined;
    const now = (deps.now ?? (() => new Date()))();
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
    const leftMs = state.invocation.remainingMs();
    const skipped = (summary: string): HandlerRelease => {
      out.warn('release verification skipped', { ...ids, summary });
      return { version, windowId: window.id, verdict: 'skipped', summary, topics: [] };
    };
    if (leftMs < needMs) return skipped(`${Math.round(leftMs / 1000)} s left of the function's time, a verification needs about ${Math.round(needMs / 1000)} s; the next invocation tries again`);
    const store = state.releases;
    const verify = async (): Promise<HandlerRelease> => {
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
      if (verified.unjudged) {
        // Only the monitor's own checks failed (a vendor's key missing, say): that says nothing of the release, and KiAP is not paged for it.
        state.retryVerifyAt.set(window.id, now.getTime() + RETRY_VERIFY_MS);
        const failing = report.checks.filter((c) => c.result === 'fail');
        const names = failing.map((c) => c.check.replace(/^probe /, '')).join(', ');
        const summary = `release ${version} (window ${window.id}) not judged: only the monitor's own checks failed (${names}; the first: ${failing[0]!.observed}); no verdict recorded or sent, tried again in ${RETRY_VERIFY_MS / 60_000} min`;
        fail('release', summary);
        return { version, windowId: window.id, verdict: 'error', summary, topics: [] };
      }
      if (!recorded) return skipped(`stopped before the function's deadline after ${report.runs.length} of 2 runs; the next invocation tries again`);
      for (const e of errors) fail('release', `the verdict of release ${version} was not fully recorded: ${describeError(e)}`);
      if (report.verdict.pass) {
        state.monitor.expectVersion(version);
        verification.monitor.expectVersion(version);
      }
      const notification = releaseNotification(report, config, window);
      const owners = verdictOwners(config, window);
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
          await verification.publisher.publish(topic, { subject: notification.subject, message: notification.text }, { abortSignal: AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS))) });
          topics.push(topic);
        } catch (err) {
          fail('release', `the verdict of release ${version} was not published to ${owner}'s topic: ${describeError(err)}`);
        }
      }
      // The channels too (PagerDuty, Slack, Teams, webhooks), as a local monitor sends it: a pass after a failed verification resolves that incident first.
      const previous = releases.filter((r) => r.windowId !== window.id).at(-1);
      const toSend: Notification[] = report.verdict.pass && previous?.verdict === 'fail' ? [{ ...notification, kind: 'resolve' }, notification] : [notification];
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
        await verification.metrics.write(deliveries.map((d) => notificationRecord(config.environment, d.channel, !d.ok, notification.at, config.aws.namespace))).catch((err: unknown) => fail('release', `NotificationFailed not published: ${describeError(err)}`));
      const line = { ...ids, verdict: report.verdict.pass ? 'pass' : 'fail', summary: notification.cause, topics, channels: deliveries.map((d) => ({ channel: d.channel, ok: d.ok })) };
      if (report.verdict.pass) out.info('release verified', line);
      else out.warn('release verification failed', line);
      return { version, windowId: window.id, verdict: report.verdict.pass ? 'pass' : 'fail', summary: notification.cause, topics };
    };
    // One verification per window: a second container finding the window's lease held leaves it to the holder.
    let lease: HeldLease | null = null;
    if (state.leases) {
      const taken = await takeLease(state, state.leases.verification, `release ${version} (window ${window.id})`, fail);
      if ('heldBy' in taken) {
        const summary = `${taken.heldBy.holder} is verifying ${taken.heldBy.purpose || 'a release'} (its lease runs until ${taken.heldBy.until}); this invocation does not verify it too`;
        out.warn('release verification skipped', { ...ids, holder: taken.heldBy.holder, until: taken.heldBy.until, summary });
        return { version, windowId: window.id, verdict: 'skipped', summary, topics: [] };
      }
      lease = taken.held;
    }
    try {
      if (lease) {
        // Under the lease, the verdicts once more: another container may have verified this window since this invocation read them.
        const fresh = await store.list({ abortSignal: ioBudget(state) }).catch(() => null);
        if (fresh && !windowsToVerify([window], fresh, now).length) {
          out.info('release already verified', { ...ids, summary: `release ${version} (window ${window.id}) has its verdict from another invocation` });
          return undefined;
        }
        if (fresh) releases = fresh;
      }
      return await verify();
    } finally {
      if (lease) await giveBack(state, state.leases!.verification, lease, fail);
    }
  }

  /**
   * The re-check rule's invocation (cdk/journey-recheck.ts): the journey runs again only when
   * its latest result, read from S3 (whichever container wrote it), failed. Otherwise it
   * returns at once: no cold start of the journey's state, so no Chromium is unpacked or
   * launched, one S3 GET. When it cannot tell (no bucket, the read failed), it runs the journey:
   * a re-check too many costs a journey, one too few a late page.
   */
  async function recheck(context: LambdaContext): Promise<HandlerResult> {
    const requestId = context?.awsRequestId;
    let reason: string;
    let run = true;
    try {
      recheckMeans ??= (() => {
        const config = loadHandlerConfig(env, tmpDir);
        const bucket = env[HANDLER_ENV.artifactsBucket];
        const region = env[HANDLER_ENV.region];
        const store = bucket && region ? createLatestResultsStore({ region, bucket, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) }) : null;
        return { config, store };
      })();
      const { config, store } = recheckMeans;
      if (!store) reason = 'no artifacts bucket, so no latest result to go by';
      else {
        const read = await store.read(config.environment, 'journey', { abortSignal: AbortSignal.timeout(LATEST_IO_TIMEOUT_MS) });
        if (!isLatestResults(read)) {
          run = false;
          reason = 'no latest journey result yet: the scheduled journey comes first';
        } else {
          run = anyFailed(read.results);
          reason = run ? `the latest journey (${read.at}) failed` : `the latest journey (${read.at}) passed`;
          // Fresher than what a warm journey container remembers: its failing stretch goes on from here.
          const warm = started.get('journey');
          if (warm && (!warm.latest || Date.parse(warm.latest.at) < Date.parse(read.at))) warm.latest = read;
        }
      }
    } catch (err) {
      reason = `the latest journey result could not be read (${describeError(err)}), so the journey runs`;
    }
    const environment = recheckMeans?.config.environment ?? 'unknown';
    if (!run) {
      out.info('journey re-check skipped', { ...(requestId ? { requestId } : {}), environment, summary: reason });
      const owners = recheckMeans?.config.owners ?? DEFAULT_OWNERS;
      return { ok: true, verdict: { ...verdictOf([], owners), summary: `re-check skipped: ${reason}` }, results: [], recheck: 'skipped' };
    }
    out.info('journey re-check', { ...(requestId ? { requestId } : {}), environment, summary: reason });
    return { ...(await invoke('journey', context)), recheck: 'ran' };
  }

  return {
    journey: (event, context) => (isRecheckEvent(event) ? recheck(context) : invoke('journey', context)),
    sync: (_event, context) => invoke('sync', context),
    nodes: (_event, context) => invoke('nodes', context),
  };
}

/** Time kept for the verdict's record and notification after a verification. */
export const VERIFY_RESERVE_MS = 5_000;

/** A lease taken without a deadline to derive its expiry from (no Lambda context): the journey function's longest timeout. */
export const LEASE_WITHOUT_DEADLINE_MS = 900_000;

/** The bound on one small S3 call of an invocation (a lease, a re-read): never past the deadline less its reserve. */
function ioBudget(state: GroupState): AbortSignal {
  return AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS)));
}

/** Tells the Lambda browser the load balancer's address and leaf (the journey's own target). */
async function retarget(config: Config, browser: LambdaBrowserProvider, resolve: Resolve, ca: string[] | null, logger: Logger): Promise<void> {
  const target = await journeyBrowserTarget(config, resolve, ca, logger);
  await browser.setHostResolverRules(target.hostResolverRules);
  await browser.setTrustedSpkis(target.trustedSpkis);
}

/**
 * The release verdicts, once per invocation (one bounded GET): the last verified version becomes
 * what this run and every later one expects. Unreadable, they are a `monitor:releases` line and
 * the run expects what it expected before.
 */
async function readReleases(state: GroupState, fail: (summary: string) => void): Promise<ReleaseRecord[] | null> {
  const store = state.releases;
  if (!store) return null;
  try {
    const list = await store.list({ abortSignal: AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS))) });
    const last = lastVerifiedOf(list);
    if (last) {
      state.monitor.expectVersion(last.version);
      state.verification?.monitor.expectVersion(last.version);
    }
    return list;
  } catch (err) {
    fail(`release verdicts not read from ${store.where}, this run expects ${state.monitor.expectedVersion ?? 'the nodes to agree'}: ${describeError(err)}`);
    return null;
  }
}

/**
 * Uploads each failed result's artifacts to S3 (when a bucket is configured) and removes the
 * uploaded local copies, so a warm container's /tmp does not fill up. Returns, per result,
 * the S3 URIs, or the local paths when there is no bucket or an upload failed.
 */
async function keepArtifacts(state: GroupState, results: readonly ClassifiedResult[], fail: (summary: string) => void): Promise<Map<ClassifiedResult, string[]>> {
  const kept = new Map<ClassifiedResult, string[]>();
  const keep: string[] = [];
  const dir = state.config.artifacts.dir;
  for (const r of results) {
    if (!r.artifacts.length) continue;
    const local = (p: string) => path.join(dir, p);
    if (!state.artifacts) {
      kept.set(r, r.artifacts.map(local));
      continue;
    }
    const { uploaded, failed } = await state.artifacts.upload(state.config.environment, dir, r.artifacts);
    const byPath = new Map(uploaded.map((u) => [u.path, u.uri]));
    kept.set(r, r.artifacts.map((p) => byPath.get(p) ?? local(p)));
    if (failed.length) fail(`artifacts of ${r.probe} not uploaded to s3://${state.artifacts.bucket}: ${failed.map((f) => `${f.path}: ${f.error}`).join('; ')}`);
    keep.push(...failed.map((f) => f.path.split(/[\\/]/)[0]!));
  }
  // Uploaded, and whatever an earlier attempt of a retried probe left: only what failed to upload stays until the next invocation.
  if (state.artifacts) await clearDir(dir, new Set(keep));
  return kept;
}

/**
 * Writes the group's latest results for the notifier, with each failing probe's stretch
 * continued from the last document: the one in memory while the container is warm, the stored
 * one after a cold start (read once). Never throws: a read or write that fails is reported
 * through `fail` (a `monitor` line), and the stretch goes on in memory.
 */
async function keepLatest(
  state: GroupState,
  group: ProbeGroup,
  results: readonly ClassifiedResult[],
  kept: ReadonlyMap<ClassifiedResult, string[]>,
  io: { now: () => Date; remainingMs: () => number; fail: (summary: string) => void },
): Promise<void> {
  const store = state.latestStore;
  if (!store) return;
  const { environment } = state.config;
  const budget = () => AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, io.remainingMs() - 1_000)));
  if (state.latest === undefined) {
    try {
      const read = await store.readTagged(environment, group, { abortSignal: budget() });
      state.latest = read.latest;
      state.latestEtag = read.etag;
    } catch (err) {
      state.latest = null;
      io.fail(`latest results of ${group} not read (failing stretches start afresh): ${describeError(err)}`);
    }
  }
  const now = io.now();
  const latest: LatestResults = {
    group,
    at: now.toISOString(),
    results: results.map((r) => ({ ...r, artifacts: kept.get(r) ?? [] })),
    failing: nextFailing(state.latest, results, { now, maxGapMs: latestMaxAgeMs(state.config, group) }),
  };
  // Counted on in memory even when the write fails: the next run continues from here.
  state.latest = latest;
  try {
    // Conditional on what this container last read or wrote: a run that started later and wrote first keeps its document.
    const written = await store.write(environment, latest, { abortSignal: budget(), ...(state.latestEtag !== undefined ? { etag: state.latestEtag } : {}) });
    state.latestEtag = written.etag;
    if (!written.written) {
      state.latest = written.newer;
      state.diagnostics.info('latest results left as they are: a run that started later wrote them first', { group, at: written.newer.at });
    }
  } catch (err) {
    io.fail(`latest results of ${group} not written, the next page says less: ${describeError(err)}`);
  }
}

/** Removes the entries of `dir` except those named in `keep`; a missing directory is fine. */
async function clearDir(dir: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => !keep.has(n)).map((n) => rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
}

function lightResult(r: ClassifiedResult, artifacts: string[]): HandlerProbeResult {
  return {
    probe: r.probe,
    kind: r.kind,
    target: r.target,
    ok: r.ok,
    class: r.class,
    owner: r.owner,
    summary: r.summary,
    durationMs: r.durationMs,
    attempts: r.attempts,
    steps: r.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, ...(s.error ? { error: s.error } : {}) })),
    observations: r.observations,
    artifacts,
  };
}

const handlers = createHandlers();

/** The journey function: the five contract steps in the Lambda Chromium, every `schedule.journeySeconds`; on the re-check rule's event, again only while the latest journey fails. */
export const journeyHandler: Handler = handlers.journey;
/** The sync function: every sync source's status, every `schedule.syncSeconds`. */
export const syncHandler: Handler = handlers.sync;
/** The nodes function: each node, the load balancer and the release check, every `schedule.nodesSeconds`. */
export const nodesHandler: Handler = handlers.nodes;
