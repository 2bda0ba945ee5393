/**
 * The journey's five steps as the contract names them (launch, overview, create-plan, print,
 * cleanup), each a plain function of the run's state and its step context. The state is
 * explicit and small: what the run opened (page, context), what the page showed (the
 * collector), the target, and the one thing a step hands to a later one: the plan to delete.
 */
import { isIP } from 'node:net';
import type { BrowserContext, Page, Response } from 'playwright';
import { journeyProfile, type Config, type LaunchProfile } from '../../lib/core/config.ts';
import type { Clock, Resolve } from '../../lib/core/context.ts';
import type { JourneyStep } from '../../lib/core/contract.ts';
import { describeNetworkCode, describeStatus, errorLine, formatAge } from '../../lib/core/format.ts';
import { httpStatusEvidence } from '../../lib/core/response-origin.ts';
import type { Evidence } from '../../lib/core/result.ts';
import { chromiumFailureEvidence, chromiumNetCode, chromiumRedirectEvidence } from './chromium-errors.ts';
import { TIMED_OUT, within } from './deadline.ts';
import { fetchFromPage, type FetchAnswer } from './page-fetch.ts';
import { planIdIn, type PageEvidence } from './page-evidence.ts';
import { launchRefusal, launchRequest, type LaunchRequest } from '../launch.ts';
import { SKIPPED, StepFailure, type StepContext } from './runner.ts';

/** Extra time Playwright's own waits get past the step budget, so the runner's timeout decides first. */
export const PLAYWRIGHT_SLACK_MS = 1_000;
/**
 * How long to wait for a contract element that has not appeared once the page has rendered.
 * Generous on purpose: on a busy machine Chromium can take longer than half a second to answer,
 * and a section reported missing from a healthy page is a false page to KiAP. A section truly
 * missing costs this much once (the waits run together).
 */
const SECTION_GRACE_MS = 2_000;
/**
 * A step that reads an answer itself (the plan POST's body, the PDF, the DELETE) stops reading
 * this long before its budget ends, so that it, not the runner's timeout, reports what was
 * missing: no response head (`first-byte`, hosting) or a body that did not finish (`body`, the
 * application), naming the URL.
 */
const READ_MARGIN_MS = 250;

/** The target as the steps use it, worked out once from the config. */
export interface JourneyTarget {
  /** The load balancer, without a trailing slash. */
  baseUrl: string;
  launchUrl: string;
  /** The path of plan creation, `/api/plans` under `baseUrl`. */
  plansPath: string;
  clinic: string;
  cpr: string;
  /** The LPS profile the journey launches with (`journey.lpsSystem`): its style decides the launch request. */
  profile: LaunchProfile;
  selectors: Config['journey']['selectors'];
  /** Each sync source's staleness limit, for the page's freshness markers. */
  syncLimits: ReadonlyMap<string, { maxLagMinutes: number }>;
}

export function journeyTarget(config: Config): JourneyTarget {
  const { clinic, cpr, selectors } = config.journey;
  const baseUrl = config.target.baseUrl.replace(/\/+$/, '');
  return {
    baseUrl,
    launchUrl: `${baseUrl}/lps/launch`,
    plansPath: new URL(`${baseUrl}/api/plans`).pathname,
    clinic,
    cpr,
    profile: journeyProfile(config),
    selectors,
    syncLimits: new Map(config.sync.map((s) => [s.source, s])),
  };
}

/** What the steps share during one run. */
export interface JourneyState {
  readonly target: JourneyTarget;
  readonly page: Page;
  readonly context: BrowserContext;
  /** The page's listeners: evidence, the requests in flight, the plan POST. */
  readonly seen: PageEvidence;
  readonly clock: Clock;
  /** Resolves the load balancer's name before the browser goes there (DNS failures name themselves); optional. */
  readonly resolve?: Resolve;
  /** The plan this run created, once known (from the confirmation, else the POST's answer): cleanup deletes it. */
  planId?: string;
}

export type JourneyStepRun = (j: JourneyState, s: StepContext) => Promise<void | typeof SKIPPED>;

/**
 * The launch as the journey's LPS profile sends it (`GET /lps/launch`, signed with a fresh `ts`
 * when the profile is signed, or the form `POST`), landing on the patient's page.
 */
