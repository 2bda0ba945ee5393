/**
 * The journey a clinic makes through FLP, run in Chromium: launch from the LPS, read the
 * overview, create a plan, print it, and delete it again. The five steps and what each checks
 * come from the reference contract; selectors come from the config.
 */
import { performance } from 'node:perf_hooks';
import type { BrowserContext } from 'playwright';
import type { BrowserProvider } from '../../lib/adapters/browser.ts';
import type { Config } from '../../lib/core/config.ts';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE, type ProbeContext } from '../../lib/core/context.ts';
import { JOURNEY_STEPS, PROBE_IDS, type JourneyStep } from '../../lib/core/contract.ts';
import { errorLine } from '../../lib/core/format.ts';
import { maskCpr, redact } from '../../lib/core/privacy.ts';
import type { ProbeResult } from '../../lib/core/result.ts';
import { keepArtifacts } from './artifacts.ts';
import { retryJourney, type JourneyRetryOptions } from './traced-retry.ts';
import { PageEvidence } from './page-evidence.ts';
import { runSteps, type StepDefinition } from './runner.ts';
import { journeyTarget, PLAYWRIGHT_SLACK_MS, STEPS, type JourneyState } from './steps.ts';

/** What the journey needs besides the common probe context. */
export interface JourneyContext extends ProbeContext {
  /** Hands out the (warm) browser; each run opens a fresh context in it. */
  browser: BrowserProvider;
  /** Where a failed run leaves its screenshot (and trace, when traced), one folder per run. */
  artifactsDir: string;
}

/** How one run of the journey goes. */
export interface JourneyOptions {
  /**
   * Record a Playwright trace (DOM snapshots), kept with the screenshot when the run fails.
   * Default false: a healthy run pays nothing for a trace; the retry of a failed run records it
   * ({@link probeJourneyRetried}).
   */
  trace?: boolean;
}

/**
 * A failed run keeps its screenshot and trace within what is left of the failing step's budget
 * plus this grace: a page that ties up the browser (a huge or endless document) cannot hold the
 * run much past `stepMs`, where Playwright's own screenshot timeout would let it run on for many
 * seconds. Closing the context afterwards needs up to a few hundred milliseconds more on a busy
 * machine; together they stay within a second.
 */
const ARTIFACT_GRACE_MS = 500;
/** How long a finished run waits for its browser context to close before it reports. */
const CONTEXT_CLOSE_WAIT_MS = 250;

/**
 * Runs the journey once. Never throws: failures of FLP come back as failed steps with
 * evidence; failures of the monitor itself (no browser, unwritable artifacts) as `monitor`
 * evidence. A failed run keeps a full-page screenshot, and its Playwright trace when
 * `options.trace` recorded one.
 */
export async function probeJourney(config: Config, ctx: JourneyContext, options: JourneyOptions = {}): Promise<ProbeResult> {
  const trace = options.trace ?? false;
  const started = ctx.clock.now();
  const t0 = performance.now();
  const base = {
    probe: PROBE_IDS.journey,
    kind: 'journey' as const,
    target: config.target.baseUrl,
    startedAt: started.toISOString(),
    attempts: 1,
  };
  const notRun = (message: string, cause: unknown): ProbeResult => {
    const line = `journey not run: ${message}: ${errorLine(cause)}`;
    ctx.logger.error(line);
    return redact({
      ...base,
      ok: false,
      durationMs: Math.round(performance.now() - t0),
      steps: JOURNEY_STEPS.map((name) => ({ name, status: 'skipped' as const, startedAt: base.startedAt, durationMs: 0 })),
      evidence: [{ type: 'monitor' as const, message: `${message}: ${errorLine(cause)}` }],
      error: line,
      observations: {},
      artifacts: [],
    });
  };

  let context: BrowserContext;
  try {
    context = await openContext(ctx.browser);
  } catch (err) {
    return notRun('Chromium would not start', err);
  }
  try {
    const run = await runJourney(config, ctx, context, started, trace);
    return redact({ ...base, ...run, durationMs: Math.round(performance.now() - t0) });
  } catch (err) {
    // Only a bug in the monitor gets here; the steps catch everything FLP can do.
    return notRun('the journey crashed', err);
  } finally {
    // A renderer busy with a hostile page (a 64 MB body, a gzip bomb) can take seconds to close
    // on a loaded machine; the run's result does not wait for more than a moment of that. The
    // close goes on, and the browser's own close ends whatever is left.
    const closed = context
      .close()
      .catch(() => undefined)
      // A trace never stopped (no time left to write it, or a crash) keeps Playwright's temporary
      // playwright-tracing-* directory for good; stopping it now, on the closed context, fails at
      // once and discards it.
      .then(() => (trace ? context.tracing.stop().catch(() => undefined) : undefined));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CONTEXT_CLOSE_WAIT_MS).unref())]);
  }
}

