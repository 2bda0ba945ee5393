/**
 * The journey a clinic makes through FLP, run in Chromium: launch from the LPS, read the
 * overview, create a plan, print it, and delete it again. The five steps and what each checks
 * come from the reference contract; selectors come from the config.
 */
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BrowserContext, Page, Request, Response } from 'playwright';
import type { BrowserProvider } from '../../lib/adapters/browser.ts';
import type { Config } from '../../lib/core/config.ts';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE, type ProbeContext } from '../../lib/core/context.ts';
import { describeNetworkCode, describeStatus, errorLine, formatAge } from '../../lib/core/format.ts';
import { maskCpr, redact } from '../../lib/core/privacy.ts';
import { httpStatusEvidence, responseOrigin } from '../../lib/core/response-origin.ts';
import type { Evidence, ProbeResult } from '../../lib/core/result.ts';
import { chromiumFailureEvidence, chromiumNetCode, chromiumRedirectEvidence } from './chromium-errors.ts';
import { SKIPPED, StepFailure, runSteps, type StepContext, type StepDefinition } from './runner.ts';
import { JOURNEY_STEPS, PROBE_IDS, type JourneyStep } from '../../lib/core/contract.ts';

/** What the journey needs besides the common probe context. */
export interface JourneyContext extends ProbeContext {
  /** Hands out the (warm) browser; each run opens a fresh context in it. */
  browser: BrowserProvider;
  /** Where a failed run leaves its screenshot and trace, one folder per run. */
  artifactsDir: string;
}


/** Extra time Playwright's own waits get past the step budget, so the runner's timeout decides first. */
const PLAYWRIGHT_SLACK_MS = 1_000;
/**
 * How long to wait for a contract element that has not appeared once the page has rendered.
 * Generous on purpose: on a busy machine Chromium can take longer than half a second to answer,
 * and a section reported missing from a healthy page is a false page to KiAP. A section truly
 * missing costs this much once (the waits run together).
 */
const SECTION_GRACE_MS = 2_000;
/** Upper bound for taking the screenshot, and for writing the trace, of a failed run. */
const ARTIFACT_TIMEOUT_MS = 5_000;
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
/** Of the artifact time, kept back for the trace when the screenshot hangs. */
const TRACE_RESERVE_MS = 250;

type PlanSource = { id: string } | null;

/**
 * Runs the journey once. Never throws: failures of FLP come back as failed steps with
 * evidence; failures of the monitor itself (no browser, unwritable artifacts) as `monitor`
 * evidence. A failed run keeps a full-page screenshot and a Playwright trace.
 */