export async function launch(j: JourneyState, s: StepContext): Promise<void> {
  const { baseUrl, launchUrl, profile } = j.target;
  let request: LaunchRequest;
  try {
    request = launchRequest(baseUrl, profile, j.target, j.clock.now());
  } catch (err) {
    throw new StepFailure(`launch not tried: ${errorLine(err)}`, [{ type: 'monitor', message: errorLine(err) }], { cause: err });
  }
  const method = `${request.method} /lps/launch`;
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  if (j.resolve && isIP(host) === 0) {
    try {
      const addresses = await j.resolve(host);
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
    // A form launch is the same navigation sent as the LPS's POST: the browser follows its 303 as a clinic's would.
    if (request.method === 'POST')
      await j.page.route(request.url, (route) => route.continue({ method: 'POST', postData: request.body, headers: { ...route.request().headers(), ...request.headers } }), { times: 1 });
    response = await j.page.goto(request.url, { waitUntil: 'domcontentloaded', timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS, signal: s.signal });
  } catch (err) {
    const found = chromiumFailureEvidence(errorLine(err), launchUrl);
    if (found) throw new StepFailure(`${method} failed: ${describeChromiumFailure(found)}`, [found], { cause: err });
    const redirects = chromiumRedirectEvidence(errorLine(err), launchUrl);
    if (redirects) throw new StepFailure(`${method} failed: ${redirects.problem}`, [redirects], { cause: err });
    const code = chromiumNetCode(errorLine(err));
    // Other browser refusals (an unsafe port, a bad URL) say more about our config than about FLP.
    if (code) throw new StepFailure(`${method} failed: ${code}`, [], { cause: err });
    throw err;
  }
  if (!response) throw new StepFailure(`${method} gave no response`, [{ type: 'bad-response', url: launchUrl, problem: 'no response to the launch' }]);
  const status = response.status();
  const pathname = new URL(response.url()).pathname;
  if ((status === 400 || status === 401) && pathname.endsWith('/lps/launch')) {
    // The contract's refusal: FLP no longer accepts this profile's certified launch.
    const { reason } = launchRefusal(await response.json().catch(() => null));
    throw new StepFailure(`${method} refused ${profile.system}'s certified launch: ${status}${reason ? ` ${reason}` : ''}`, [
      { type: 'launch-refused', url: launchUrl, system: profile.system, vendor: profile.vendor, status, ...(reason ? { reason } : {}) },
    ]);
  }
  if (status >= 400) {
    const found = httpStatusEvidence(response.url(), status, await response.allHeaders());
    throw new StepFailure(`GET ${pathname} ${describeStatus(found)}`, [found]);
  }
  if (!pathname.includes('/app/patient/')) {
    const problem = `the launch landed on ${pathname} (${status}), not /app/patient/…`;
    throw new StepFailure(problem, [{ type: 'bad-response', url: launchUrl, problem }]);
  }
}

/** The rendered overview: every contract section, the masked CPR, and how fresh each source's data is. */
export async function overview(j: JourneyState, s: StepContext): Promise<void> {
  const { page } = j;
  const { selectors: sel, cpr } = j.target;
  await page.locator(`${sel.root}, ${sel.appError}`).first().waitFor({ state: 'attached', timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
  const appError = page.locator(sel.appError);
  if ((await appError.count()) > 0) {
    const text = (await appError.first().innerText().catch(() => '')).trim().split('\n')[0]?.slice(0, 200) ?? '';
    const failedApi = j.seen.evidence.filter((e): e is Extract<Evidence, { type: 'request-failed' }> => e.type === 'request-failed' && new URL(e.url).pathname.includes('/api/'));
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
  const now = j.clock.now().getTime();
  for (const { source, syncedAt } of markers) {
    const limit = source ? j.target.syncLimits.get(source) : undefined;
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
}

/** Clicks "create plan": the page's `POST /api/plans` answers 201 and the confirmation shows the plan id. */
export async function createPlan(j: JourneyState, s: StepContext): Promise<void> {
  const { page } = j;
  const { selectors: sel, plansPath } = j.target;
  const isPlanPost = (r: Response) => r.request().method() === 'POST' && new URL(r.url()).pathname === plansPath;
  const posted = page.waitForResponse(isPlanPost, { timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
  posted.catch(() => undefined);
  await page.locator(sel.createPlan).first().click({ timeout: s.remainingMs() + PLAYWRIGHT_SLACK_MS });
  const response = await posted;
  const status = response.status();
  // The answer's head is in; its body is the application's to finish within the step.
  const body = await within(response.body(), readMs(s)).catch(() => null);
  if (body === TIMED_OUT) throw stalled('POST', response.url(), { kind: 'stalled', phase: 'body', status }, s);
  const fromBody = body ? planIdInBody(body) : null;
  if (fromBody) j.planId = fromBody.id;
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
  if (uiId) j.planId = uiId;
  if (!shown || !uiId)
    throw new StepFailure(shown ? 'the saved-plan confirmation has no data-plan-id' : 'the saved-plan confirmation did not appear', [
      { type: 'missing-element', selector: sel.planSaved, description: shown ? 'the plan id (data-plan-id) on the saved-plan confirmation' : 'the saved-plan confirmation' },
    ]);
}

/** Follows the print link: `200`, `application/pdf`, a body starting with `%PDF-`, all within the step. */
export async function print(j: JourneyState, s: StepContext): Promise<void> {
  const { page } = j;
  const sel = j.target.selectors;
  const link = page.locator(sel.printPlan).first();
  const href = await link
    .waitFor({ state: 'attached', timeout: Math.min(SECTION_GRACE_MS, s.remainingMs()) })
    .then(() => link.getAttribute('href'))
    .catch(() => null);
  if (!href) throw new StepFailure('the print link is missing', [{ type: 'missing-element', selector: sel.printPlan, description: 'the print link to the plan PDF' }]);
  const url = new URL(href, page.url()).toString();
  const pdfPath = new URL(url).pathname;
  const answer = await fetchFromPage(page, j.context, url, 'GET', readMs(s));
  if (answer.kind === 'stalled') throw stalled('GET', url, answer, s);
  if (answer.kind === 'error') throw await requestFailure(j, 'GET', url, answer, readMs(s));
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
}

/** Deletes the plan this run created, whatever happened before: a synthetic plan never stays behind. */
export async function cleanup(j: JourneyState, s: StepContext): Promise<void | typeof SKIPPED> {
  const posted = j.seen.postedPlan;
  if (!j.planId && posted) {
    // The POST went out but its answer came late (or the confirmation never showed): wait for it.
    const late = await within(posted, Math.max(0, s.remainingMs() - 1_000));
    if (late && late !== TIMED_OUT) j.planId = late.id;
  }
  if (!j.planId) return SKIPPED;
  const url = `${j.target.baseUrl}/api/plans/${encodeURIComponent(j.planId)}`;
  const leftBehind = 'the synthetic plan may be left behind';
  const answer = await fetchFromPage(j.page, j.context, url, 'DELETE', readMs(s));
  if (answer.kind === 'stalled') throw stalled('DELETE', url, answer, s, leftBehind);
  if (answer.kind === 'error') throw await requestFailure(j, 'DELETE', url, answer, readMs(s));
  if (answer.status !== 204) {
    const extra: Evidence[] = answer.status < 400 ? [{ type: 'bad-response', url, problem: `answered ${answer.status}, not 204` }] : unseenStatus('DELETE', url, answer);
    throw new StepFailure(`DELETE ${new URL(url).pathname} answered ${answer.status}: ${leftBehind}`, extra);
  }
}

/** The steps by name, in the contract's order. */
export const STEPS: Readonly<Record<JourneyStep, JourneyStepRun>> = { launch, overview, 'create-plan': createPlan, print, cleanup };

/** How long a step may read an answer itself: its remaining budget less the margin it needs to report. */
function readMs(s: StepContext): number {
  return Math.max(0, s.remainingMs() - READ_MARGIN_MS);
}

/**
 * A step's own request that ran out of its time. No response head is the runner's `first-byte`
 * timeout, only reported by the step; a head without the whole body is a `body` timeout: the
 * server answered, the application did not finish its answer.
 */
function stalled(method: string, url: string, answer: Extract<FetchAnswer, { kind: 'stalled' }>, s: StepContext, consequence?: string): StepFailure {
  const afterMs = Math.round(s.timeoutMs - s.remainingMs());
  const what =
    answer.phase === 'first-byte'
      ? `no response from ${url} within ${afterMs} ms`
      : `${method} ${url} answered ${answer.status}, but its body did not finish within ${afterMs} ms`;
  return new StepFailure(consequence ? `${what}: ${consequence}` : what, [{ type: 'timeout', url, phase: answer.phase, afterMs }]);
}

/**
 * The failure of a request the page could not complete, with the browser's own reason when it
 * gave one. The reason comes through `requestfailed`, which may trail the fetch's rejection: the
 * collector says when that request has ended, within what the step can still wait.
 */
async function requestFailure(j: JourneyState, method: string, url: string, answer: Extract<FetchAnswer, { kind: 'error' }>, waitMs: number): Promise<StepFailure> {
  // Sent by the context's request API, it never reached the page's listeners: nothing to wait for.
  const seen = answer.viaPage ? await j.seen.failureOf(method, url, waitMs) : undefined;
  const reason = seen?.failure ?? chromiumNetCode(answer.error) ?? answer.error;
  const found = chromiumFailureEvidence(reason, url);
  return new StepFailure(`${method} ${new URL(url).pathname} failed: ${found ? describeChromiumFailure(found) : reason}`, found ? [found] : seen ? [] : [{ type: 'request-failed', url, method, failure: reason }]);
}

function describeChromiumFailure(e: Extract<Evidence, { type: 'network' | 'tls' }>): string {
  return e.type === 'tls' ? `TLS failure (${e.code})` : `${describeNetworkCode(e.code, e.message)} (${e.code === e.message ? e.code : `${e.code}, ${e.message}`})`;
}

/** Evidence for a failed status the page's response listener did not see (sent outside the page). */
function unseenStatus(method: string, url: string, answer: { status: number; viaPage: boolean }): Evidence[] {
  return answer.viaPage ? [] : [{ type: 'request-failed', url, method, status: answer.status }];
}

/** The plan id in the raw body of a `POST /api/plans` answer, or null when it is not JSON naming one. */
function planIdInBody(body: Buffer): ReturnType<typeof planIdIn> {
  try {
    return planIdIn(JSON.parse(body.toString('utf8')));
  } catch {
    return null;
  }
}
