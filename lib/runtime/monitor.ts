/**
 * The composition root of a monitor process: builds the real context (resolver, HTTP client,
 * browser, store) from the config once, runs probe groups with retry, classifies, keeps the
 * latest result of every probe, and writes every result to the store. The CLI's `run --once`
 * and the scheduled `start` both use it.
 */
import { classify, verdictOf } from '../core/classify.ts';
import type { Config } from '../core/config.ts';
import { systemClock, type Clock, type HttpClient, type Logger, type ProbeContext, type Resolve } from '../core/context.ts';
import { createHttpClient } from '../adapters/http.ts';
import { silentLogger } from '../adapters/logger.ts';
import { heartbeatRecord, maintenanceRecord, metricRecords, resultRecord, type ResultSink, type StoreRecord } from '../core/records.ts';
import { openWindow, type RuntimeWindow } from '../core/windows.ts';
import { describeError } from '../core/format.ts';
import { redact } from '../core/privacy.ts';
import { createResolver } from '../adapters/resolver.ts';
import { withRetry } from '../core/retry.ts';
import type { ClassifiedResult, ProbeResult, RunReport, Verdict } from '../core/result.ts';
// The journey (Playwright) loads only when a journey runs: the sync and node functions never need it.
import type { BrowserProvider } from '../adapters/browser.ts';
import { enabledGroups, intervalSeconds, KIND_ORDER, PROBE_IDS, type ProbeGroup } from '../core/contract.ts';
import { journeyBrowserTarget, readTargetCa, type JourneyBrowserTarget } from './journey-trust.ts';
import { probeLoadBalancer, probeNode } from '../../probes/node.ts';
import { checkRelease } from '../../probes/release.ts';
import { probeSync } from '../../probes/sync.ts';
import { probeLaunch } from '../../probes/launch.ts';
import { judgeLaunchStats, readLaunchStats } from '../../probes/launch-stats.ts';


export interface MonitorDeps {
  clock?: Clock;
  logger?: Logger;
  resolve?: Resolve;
  http?: HttpClient;
  sinks?: ResultSink[];
  /** Supply a browser provider (tests reuse one across monitors); otherwise one is made lazily. */
  browser?: BrowserProvider;
  /**
   * The run-time maintenance windows (`flp-monitor window …`), read once per recorded run
   * beside the config's `maintenance`: the local file, or the deployment's S3 object. A store
   * that cannot be read is logged as a monitor problem and counts as no run-time windows.
   */
  windows?: { list(): Promise<RuntimeWindow[]> };
  /**
   * The browser for the journey on one node (`runNodeJourneys`), told that node's address and
   * leaf; `done` is called after that node's journey. Default: a `BrowserProvider` of its own per
   * node, closed after it. The Lambda handler hands out its one Lambda browser instead, retargeted.
   */
  nodeBrowser?: (target: JourneyBrowserTarget) => Promise<{ browser: BrowserProvider; done(): Promise<void> }>;
}

export class Monitor {
  readonly config: Config;
  readonly #ctx: ProbeContext;
  readonly #sinks: ResultSink[];
  readonly #latest = new Map<string, ClassifiedResult>();
  readonly #ownsBrowser: boolean;
  #browser: BrowserProvider | null;
  #browserTarget = '';
  #closing = false;
  /** Records being written right now: closing waits for them, so Ctrl-C never cuts a store line in half. */
  readonly #writing = new Set<Promise<void>>();
  #ca: string[] | null | undefined;
  /** A release verified since the config was written: what every node must report now. */
  #verifiedVersion: string | undefined;
  readonly #windows: MonitorDeps['windows'];
  readonly #nodeBrowser: MonitorDeps['nodeBrowser'];