export async function probeJourney(config: Config, ctx: JourneyContext): Promise<ProbeResult> {
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
    const run = await runJourney(config, ctx, context, started);
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
      .then(() => context.tracing.stop().catch(() => undefined));
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

async function runJourney(config: Config, ctx: JourneyContext, context: BrowserContext, started: Date): Promise<RunPart> {
  const { clinic, cpr, lpsSystem, selectors: sel } = config.journey;
  const stepMs = config.timeouts.stepMs;
  const baseUrl = config.target.baseUrl.replace(/\/+$/, '');
  const launchUrl = `${baseUrl}/lps/launch?${new URLSearchParams({ clinic, cpr, system: lpsSystem })}`;
  const evidence: Evidence[] = [];
  const pageFindings: { step: string; message: string }[] = [];
  let currentStep = 'launch';
  // When the latest of the four contract steps began (monotonic): the artifacts' deadline follows from it.
  let stepStartedAt = performance.now();
  let finished = false;

  let tracing = true;
  // DOM snapshots only: the screencast doubled the cost of tracing (bench/journey-overhead.ts),
  // and a failed run keeps a full-page screenshot of its own.
  await context.tracing.start({ screenshots: false, snapshots: true }).catch((err) => {
    tracing = false;
    ctx.logger.warn('journey: trace not recorded', { error: errorLine(err) });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(stepMs + PLAYWRIGHT_SLACK_MS);
  page.setDefaultNavigationTimeout(stepMs + PLAYWRIGHT_SLACK_MS);

  // Requests still waiting for their first response byte, oldest first: when a step times
  // out, these tell a silent server (hosting) from a slow page (application).
  const waiting = new Map<Request, string>();
  page.on('request', (r) => waiting.set(r, r.url()));
  page.on('requestfinished', (r) => waiting.delete(r));
  page.on('requestfailed', (r) => waiting.delete(r));

  page.on('pageerror', (err) => {
    if (finished) return;
    const message = errorLine(err);
    evidence.push({ type: 'page-error', message });
    pageFindings.push({ step: currentStep, message: `the page threw an uncaught error: ${message}` });
  });
  page.on('requestfailed', (r) => {
    if (finished || r.isNavigationRequest()) return; // the launch step reports its own navigation
    const failure = r.failure()?.errorText ?? 'failed';
    if (failure === 'net::ERR_ABORTED') return; // cancelled by the browser, not refused by the server
    evidence.push({ type: 'request-failed', url: r.url(), method: r.method(), failure });
  });

  // Plan creation as the page itself saw it: the id from the POST's body reaches cleanup even
  // when the confirmation never showed.
  let planId: string | undefined;
  let postedPlan: Promise<PlanSource> | undefined;
  const plansPath = new URL(`${baseUrl}/api/plans`).pathname;
  const isPlanPost = (r: Response) => r.request().method() === 'POST' && new URL(r.url()).pathname === plansPath;

  page.on('response', (r) => {
    waiting.delete(r.request());
    if (isPlanPost(r)) postedPlan = planIdFrom(r);
    if (finished || r.status() < 400 || r.request().isNavigationRequest()) return;
    evidence.push({ type: 'request-failed', url: r.url(), method: r.request().method(), status: r.status() });
    const contentType = r.headers()['content-type'];
    if (responseOrigin(r.status(), contentType) === 'proxy') evidence.push(httpStatusEvidence(r.url(), r.status(), r.headers()));
  });

  const sync = new Map(config.sync.map((s) => [s.source, s]));
  const step = (name: JourneyStep, run: (s: StepContext) => Promise<void | typeof SKIPPED>): StepDefinition => ({
    name,
    run: (s) => {
      currentStep = name;
      if (name !== 'cleanup') stepStartedAt = performance.now();
      return run(s);
    },
  });

  const launch = step('launch', async (s) => {
    const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
    if (ctx.resolve && isIP(host) === 0) {
      try {
        const addresses = await ctx.resolve(host);
        if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENODATA' });
      } catch (err) {
        const code = typeof (err as NodeJS.ErrnoException).code === 'string' ? ((err as NodeJS.ErrnoException).code as string) : 'ENOTFOUND';
        throw new StepFailure(`${host} does not resolve: ${describeNetworkCode(code, errorLine(err))} (${code})`, [
          { type: 'network', url: launchUrl, code, message: errorLine(err) },
        ]);
      }
    }
    let response: Response | null;
    try {
      // Aborted with the step: a navigation still pending when the context closes can resolve
      // with a response Playwright has already disposed, which it throws as an uncaught error.
      response = await page.goto(launchUrl, { waitUntil: 'domcontentloaded', timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS, signal: s.signal });
    } catch (err) {
      const found = chromiumFailureEvidence(errorLine(err), launchUrl);
      if (found) throw new StepFailure(`GET /lps/launch failed: ${describeChromiumFailure(found)}`, [found], { cause: err });
      const redirects = chromiumRedirectEvidence(errorLine(err), launchUrl);
      if (redirects) throw new StepFailure(`GET /lps/launch failed: ${redirects.problem}`, [redirects], { cause: err });
      const code = chromiumNetCode(errorLine(err));
      // Other browser refusals (an unsafe port, a bad URL) say more about our config than about FLP.
      if (code) throw new StepFailure(`GET /lps/launch failed: ${code}`, [], { cause: err });
      throw err;
    }
    if (!response) throw new StepFailure('GET /lps/launch gave no response', [{ type: 'bad-response', url: launchUrl, problem: 'no response to the launch' }]);
    const status = response.status();
    const pathname = new URL(response.url()).pathname;
    if (status >= 400) {
      const found = httpStatusEvidence(response.url(), status, await response.allHeaders());
      throw new StepFailure(`GET ${pathname} ${describeStatus(found)}`, [found]);
    }
    if (!pathname.includes('/app/patient/')) {
      const problem = `the launch landed on ${pathname} (${status}), not /app/patient/…`;
      throw new StepFailure(problem, [{ type: 'bad-response', url: launchUrl, problem }]);
    }
  });

  const overview = step('overview', async (s) => {
    await page.locator(`${sel.root}, ${sel.appError}`).first().waitFor({ state: 'attached', timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
    const appError = page.locator(sel.appError);
    if ((await appError.count()) > 0) {
      const text = (await appError.first().innerText().catch(() => '')).trim().split('\n')[0]?.slice(0, 200) ?? '';
      const failedApi = evidence.filter((e): e is Extract<Evidence, { type: 'request-failed' }> => e.type === 'request-failed' && new URL(e.url).pathname.includes('/api/'));
      const because = failedApi.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status ? `answered ${e.status}` : `failed: ${e.failure}`}`);
      throw new StepFailure(`the page shows its error panel${text ? ` ("${text}")` : ''}${because.length ? `: ${because.join(', ')}` : ''}`, [
        { type: 'app-error-shown', text },
      ]);
    }

    const grace = () => Math.max(0, Math.min(SECTION_GRACE_MS, s.remainingMs()));
    const present = async (locator: ReturnType<Page['locator']>) =>
      locator
        .first()
        .waitFor({ state: 'attached', timeout: grace() })
        .then(() => true, () => false);
    const missing: Extract<Evidence, { type: 'missing-element' }>[] = [];
    const expectElement = async (selector: string, description: string, child?: { selector: string; description: string }) => {
      const container = page.locator(selector);
      if (!(await present(container))) return void missing.push({ type: 'missing-element', selector, description });
      if (child && !(await present(container.locator(child.selector))))
        missing.push({ type: 'missing-element', selector: `${selector} ${child.selector}`, description: child.description });
    };
    await Promise.all([
      expectElement(sel.patientHeader, 'the patient header'),
      expectElement(sel.diagnoses, 'the diagnoses section', { selector: sel.diagnosis, description: 'a diagnosis in the diagnoses section' }),
      expectElement(sel.labResults, 'the lab results section', { selector: sel.labResult, description: 'a lab result in the lab results section' }),
      expectElement(sel.sourceFreshness, 'the data freshness of the sync sources'),
    ]);
    if (!missing.some((m) => m.selector === sel.patientHeader)) {
      const masked = `${cpr.slice(0, 6)}-xxxx`;
      const header = await page.locator(sel.patientHeader).first().innerText().catch(() => '');
      if (!header.toLowerCase().includes(masked))
        missing.push({
          type: 'missing-element',
          selector: sel.patientHeader,
          description: header.includes(cpr) ? 'the masked CPR in the patient header (it shows the full CPR)' : `the masked CPR ${masked} in the patient header`,
        });
    }

    // Freshness is a finding, not a failure: the page works, its data is old (a sync matter).
    const markers = await page
      .locator(sel.sourceFreshness)
      .evaluateAll((els) => els.map((el) => ({ source: el.getAttribute('data-source'), syncedAt: el.getAttribute('data-synced-at') })));
    const now = ctx.clock.now().getTime();
    for (const { source, syncedAt } of markers) {
      const limit = source ? sync.get(source) : undefined;
      if (!source || !limit) continue;
      const at = syncedAt ? Date.parse(syncedAt) : Number.NaN;
      if (Number.isNaN(at)) {
        const problem = `the ${source} freshness marker has data-synced-at ${JSON.stringify(syncedAt)}, not an ISO 8601 time`;
        s.finding({ type: 'bad-response', url: page.url(), problem }, problem);
        continue;
      }
      const lagSeconds = Math.round((now - at) / 1000);
      if (lagSeconds > limit.maxLagMinutes * 60)
        s.finding(
          { type: 'sync-stale', source, where: 'page', lastSuccessfulSync: syncedAt as string, lagSeconds, maxLagMinutes: limit.maxLagMinutes },
          `the page shows ${source} data ${formatAge(lagSeconds)} old (limit ${limit.maxLagMinutes} min)`,
        );
    }
    if (missing.length) throw new StepFailure(`missing ${missing.map((m) => m.description).join(', ')}`, missing);
  });

  const createPlan = step('create-plan', async (s) => {
    const posted = page.waitForResponse(isPlanPost, { timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
    posted.catch(() => undefined);
    await page.locator(sel.createPlan).first().click({ timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
    const response = await posted;
    const status = response.status();
    const fromBody = await planIdFrom(response);
    if (fromBody) planId = fromBody.id;
    if (status !== 201) {
      // A >= 400 answer is already recorded by the response listener.
      const extra: Evidence[] = status < 400 ? [{ type: 'bad-response', url: response.url(), problem: `answered ${status}, not 201` }] : [];
      throw new StepFailure(`POST ${plansPath} answered ${status}`, extra);
    }
    const saved = page.locator(sel.planSaved).first();
    const shown = await saved.waitFor({ state: 'attached', timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS }).then(
      () => true,
      () => false,
    );
    const uiId = shown ? await saved.getAttribute('data-plan-id') : null;
    if (uiId) planId = uiId;
    if (!shown || !uiId)
      throw new StepFailure(shown ? 'the saved-plan confirmation has no data-plan-id' : 'the saved-plan confirmation did not appear', [
        { type: 'missing-element', selector: sel.planSaved, description: shown ? 'the plan id (data-plan-id) on the saved-plan confirmation' : 'the saved-plan confirmation' },
      ]);
  });

  const print = step('print', async (s) => {
    const link = page.locator(sel.printPlan).first();
    const href = await link
      .waitFor({ state: 'attached', timeout: Math.min(SECTION_GRACE_MS, s.remainingMs()) })
      .then(() => link.getAttribute('href'))
      .catch(() => null);
    if (!href) throw new StepFailure('the print link is missing', [{ type: 'missing-element', selector: sel.printPlan, description: 'the print link to the plan PDF' }]);
    const url = new URL(href, page.url()).toString();
    const pdfPath = new URL(url).pathname;
    const answer = await fetchFromPage(page, context, url, 'GET', s.remainingMs());
    if ('error' in answer) throw await requestFailure('GET', url, answer.error, evidence);
    if (answer.status >= 400) throw new StepFailure(`GET ${pdfPath} answered ${answer.status}`, unseenStatus('GET', url, answer));
    const problems = [
      answer.status !== 200 && `answered ${answer.status}, not 200`,
      !/^application\/pdf\b/i.test(answer.contentType) && `content-type ${answer.contentType || '(none)'}, not application/pdf`,
      !answer.head.startsWith('%PDF-') && 'body does not start with %PDF-',
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length) {
      const problem = problems.join('; ');
      throw new StepFailure(`GET ${pdfPath}: ${problem}`, [{ type: 'bad-response', url, problem }]);
    }
  });

  const cleanup = step('cleanup', async (s) => {
    if (!planId && postedPlan) {
      // The POST went out but its answer came late (or the confirmation never showed): wait for it.
      const late = await Promise.race([postedPlan, sleep(Math.max(0, s.remainingMs() - 1_000), { unref: true }).then(() => null)]);
      if (late) planId = late.id;
    }
    if (!planId) return SKIPPED;
    const url = `${baseUrl}/api/plans/${encodeURIComponent(planId)}`;
    const answer = await fetchFromPage(page, context, url, 'DELETE', s.remainingMs());
    if ('error' in answer) throw await requestFailure('DELETE', url, answer.error, evidence);
    if (answer.status !== 204) {
      const extra: Evidence[] = answer.status < 400 ? [{ type: 'bad-response', url, problem: `answered ${answer.status}, not 204` }] : unseenStatus('DELETE', url, answer);
      throw new StepFailure(`DELETE ${new URL(url).pathname} answered ${answer.status}: the synthetic plan may be left behind`, extra);
    }
  });

  const outcome = await runSteps([launch, overview, createPlan, print], {
    stepMs,
    cleanup: [cleanup],
    clock: ctx.clock,
    evidence,
    signal: ctx.signal,
    awaitingFirstByte: () => waiting.values().next().value,
  });
  finished = true;

  const ok = outcome.ok && pageFindings.length === 0;
  const artifactsBy = Math.max(stepStartedAt + stepMs, performance.now()) + ARTIFACT_GRACE_MS;
  const artifacts = ok ? [] : await keepArtifacts(ctx, page, context, tracing, started, evidence, artifactsBy);
  if (ok && tracing) await context.tracing.stop().catch(() => undefined);

  const findings = [...outcome.findings, ...pageFindings];
  const lines = outcome.failures.length
    ? outcome.failures.map((f) => `${f.step} failed: ${f.error}`)
    : findings.map((f) => `${f.step}: ${f.message}`);
  // The caller masks the CPR in the whole result; the log line leaves before that.
  if (!ok) ctx.logger.warn(`journey failed: ${maskCpr(lines.join('; '))}`, { artifacts });
  return {
    ok,
    steps: outcome.steps,
    evidence,
    error: ok ? null : lines.join('; '),
    observations: planId ? { planId } : {},
    artifacts,
  };
}

/** Keeps a full-page screenshot and the trace of a failed run; returns their paths relative to the artifacts directory. */
async function keepArtifacts(
  ctx: JourneyContext,
  page: Page,
  context: BrowserContext,
  tracing: boolean,
  started: Date,
  evidence: Evidence[],
  deadline: number,
): Promise<string[]> {
  const left = (reserve = 0) => Math.max(0, Math.round(deadline - reserve - performance.now()));
  // The folder is named by time only: never by the patient.
  const folder = `${started.toISOString().replace(/:/g, '-')}-journey`;
  const dir = path.join(ctx.artifactsDir, folder);
  const kept: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    evidence.push({ type: 'monitor', message: `could not create the artifacts folder ${dir}: ${errorLine(err)}` });
    if (tracing) await context.tracing.stop().catch(() => undefined);
    return kept;
  }
  try {
    // A navigation still waiting for its server holds a screenshot back: stop loading first.
    await withTimeout(
      context.newCDPSession(page).then((cdp) => cdp.send('Page.stopLoading').finally(() => cdp.detach().catch(() => undefined))),
      Math.min(1_000, left(TRACE_RESERVE_MS)),
    ).catch(() => undefined);
    // Our own bound too: a renderer busy with a huge document lets Playwright's timeout overrun by seconds.
    const budget = Math.min(ARTIFACT_TIMEOUT_MS, left(TRACE_RESERVE_MS));
    if (budget === 0) throw new Error('no time left for it');
    await withTimeout(page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true, timeout: Math.max(1, budget) }), budget);
    kept.push(`${folder}/screenshot.png`);
  } catch (err) {
    ctx.logger.warn('journey: no screenshot of the failed run', { error: errorLine(err) });
  }
  if (tracing) {
    try {
      const budget = Math.min(ARTIFACT_TIMEOUT_MS, left());
      if (budget === 0) throw new Error('no time left for it');
      await withTimeout(context.tracing.stop({ path: path.join(dir, 'trace.zip') }), budget);
      kept.push(`${folder}/trace.zip`);
    } catch (err) {
      ctx.logger.warn('journey: no trace of the failed run', { error: errorLine(err) });
    }
  }
  return kept;
}

function describeChromiumFailure(e: Extract<Evidence, { type: 'network' | 'tls' }>): string {
  return e.type === 'tls' ? `TLS failure (${e.code})` : `${describeNetworkCode(e.code, e.message)} (${e.code === e.message ? e.code : `${e.code}, ${e.message}`})`;
}

/** The failure of a request the page could not complete, with the browser's own reason when it gave one. */
async function requestFailure(method: string, url: string, error: string, evidence: Evidence[]): Promise<StepFailure> {
  // The browser reports the network reason through `requestfailed`, a moment after fetch rejects.
  await sleep(50);
  const seen = evidence.find((e): e is Extract<Evidence, { type: 'request-failed' }> => e.type === 'request-failed' && e.url === url && !!e.failure);
  const reason = seen?.failure ?? chromiumNetCode(error) ?? error;
  const found = chromiumFailureEvidence(reason, url);
  return new StepFailure(`${method} ${new URL(url).pathname} failed: ${found ? describeChromiumFailure(found) : reason}`, found ? [found] : seen ? [] : [{ type: 'request-failed', url, method, failure: reason }]);
}

/** `viaPage` false: the page could not send it, the context's request API did (and no page listener saw it). */
type FetchAnswer = { status: number; contentType: string; head: string; viaPage: boolean } | { error: string };

/**
 * Sends a request from inside the page, so that it goes the way the application's own
 * requests go: Chromium's resolver and network stack, the context's cookies and its
 * synthetic-traffic header, visible in the trace. When the page cannot run script (closed,
 * crashed, navigated away) it falls back to the context's request API.
 */
async function fetchFromPage(page: Page, context: BrowserContext, url: string, method: 'GET' | 'DELETE', timeoutMs: number): Promise<FetchAnswer> {
  try {
    return await page.evaluate(
      async ({ url, method, timeoutMs }) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        try {
          const r = await fetch(url, { method, credentials: 'include', cache: 'no-store', signal: controller.signal });
          const bytes = new Uint8Array(await r.arrayBuffer()).slice(0, 8);
          return { status: r.status, contentType: r.headers.get('content-type') ?? '', head: String.fromCharCode(...bytes), viaPage: true };
        } catch (err) {
          return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
        } finally {
          clearTimeout(timer);
        }
      },
      { url, method, timeoutMs },
    );
  } catch {
    try {
      const r = await context.request.fetch(url, { method, headers: { [SYNTHETIC_HEADER]: SYNTHETIC_HEADER_VALUE }, timeout: timeoutMs, failOnStatusCode: false });
      const body = await r.body();
      return { status: r.status(), contentType: r.headers()['content-type'] ?? '', head: body.subarray(0, 8).toString('latin1'), viaPage: false };
    } catch (err) {
      return { error: errorLine(err) };
    }
  }
}

/** The plan id in a `POST /api/plans` answer (`id` or `planId`), or null. */
async function planIdFrom(response: Response): Promise<PlanSource> {
  try {
    const body = (await response.json()) as Record<string, unknown> | null;
    const id = body?.id ?? body?.planId ?? (body?.plan as Record<string, unknown> | undefined)?.id;
    return typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : null;
  } catch {
    return null;
  }
}

function sleep(ms: number, options: { unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (options.unref) timer.unref();
  });
}

/** Evidence for a failed status the page's response listener did not see (sent outside the page). */
function unseenStatus(method: string, url: string, answer: { status: number; viaPage: boolean }): Evidence[] {
  return answer.viaPage ? [] : [{ type: 'request-failed', url, method, status: answer.status }];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
