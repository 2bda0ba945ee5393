/**
 * Verifying a release where it is installed: when a maintenance window that installs release V
 * ends (its planned end, or `window end`), the monitor itself checks that every node reports V,
 * that the full journey passes on each node directly and through the load balancer, and each
 * step's latency against the baseline from before the window — the post-release canary, run
 * once with the node journeys (`canary --nodes` does the same from a terminal). The verdict is
 * recorded (store record and `Release` metric), becomes the version later runs expect once it
 * passed, and is sent to KiAP and the window's owner: "release 2026.4.2 verified: 3/3 nodes on
 * 2026.4.2, 4 journeys passed" or "release 2026.4.2 FAILED: flp-2 answers 2026.4.1".
 */
import type { Config } from '../core/config.ts';
import { verdictOf } from '../core/classify.ts';
import type { ReleaseRecord, ResultSink } from '../core/records.ts';
import type { RunReport } from '../core/result.ts';
import { actualEnd, windowOwner, type RuntimeWindow } from '../core/windows.ts';
import type { HistorySource } from '../adapters/history.ts';
import { capLines, notificationKey, type Notification } from '../alarms/notification.ts';
import { recordRelease, runCanary, type CanaryReport, type CanaryRunner } from '../reports/canary.ts';
import type { ReleaseStore } from '../adapters/release-store.ts';
import type { Monitor } from './monitor.ts';
import type { PageNotifier, SentNotification } from './page-notifier.ts';

/** Runs of a verification: the first with the journey on each node, the second to judge latency warm. */
export const VERIFY_RUNS = 2;

/** A window older than this when the monitor first sees it ended is not verified any more: its release is history. */
export const VERIFY_WITHIN_MS = 24 * 3_600_000;

/** Every probe and then the journey on each node (in every run, or with `firstOnly` in the first run only). */
export function withNodeJourneys(monitor: Monitor, options: { firstOnly?: boolean } = {}): CanaryRunner {
  let runs = 0;
  return {
    async runOnce(): Promise<RunReport> {
      const t0 = performance.now();
      const report = await monitor.runOnce();
      runs += 1;
      // Without the journey there is nothing to run on each node.
      if (!monitor.config.journey.enabled || (options.firstOnly && runs > 1)) return report;
      const nodes = await monitor.runNodeJourneys();
      const results = [...report.results, ...nodes];
      const verdict = verdictOf(results, monitor.config.owners);
      return { ...report, ok: verdict.ok, verdict, results, durationMs: Math.round(performance.now() - t0) };
    },
  };
}

/** The release windows that ended and have no verdict yet, oldest first. */
export function windowsToVerify(windows: readonly RuntimeWindow[], releases: readonly ReleaseRecord[], now: Date): RuntimeWindow[] {
  const verified = new Set(releases.map((r) => r.windowId).filter((id): id is string => !!id));
  return windows
    .filter((w) => w.release && !verified.has(w.id))
    .filter((w) => actualEnd(w).getTime() <= now.getTime() && now.getTime() - actualEnd(w).getTime() <= VERIFY_WITHIN_MS)
    .sort((a, b) => actualEnd(a).getTime() - actualEnd(b).getTime());
}

export interface VerifyOptions {
  monitor: Monitor;
  /** Where the latency baseline comes from (the store, or CloudWatch). */
  history: HistorySource;
  /** Where the verdict is recorded. */
  sinks: readonly ResultSink[];
  signal?: AbortSignal;
  /** Record a verification stopped by `signal` (default true); the Lambda handler does not: the next invocation verifies again. */
  recordInterrupted?: boolean;
  /**
   * Record a verdict that failed on the monitor's own checks alone (default true: the canary
   * passes no release it could not check); the Lambda handler does not, and pages no one about the
   * release for it: a vendor's key missing says nothing of what KiAP installed.
   */
  recordUnjudged?: boolean;
}