async function openContext(provider: BrowserProvider): Promise<BrowserContext> {
  const options = { extraHTTPHeaders: { [SYNTHETIC_HEADER]: SYNTHETIC_HEADER_VALUE }, viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' as const };
  const browser = await provider.get();
  try {
    return await browser.newContext(options);
  } catch (err) {
    // The warm browser may have died since it was handed out: one fresh launch, then give up.
    if (browser.isConnected()) throw err;
    return (await provider.get()).newContext(options);
  }
}

type RunPart = Pick<ProbeResult, 'ok' | 'steps' | 'evidence' | 'error' | 'observations' | 'artifacts'>;

/** The four contract steps; cleanup runs after them whatever happened. */
const MAIN_STEPS = JOURNEY_STEPS.filter((name) => name !== 'cleanup');

async function runJourney(config: Config, ctx: JourneyContext, context: BrowserContext, started: Date, trace: boolean): Promise<RunPart> {
  const stepMs = config.timeouts.stepMs;
  const target = journeyTarget(config);
  // DOM snapshots only: the screencast doubled the cost of tracing (bench/journey-overhead.ts),
  // and a failed run keeps a full-page screenshot of its own.
  const tracing = trace
    ? await context.tracing.start({ screenshots: false, snapshots: true }).then(
        () => true,
        (err) => {
          ctx.logger.warn('journey: trace not recorded', { error: errorLine(err) });
          return false;
        },
      )
    : false;
  const page = await context.newPage();
  page.setDefaultTimeout(stepMs + PLAYWRIGHT_SLACK_MS);
  page.setDefaultNavigationTimeout(stepMs + PLAYWRIGHT_SLACK_MS);
  const seen = new PageEvidence(page, { plansPath: target.plansPath });
  const journey: JourneyState = { target, page, context, seen, clock: ctx.clock, resolve: ctx.resolve };

  // When the latest of the four contract steps began (monotonic): the artifacts' deadline follows from it.
  let stepStartedAt = performance.now();
  const define = (name: JourneyStep): StepDefinition => ({
    name,
    run: (s) => {
      seen.enter(name);
      if (name !== 'cleanup') stepStartedAt = performance.now();
      return STEPS[name](journey, s);
    },
  });
  const outcome = await runSteps(MAIN_STEPS.map(define), {
    stepMs,
    cleanup: [define('cleanup')],
    clock: ctx.clock,
    evidence: seen.evidence,
    signal: ctx.signal,
    awaitingFirstByte: () => seen.awaitingFirstByte(),
  });
  seen.close();

  const ok = outcome.ok && seen.findings.length === 0;
  const deadline = Math.max(stepStartedAt + stepMs, performance.now()) + ARTIFACT_GRACE_MS;
  const artifacts = ok ? [] : await keepArtifacts(ctx.artifactsDir, ctx.logger, { page, context, tracing, started, deadline, cpr: config.journey.cpr }, seen.evidence);
  if (ok && tracing) await context.tracing.stop().catch(() => undefined);

  const findings = [...outcome.findings, ...seen.findings];
  const lines = outcome.failures.length ? outcome.failures.map((f) => `${f.step} failed: ${f.error}`) : findings.map((f) => `${f.step}: ${f.message}`);
  // The caller masks the CPR in the whole result; the log line leaves before that.
  if (!ok) ctx.logger.warn(`journey failed: ${maskCpr(lines.join('; '))}`, { artifacts });
  return {
    ok,
    steps: outcome.steps,
    evidence: seen.evidence,
    error: ok ? null : lines.join('; '),
    observations: journey.planId ? { planId: journey.planId } : {},
    artifacts,
  };
}

/**
 * The journey as the monitor runs it (every scheduled run, each node's journey): the first
 * attempt untraced, a failed one retried with the trace on (Playwright's `on-first-retry`), within
 * `maxRetryTimeMs`. A failure the retry confirms keeps the retry's screenshot and trace; one the
 * retry clears passes with `attempts: 2` and `observations.transient`, and leaves no file behind.
 * With `retries: 0` the single attempt records the trace. See {@link retryJourney}.
 */
export function probeJourneyRetried(config: Config, ctx: JourneyContext, options: JourneyRetryOptions): Promise<ProbeResult> {
  return retryJourney((attempt) => probeJourney(config, ctx, attempt), { ...options, artifactsDir: ctx.artifactsDir, signal: ctx.signal, logger: ctx.logger });
}