  constructor(config: Config, deps: MonitorDeps = {}) {
    this.config = config;
    const resolve = deps.resolve ?? createResolver(config.target.dnsServers);
    this.#ctx = {
      clock: deps.clock ?? systemClock,
      logger: this.#quietWhenClosing(deps.logger ?? silentLogger),
      resolve,
      http: deps.http ?? createHttpClient({ resolve, caFile: config.target.caFile }),
    };
    this.#sinks = deps.sinks ?? [];
    this.#browser = deps.browser ?? null;
    this.#ownsBrowser = !deps.browser;
    this.#windows = deps.windows;
    this.#nodeBrowser = deps.nodeBrowser;
  }

  /**
   * The version every node must report: the last release verified (by the monitor at a release
   * window's end, or by the canary) when there is one, else `target.expectedVersion`; undefined
   * means the nodes need only agree.
   */
  get expectedVersion(): string | undefined {
    return this.#verifiedVersion ?? this.config.target.expectedVersion;
  }

  /** A release passed its verification: later runs expect it (no redeploy of `target.expectedVersion`). */
  expectVersion(version: string): void {
    this.#verifiedVersion = version;
  }

  /** Which groups this config runs (the journey can be switched off). */
  groups(): ProbeGroup[] {
    return enabledGroups(this.config);
  }

  /** Runs one probe group now, records and returns its classified results. */
  async runGroup(group: ProbeGroup): Promise<ClassifiedResult[]> {
    const raw = await this.#probe(group);
    return this.#keep(raw.map((r) => classify(redact(r), this.config.owners)));
  }

  /** Keeps a run's results as the latest (unless told not to) and writes them to the sinks. */
  async #keep(classified: ClassifiedResult[], asLatest = true): Promise<ClassifiedResult[]> {
    // A run cut short by our own shutdown says nothing about FLP: keep it out of the record.
    if (this.#closing) return classified;
    if (asLatest) for (const r of classified) this.#latest.set(r.probe, r);
    const writing = this.#record(classified);
    this.#writing.add(writing);
    try {
      await writing;
    } finally {
      this.#writing.delete(writing);
    }
    return classified;
  }

  /**
   * The full journey against each node directly (`journey:<node>`), one node after the other:
   * every `nodes[].url` serves the same app, so a node left with a broken install shows here
   * while its `/health` and version look right. A node's failure is the release's (KiAP's: the
   * install on that node), unless it is the hosting's (infrastructure). Recorded like any run.
   */
  async runNodeJourneys(): Promise<ClassifiedResult[]> {
    const { config } = this;
    const { probeJourneyRetried } = await import('../../probes/journey/forloebsplan.ts');
    const { BrowserProvider } = await import('../adapters/browser.ts');
    const nodeBrowser =
      this.#nodeBrowser ??
      (async (target: JourneyBrowserTarget) => {
        const browser = new BrowserProvider(target);
        return { browser, done: () => browser.close() };
      });
    if (this.#ca === undefined) this.#ca = readTargetCa(config);
    const maxRetryTimeMs = (intervalSeconds(config, 'journey') * 1000) / 2;
    const classified: ClassifiedResult[] = [];
    for (const node of config.target.nodes) {
      const direct: Config = { ...config, target: { ...config.target, baseUrl: node.url } };
      // Chromium is told the node's own address and accepts the node's own verified leaf.
      const target = await journeyBrowserTarget(direct, this.#ctx.resolve, this.#ca, this.#ctx.logger);
      const { browser, done } = await nodeBrowser(target);
      try {
        // Untraced first, a failure retried with the trace on (probes/journey/traced-retry.ts).
        const raw = await probeJourneyRetried(direct, { ...this.#ctx, browser, artifactsDir: config.artifacts.dir }, { retries: config.retry.retries, maxRetryTimeMs });
        classified.push(classify(redact({ ...raw, probe: PROBE_IDS.nodeJourney(node.name), target: node.url }), config.owners));
      } finally {
        await done();
      }
    }
    // Some nodes pass what another fails: that node's install, the release's. All failing alike is the application's.
    const passing = classified.filter((r) => r.ok).map((r) => r.probe.slice('journey:'.length));
    const judged = classified.map((r) =>
      !r.ok && passing.length && r.class !== 'infrastructure' && r.class !== 'monitor'
        ? { ...r, class: 'release' as const, owner: config.owners.release, summary: `${r.probe.slice('journey:'.length)} fails the journey ${passing.join(', ')} ${passing.length === 1 ? 'passes' : 'pass'}: ${r.summary}` }
        : r,
    );
    // One-off checks: recorded, but not the latest of a scheduled probe (the live verdict is not held by them).
    return this.#keep(judged, false);
  }

  /** Runs every group concurrently once; the verdict covers exactly this run. */
  async runOnce(): Promise<RunReport> {
    const started = this.#ctx.clock.now();
    const t0 = performance.now();
    const groups = await Promise.all(this.groups().map((g) => this.runGroup(g)));
    const results = groups.flat();
    const verdict = verdictOf(results, this.config.owners);
    return { ok: verdict.ok, verdict, startedAt: started.toISOString(), durationMs: Math.round(performance.now() - t0), results };
  }

  /** The latest result of every probe seen so far, in a stable order. */
  latest(): ClassifiedResult[] {
    const order = (r: ClassifiedResult) => KIND_ORDER.indexOf(r.kind);
    return [...this.#latest.values()].sort((a, b) => order(a) - order(b) || a.probe.localeCompare(b.probe));
  }

  verdict(): Verdict {
    return verdictOf(this.latest(), this.config.owners);
  }

  /** Stops the monitor: runs still in flight finish unrecorded, and the browser it started closes. */
  async close(): Promise<void> {
    this.#closing = true;
    // Writes already under way finish first (a sink's own timeouts bound them); new runs are not recorded.
    await Promise.allSettled([...this.#writing]);
    if (this.#ownsBrowser) await this.#browser?.close();
  }

  /** Probes interrupted by our own shutdown would log their interruption as failures; they are not. */
  #quietWhenClosing(logger: Logger): Logger {
    const gate =
      (fn: Logger['info']): Logger['info'] =>
      (message, fields) => {
        if (!this.#closing) fn(message, fields);
      };
    return { debug: gate(logger.debug), info: gate(logger.info), warn: gate(logger.warn), error: gate(logger.error) };
  }

  async #probe(group: ProbeGroup): Promise<ProbeResult[]> {
    const { config } = this;
    const requestMs = config.timeouts.requestMs;
    // A retry never starts after half the group's interval: the next scheduled run is the better retry.
    const maxRetryTimeMs = (intervalSeconds(config, group) * 1000) / 2;
    const retry = (attempt: () => Promise<ProbeResult>) => withRetry(attempt, { retries: config.retry.retries, maxRetryTimeMs });
    switch (group) {
      case 'sync':
        return Promise.all(config.sync.map((s) => retry(() => probeSync(s, this.#ctx, { requestMs }))));
      case 'nodes': {
        // The LPS checks are plain HTTP like the servers': each vendor's certified launch, and
        // one read of the real launches' statistics judged beside them.
        const { profiles, statsMinutes } = config.lps;
        const launchTarget = { baseUrl: config.target.baseUrl, clinic: config.journey.clinic, cpr: config.journey.cpr };
        const [results, launches, stats] = await Promise.all([
          Promise.all([
            retry(() => probeLoadBalancer(config.target.baseUrl, this.#ctx, { requestMs })),
            ...config.target.nodes.map((n) => retry(() => probeNode(n, this.#ctx, { requestMs }))),
          ]),
          Promise.all(profiles.map((p) => retry(() => probeLaunch(p, launchTarget, this.#ctx, { requestMs })))),
          profiles.length ? readLaunchStats(config.target.baseUrl, statsMinutes, this.#ctx, { requestMs }) : null,
        ]);
        return [...results, checkRelease(results, this.expectedVersion, this.#ctx.clock.now()), ...launches, ...(stats ? judgeLaunchStats(stats, launches, config) : [])];
      }
      case 'journey': {
        const browser = await this.#browserFor();
        const { probeJourneyRetried } = await import('../../probes/journey/forloebsplan.ts');
        // Untraced first, a failure retried with the trace on (probes/journey/traced-retry.ts).
        return [await probeJourneyRetried(config, { ...this.#ctx, browser, artifactsDir: config.artifacts.dir }, { retries: config.retry.retries, maxRetryTimeMs })];
      }
    }
  }

  /**
   * With a configured DNS server, Chromium must reach the target at the address that server
   * gives (it cannot be told to use another resolver), and with `target.caFile` it may accept
   * only the load balancer's leaf that verified against that CA just now (journey-trust.ts); so
   * the browser is started with both and restarted when either changes.
   */
  async #browserFor(): Promise<BrowserProvider> {
    if (!this.#ownsBrowser && this.#browser) return this.#browser;
    // Read at the first journey, not per run: like the HTTP client, the monitor reads its CA once.
    if (this.#ca === undefined) this.#ca = readTargetCa(this.config);
    const target = await journeyBrowserTarget(this.config, this.#ctx.resolve, this.#ca, this.#ctx.logger);
    const key = JSON.stringify(target);
    if (!this.#browser || key !== this.#browserTarget) {
      await this.#browser?.close();
      const { BrowserProvider } = await import('../adapters/browser.ts');
      this.#browser = new BrowserProvider(target);
      this.#browserTarget = key;
    }
    return this.#browser;
  }

  /** The run-time windows now; none (and an error line saying so) when the store cannot be read: the run goes on. */
  async #runtimeWindows(): Promise<RuntimeWindow[]> {
    if (!this.#windows) return [];
    try {
      return await this.#windows.list();
    } catch (err) {
      this.#ctx.logger.error('maintenance windows not read: run-time windows count as none in this run (a monitor problem)', {
        probe: 'monitor:windows',
        class: 'monitor',
        owner: this.config.owners.monitor,
        summary: describeError(err),
      });
      return [];
    }
  }

  async #record(results: readonly ClassifiedResult[]): Promise<void> {
    if (!this.#sinks.length) return;
    const env = this.config.environment;
    const ns = this.config.aws.namespace;
    const now = this.#ctx.clock.now();
    const records: StoreRecord[] = results.flatMap((r) => [...metricRecords(r, env, ns), resultRecord(r, env)]);
    const open = openWindow(this.config.maintenance, await this.#runtimeWindows(), now);
    records.push(heartbeatRecord(env, now.toISOString(), ns), maintenanceRecord(env, now.toISOString(), !!open, ns));
    await Promise.all(
      this.#sinks.map((s) =>
        s.write(records).catch((err: Error) => this.#ctx.logger.error('could not write results to a sink', { error: err.message })),
      ),
    );
  }
}