/** Verifies the release of `window` (or `version` on demand): one canary run with the node journeys, recorded. */
export async function verifyRelease(
  config: Config,
  release: { version: string; window?: RuntimeWindow },
  options: VerifyOptions,
): Promise<{ report: CanaryReport; errors: Error[]; recorded: boolean; /** Failed on the monitor's own checks alone (see `recordUnjudged`). */ unjudged: boolean }> {
  const expecting: Config = { ...config, target: { ...config.target, expectedVersion: release.version } };
  const report = await runCanary({
    config: expecting,
    version: release.version,
    // Two runs: the node journeys in the first, and the second, warm, is what latency is judged on (as the canary judges it).
    runner: withNodeJourneys(options.monitor, { firstOnly: true }),
    history: options.history,
    plan: { runs: VERIFY_RUNS },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const unjudged = judgedOnlyByMonitor(report);
  if (report.interrupted && options.recordInterrupted === false) return { report, errors: [], recorded: false, unjudged };
  if (unjudged && options.recordUnjudged === false) return { report, errors: [], recorded: false, unjudged };
  const errors = await recordRelease(report, expecting, options.sinks, release.window?.id);
  return { report, errors, recorded: true, unjudged };
}

/** Whether a verdict failed on the monitor's own checks alone (class `monitor`): it then says nothing about the release. */
export function judgedOnlyByMonitor(report: Pick<CanaryReport, 'verdict' | 'checks'>): boolean {
  const failing = report.checks.filter((c) => c.result === 'fail');
  return !report.verdict.pass && failing.length > 0 && failing.every((c) => c.class === 'monitor');
}

/** The words of a verdict: what passed, or the first thing that failed, naming the node. */
export function verdictWords(report: CanaryReport, config: Config): string {
  const v = report.version;
  if (report.verdict.pass) {
    const nodes = config.target.nodes.length;
    const journeys = report.checks.filter((c) => c.kind === 'probe' && /^probe journey(:|$)/.test(c.check) && c.result === 'pass').length;
    return `release ${v} verified: ${nodes}/${nodes} nodes on ${v}, ${journeys} ${journeys === 1 ? 'journey' : 'journeys'} passed`;
  }
  const failing = report.checks.filter((c) => c.result === 'fail');
  const first = failing[0];
  if (!first) return `release ${v} FAILED: ${report.verdict.summary}`;
  const node = /^version (.+)$/.exec(first.check)?.[1];
  const what = node ? `${node} answers ${first.observed.replace(/ in \d+\/\d+ runs?$/, '')}` : `${first.check.replace(/^probe /, '')}: ${first.observed}`;
  return `release ${v} FAILED: ${what}${failing.length > 1 ? ` (+${failing.length - 1} more)` : ''}`;
}

/** Who is told a verification's verdict: the release's owner (KiAP) and the window's owner, once each. */
export function verdictOwners(config: Pick<Config, 'owners'>, window: RuntimeWindow): string[] {
  return [...new Set([config.owners.release, windowOwner(window, config.owners)])];
}

/** Checks a release notice lists at most, of those that failed and of those that passed each; the rest it says as "… and N more". */
export const RELEASE_NOTICE_CHECKS = 100;

/**
 * The verdict as a notification for KiAP and the window's owner: a failure is a page of class
 * `release` (its own incident, `flp-<env>-release-verification`, resolved by the next passing
 * verification); a pass is a notice that opens no incident (PagerDuty gets it as a change event).
 */
export function releaseNotification(report: CanaryReport, config: Config, window?: RuntimeWindow): Notification {
  const pass = report.verdict.pass;
  const words = verdictWords(report, config);
  const owner = config.owners.release;
  const subject = `[FLP ${config.environment}] ${words}`.slice(0, 100);
  // A release of many nodes has hundreds of checks: the notice lists the first hundred of each kind and counts the rest.
  const evidence = capLines(report.checks.filter((c) => c.result === 'fail').map((c) => `${c.check}: ${c.observed} (${c.class} · ${c.owner})`), RELEASE_NOTICE_CHECKS);
  const passed = capLines(report.checks.filter((c) => c.result === 'pass').map((c) => `${c.check}: ${c.observed}`), RELEASE_NOTICE_CHECKS);
  const windowLine = window ? `Window: ${window.reason} (${window.id}), planned ${window.start} – ${window.end}${window.endedAt ? `, ended ${window.endedAt}` : ''}; owner ${windowOwner(window, config.owners)}` : undefined;
  const lines = [subject, '', pass ? `Verified: ${words}` : `What broke: ${words}`, `Whose job: ${owner} (release)`, ...(windowLine ? [windowLine] : []), ''];
  if (evidence.length) lines.push('Evidence:', ...evidence.map((l) => `  - ${l}`), '');
  lines.push(pass ? 'Checks:' : 'Passed:', ...(passed.length ? passed : ['none']).map((l) => `  - ${l}`));
  return {
    key: `${notificationKey(config.environment, 'release', 'page')}-verification`,
    kind: pass ? 'notice' : 'trigger',
    severity: 'page',
    class: 'release',
    owner,
    environment: config.environment,
    subject,
    cause: words,
    at: new Date(report.startedAt).toISOString(),
    evidence: pass ? passed : evidence,
    symptoms: [],
    links: [],
    runbook: pass ? undefined : 'Check first: the failing node\'s installation (version, the app it serves) against the release plan; the journey\'s screenshot and trace name the step.',
    text: lines.join('\n'),
  };
}

/** Where the watch finds the run-time windows (the local store, or the deployment's state). */
export interface WindowSource {
  list(): Promise<RuntimeWindow[]>;
}

/** What a verdict became: the report, the notification and where it was sent. */
export interface VerdictOutcome {
  window: RuntimeWindow;
  report: CanaryReport;
  notification: Notification;
  sent: SentNotification[];
  errors: Error[];
}

export interface ReleaseWatchOptions {
  config: Config;
  monitor: Monitor;
  windows: WindowSource;
  releases: ReleaseStore;
  history: HistorySource;
  /** Where the verdict is recorded besides the release store (the metric store, the evaluator). */
  sinks: readonly ResultSink[];
  notifier: PageNotifier;
  now?: () => Date;
}

/**
 * Watches the release windows of a running monitor (`run`, `npm start`): when one has ended and
 * has no verdict yet, verifies its release, once, records the verdict, makes a passing version
 * the one later runs expect, and tells KiAP and the window's owner.
 */
/** After a verification that could not run (the baseline unreadable), wait this long before trying that window again. */
export const RETRY_VERIFY_MS = 5 * 60_000;

export class ReleaseWatch {
  readonly #o: ReleaseWatchOptions;
  #busy = false;
  /** Windows whose verification could not run, and when it may be tried again. */
  readonly #backoff = new Map<string, number>();

  constructor(options: ReleaseWatchOptions) {
    this.#o = options;
  }

  /** Takes the last verified release from the store, so a restarted monitor expects it. */
  async start(): Promise<string | undefined> {
    const last = await this.#o.releases.lastVerified();
    if (last) this.#o.monitor.expectVersion(last.version);
    return last?.version;
  }

  /** Verifies what is due now (none while a verification is running); returns what was judged. */
  async tick(signal?: AbortSignal): Promise<VerdictOutcome[]> {
    if (this.#busy) return [];
    this.#busy = true;
    try {
      const { config, monitor } = this.#o;
      const now = (this.#o.now ?? (() => new Date()))();
      const due = windowsToVerify(await this.#o.windows.list(), await this.#o.releases.list(), now).filter((w) => (this.#backoff.get(w.id) ?? 0) <= now.getTime());
      const out: VerdictOutcome[] = [];
      for (const window of due) {
        if (signal?.aborted) break;
        let verified: Awaited<ReturnType<typeof verifyRelease>>;
        try {
          verified = await verifyRelease(config, { version: window.release!, window }, {
            monitor,
            history: this.#o.history,
            sinks: [this.#o.releases, ...this.#o.sinks],
            ...(signal ? { signal } : {}),
          });
        } catch (err) {
          this.#backoff.set(window.id, now.getTime() + RETRY_VERIFY_MS);
          throw new Error(`release ${window.release} (window ${window.id}) could not be verified, trying again in ${RETRY_VERIFY_MS / 60_000} min: ${(err as Error).message}`, { cause: err });
        }
        const { report, errors } = verified;
        if (report.verdict.pass) monitor.expectVersion(report.version);
        const notification = releaseNotification(report, config, window);
        const owners = verdictOwners(config, window);
        const sent = await this.#o.notifier.notify(notification, owners);
        out.push({ window, report, notification, sent, errors });
      }
      return out;
    } finally {
      this.#busy = false;
    }
  }
}
