/**
 * One invocation of a probe function, part of the handler kit (handler-kit.ts): the group's
 * state, started once per container (a failed cold start is a `monitor:cold-start` line and is
 * tried again next time); the invocation's request id and time left; then the run itself: the
 * launch keys still missing read again, /tmp cleared, the release verdicts read (the last
 * verified version is what the nodes must report), the group's probes under the function's
 * deadline, artifacts to S3, one JSON line per result, the latest results for the notifier,
 * and the metrics' fate. The sync and nodes functions are exactly this; the journey function
 * wraps it in its run lease and follows it with a release verification (journey-handler.ts).
 *
 * A failure of FLP is a result, never an exception. A failure of the monitor (bad config,
 * metrics not published, out of time) is logged with class `monitor` and then thrown, so
 * Lambda counts an error.
 */
import type { LambdaBrowserProvider } from '../adapters/lambda-browser.ts';
import { verdictOf } from '../core/classify.ts';
import type { Config } from '../core/config.ts';
import type { Logger, Resolve } from '../core/context.ts';
import type { ProbeGroup } from '../core/contract.ts';
import { withDeadline } from '../core/deadline.ts';
import { describeError } from '../core/format.ts';
import type { ReleaseRecord } from '../core/records.ts';
import { lastVerifiedOf } from '../core/release-list.ts';
import type { ClassifiedResult } from '../core/result.ts';
import { loadHandlerConfig } from './handler-config.ts';
import {
  DEADLINE_RESERVE_MS,
  LATEST_IO_TIMEOUT_MS,
  ioBudget,
  lightResult,
  MonitorFailure,
  remainingOf,
  type GroupState,
  type HandlerKit,
  type HandlerRelease,
  type HandlerResult,
  type LambdaContext,
} from './handler-kit.ts';
import { clearDir, keepArtifacts, keepLatest } from './handler-results.ts';
import { journeyBrowserTarget } from './journey-trust.ts';

/** A group's state, started on first use and kept while the container is warm. */
export interface StateCache {
  get(): Promise<GroupState>;
  /** The state once its cold start has finished (the re-check hands the journey's the latest document it read). */
  readonly started: GroupState | undefined;
}

export function stateCache(start: () => Promise<GroupState>): StateCache {
  let pending: Promise<GroupState> | undefined;
  let started: GroupState | undefined;
  return {
    get() {
      // A failed cold start is not kept: the next invocation tries again.
      pending ??= start().then(
        (ready) => {
          started = ready;
          return ready;
        },
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      );
      return pending;
    },
    get started() {
      return started;
    },
  };
}

/** The invocation under way: its group's state, its request id, and its `monitor:<what>` line. */
export interface Invocation {
  state: GroupState;
  requestId: string | undefined;
  fail: (what: string, summary: string) => void;
}

/** The group's state for this invocation (a cold start that fails is logged and thrown), told the invocation's request id, time left and lease holder. */
export async function beginInvocation(kit: HandlerKit, group: ProbeGroup, context: LambdaContext, cache: StateCache): Promise<Invocation> {
  const requestId = context?.awsRequestId;
  let state: GroupState;
  try {
    state = await cache.get();
  } catch (err) {
    let config: Config | null = null;
    try {
      config = loadHandlerConfig(kit.env, kit.tmpDir);
    } catch {
      // The config itself is what failed; the line says so.
    }
    kit.monitorFailure(config, 'cold-start', `the ${group} function could not start: ${describeError(err)}`, requestId);
    throw err;
  }
  state.sink.failures.length = 0;
  state.invocation.requestId = requestId;
  state.invocation.windows = undefined;
  state.invocation.remainingMs = remainingOf(context);
  state.invocation.holder = `${context?.functionName ?? `flp-${group}`}/${requestId ?? 'unknown'}`;
  return { state, requestId, fail: (what, summary) => kit.monitorFailure(state.config, what, summary, requestId) };
}

/** What a group's run produced: its results, where each one's artifacts went, and the release verdicts read before it (null: none, or unreadable). */
export interface GroupRun {
  results: ClassifiedResult[];
  kept: Map<ClassifiedResult, string[]>;
  releases: ReleaseRecord[] | null;
}

/** Runs the group once and leaves its traces (artifacts, result lines, latest results); throws when the probes overran the deadline or the metrics were not published. */
export async function runGroup(kit: HandlerKit, { state, requestId, fail }: Invocation, group: ProbeGroup): Promise<GroupRun> {
  await retryMissingKeys(state);
  const { config, monitor, sink } = state;
  // The last invocation's artifacts were uploaded or reported; /tmp outlives it in a warm container.
  await clearDir(config.artifacts.dir);
  if (state.browser) await retarget(config, state.browser, state.resolve, state.ca, state.diagnostics);
  const releases = await readReleases(state, (summary) => fail('releases', summary));

  const remaining = state.invocation.remainingMs();
  let results: ClassifiedResult[];
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

  const kept = await keepArtifacts(state, results, (summary) => fail('artifacts', summary));
  logResults(kit, config, results, kept, requestId);
  await keepLatest(state, group, results, kept, {
    now: kit.now,
    remainingMs: state.invocation.remainingMs,
    fail: (summary) => fail('latest', summary),
  });

  const [publishError] = sink.failures;
  if (publishError) {
    const summary = `metrics not published: ${publishError.message}`;
    fail('metrics', summary);
    throw new MonitorFailure(summary, { cause: publishError });
  }
  return { results, kept, releases };
}

/** The handler's answer: the group's verdict and the light results, with the release verified in this invocation if any. */
export function groupResult(state: GroupState, { results, kept }: GroupRun, release?: HandlerRelease): HandlerResult {
  const verdict = verdictOf(results, state.config.owners);
  return { ok: verdict.ok, verdict, results: results.map((r) => lightResult(r, kept.get(r) ?? [])), ...(release ? { release } : {}) };
}

/** A function that runs its group and nothing else (sync, nodes). */
export async function invokeGroup(kit: HandlerKit, group: ProbeGroup, context: LambdaContext, cache: StateCache): Promise<HandlerResult> {
  const invocation = await beginInvocation(kit, group, context, cache);
  return groupResult(invocation.state, await runGroup(kit, invocation, group));
}

/** One line per result for CloudWatch Logs Insights: `fields @timestamp, probe, class, summary | filter environment = "<env>" and ok = 0`. */
function logResults(kit: HandlerKit, config: Config, results: readonly ClassifiedResult[], kept: ReadonlyMap<ClassifiedResult, string[]>, requestId: string | undefined): void {
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
    if (r.ok) kit.out.info('probe result', line);
    else kit.out.warn('probe result', line);
  }
}

/** Tells the Lambda browser the load balancer's address and leaf (the journey's own target). */
export async function retarget(config: Config, browser: LambdaBrowserProvider, resolve: Resolve, ca: string[] | null, logger: Logger): Promise<void> {
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
    const list = await store.list({ abortSignal: ioBudget(state) });
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

/** While a signed profile has no key, its secret is read again at each invocation (bounded); the monitors take the keys that came. */
async function retryMissingKeys(state: GroupState): Promise<void> {
  if (!state.keys.missing.length) return;
  try {
    const next = await withDeadline(state.keys.retry(state.config), Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS)), () => new Error('the launch key secrets did not answer in time'));
    if (next) state.rebuild(next);
  } catch (err) {
    state.diagnostics.warn('launch keys not read again', { error: describeError(err) });
  }
}
