/**
 * What the page tells the journey besides its DOM, collected by listeners on the page: uncaught
 * errors, failed requests and error answers, the requests still waiting for their first byte,
 * how each request ended, and the plan the page POSTed. One collector per run: the run tells it
 * which step is running, and closes it once the steps are over, so that what a page does while
 * it is torn down (for the screenshot, the trace, the close) is never taken for a finding.
 */
import type { Page, Request, Response } from 'playwright';
import { errorLine } from '../../lib/core/format.ts';
import { httpStatusEvidence, responseOrigin } from '../../lib/core/response-origin.ts';
import type { Evidence } from '../../lib/core/result.ts';

export type RequestFailedEvidence = Extract<Evidence, { type: 'request-failed' }>;

/** The plan id a `POST /api/plans` answered with, or null when its body named none. */
export type PlanSource = { id: string } | null;

/** How a request ended: `failed` is the evidence recorded for it, absent when it finished or its failure is no finding. */
interface Ending {
  failed?: RequestFailedEvidence;
}

export class PageEvidence {
  /** Everything found in this run, in order; the step runner appends the steps' own evidence here too. */
  readonly evidence: Evidence[] = [];
  /** Soft findings the page made while its steps passed (an uncaught error), each under the step it happened in. */
  readonly findings: { step: string; message: string }[] = [];

  #step = 'launch';
  #open = true;
  readonly #plansPath: string;
  /**
   * Requests still waiting for their first response byte, oldest first: when a step times out,
   * these tell a silent server (hosting) from a slow page (application).
   */
  readonly #waiting = new Map<Request, string>();
  /** How requests ended, by `METHOD url`; the latest ending of that key wins. */
  readonly #ended = new Map<string, Ending>();
  readonly #endWaiters = new Map<string, Set<(ending: Ending | undefined) => void>>();
  #postedPlan: Promise<PlanSource> | undefined;
  readonly #detach: () => void;

  /** Starts collecting on `page`. `plansPath` is the path of the plan POST to watch (`/api/plans`). */
  constructor(page: Page, options: { plansPath: string }) {
    this.#plansPath = options.plansPath;
    const onRequest = (r: Request) => this.#waiting.set(r, r.url());
    const onFinished = (r: Request) => {
      this.#waiting.delete(r);
      this.#end(r, {});
    };
    const onFailed = (r: Request) => this.#onFailed(r);
    const onResponse = (r: Response) => this.#onResponse(r);
    const onPageError = (err: Error) => this.#onPageError(err);
    page.on('request', onRequest);
    page.on('requestfinished', onFinished);
    page.on('requestfailed', onFailed);
    page.on('response', onResponse);
    page.on('pageerror', onPageError);
    this.#detach = () => {
      page.off('request', onRequest);
      page.off('requestfinished', onFinished);
      page.off('requestfailed', onFailed);
      page.off('response', onResponse);
      page.off('pageerror', onPageError);
    };
  }

  /** Tells the collector which step runs now: the page's findings are reported under it. */
  enter(step: string): void {
    this.#step = step;
  }

  /** The URL of the oldest request still waiting for its first response byte, if any. */
  awaitingFirstByte(): string | undefined {
    return this.#waiting.values().next().value;
  }

  /**
   * The plan the page's own `POST /api/plans` answered with, once its answer arrived (pending
   * while the body is read): the id reaches cleanup even when the confirmation never showed.
   */
  get postedPlan(): Promise<PlanSource> | undefined {
    return this.#postedPlan;
  }

  /**
   * The browser's own failure of the page's `method url`, for a fetch in the page that rejected:
   * Chromium names the network reason (`net::ERR_…`) in `requestfailed`, which can arrive just
   * before or just after the fetch rejects. Resolves as soon as that request has ended (at once
   * when it already has): with the evidence recorded for it, or undefined when it finished, its
   * failure is no finding (cancelled), `timeoutMs` passed, or the collector was closed.
   */
  failureOf(method: string, url: string, timeoutMs: number): Promise<RequestFailedEvidence | undefined> {
    const key = endingKey(method, url);
    const ended = this.#ended.get(key);
    if (ended || !this.#open) return Promise.resolve(ended?.failed);
    return new Promise((resolve) => {
      const waiters = this.#endWaiters.get(key) ?? new Set();
      this.#endWaiters.set(key, waiters);
      const done = (ending: Ending | undefined) => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve(ending?.failed);
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      waiters.add(done);
    });
  }

  /** Stops collecting: later page events are ignored, and pending `failureOf` calls resolve undefined. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#detach();
    for (const waiters of this.#endWaiters.values()) for (const done of [...waiters]) done(undefined);
    this.#endWaiters.clear();
  }

  #onPageError(err: Error): void {
    if (!this.#open) return;
    const message = errorLine(err);
    this.evidence.push({ type: 'page-error', message });
    this.findings.push({ step: this.#step, message: `the page threw an uncaught error: ${message}` });
  }

  #onFailed(r: Request): void {
    this.#waiting.delete(r);
    const failure = r.failure()?.errorText ?? 'failed';
    // The launch step reports its own navigation; a cancelled request was stopped by the browser, not refused by the server.
    const finding = this.#open && !r.isNavigationRequest() && failure !== 'net::ERR_ABORTED';
    const failed: RequestFailedEvidence | undefined = finding ? { type: 'request-failed', url: r.url(), method: r.method(), failure } : undefined;
    if (failed) this.evidence.push(failed);
    this.#end(r, failed ? { failed } : {});
  }

  #onResponse(r: Response): void {
    const request = r.request();
    this.#waiting.delete(request);
    if (request.method() === 'POST' && new URL(r.url()).pathname === this.#plansPath) this.#postedPlan = planIdFrom(r);
    if (!this.#open || r.status() < 400 || request.isNavigationRequest()) return;
    this.evidence.push({ type: 'request-failed', url: r.url(), method: request.method(), status: r.status() });
    const headers = r.headers();
    if (responseOrigin(r.status(), headers['content-type']) === 'proxy') this.evidence.push(httpStatusEvidence(r.url(), r.status(), headers));
  }

  #end(r: Request, ending: Ending): void {
    const key = endingKey(r.method(), r.url());
    this.#ended.set(key, ending);
    for (const done of [...(this.#endWaiters.get(key) ?? [])]) done(ending);
  }
}

/** The plan id in a `POST /api/plans` answer (`id`, `planId` or `plan.id`), or null. */
export async function planIdFrom(response: Response): Promise<PlanSource> {
  try {
    return planIdIn(await response.json());
  } catch {
    return null;
  }
}

/** The plan id in a parsed `POST /api/plans` body, or null. */
export function planIdIn(body: unknown): PlanSource {
  const b = body as Record<string, unknown> | null | undefined;
  const id = b?.id ?? b?.planId ?? (b?.plan as Record<string, unknown> | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : null;
}

function endingKey(method: string, url: string): string {
  // Playwright reports URLs normalised; so is the one asked about, whoever built it.
  let normal = url;
  try {
    normal = new URL(url).href;
  } catch {
    // Not a URL: it can only match itself.
  }
  return `${method.toUpperCase()} ${normal}`;
}
