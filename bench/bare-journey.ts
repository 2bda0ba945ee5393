/**
 * The baseline of the journey-overhead figure: the five contract steps as a bare Playwright
 * script would write them, with none of the monitor's machinery (no step budgets, no evidence
 * listeners, no trace, no DNS check, no classification). The same context options as the
 * journey (synthetic-traffic header, viewport, service workers blocked) and the same in-page
 * fetch for the PDF and the DELETE, so the two differ only in what the monitor adds.
 */
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright';
import type { Config } from '../lib/core/config.ts';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE } from '../lib/core/context.ts';

export interface BareOptions {
  /**
   * Also record a Playwright trace, started and stopped like the journey's, for profiling: `true`
   * records what the journey records (screenshots and snapshots); an object picks the parts.
   */
  tracing?: boolean | { screenshots: boolean; snapshots: boolean };
}

/** Milliseconds per contract step (named as the journey names them), for the per-step profile. */
export type StepTimes = Record<'launch' | 'overview' | 'create-plan' | 'print' | 'cleanup', number>;

/**
 * Runs the five steps once in a fresh context of `browser` and returns each step's time;
 * throws when a step does not do what the contract says.
 */
export async function bareJourney(browser: Browser, config: Config, options: BareOptions = {}): Promise<StepTimes> {
  const { clinic, cpr, lpsSystem, selectors: sel } = config.journey;
  const baseUrl = config.target.baseUrl.replace(/\/+$/, '');
  const context = await browser.newContext({
    extraHTTPHeaders: { [SYNTHETIC_HEADER]: SYNTHETIC_HEADER_VALUE },
    viewport: { width: 1280, height: 900 },
    serviceWorkers: 'block',
  });
  const times: Partial<StepTimes> = {};
  let mark = performance.now();
  const lap = (step: keyof StepTimes) => {
    const now = performance.now();
    times[step] = now - mark;
    mark = now;
  };
  try {
    if (options.tracing) await context.tracing.start(options.tracing === true ? { screenshots: true, snapshots: true } : options.tracing);
    const page = await context.newPage();
    mark = performance.now();
    // 1. launch
    await page.goto(`${baseUrl}/lps/launch?${new URLSearchParams({ clinic, cpr, system: lpsSystem })}`, { waitUntil: 'domcontentloaded' });
    lap('launch');
    // 2. overview: the sections are there
    await Promise.all(
      [sel.root, sel.patientHeader, sel.diagnosis, sel.labResult, sel.sourceFreshness].map((s) => page.locator(s).first().waitFor({ state: 'attached' })),
    );
    lap('overview');
    // 3. create a plan
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/plans');
    await page.locator(sel.createPlan).first().click();
    if ((await posted).status() !== 201) throw new Error('plan not created');
    const saved = page.locator(sel.planSaved).first();
    await saved.waitFor({ state: 'attached' });
    const planId = await saved.getAttribute('data-plan-id');
    lap('create-plan');
    // 4. print
    const href = await page.locator(sel.printPlan).first().getAttribute('href');
    const pdf = await page.evaluate(async (url) => {
      const r = await fetch(url, { cache: 'no-store' });
      return { status: r.status, head: String.fromCharCode(...new Uint8Array(await r.arrayBuffer()).slice(0, 5)) };
    }, new URL(href ?? '', page.url()).toString());
    if (pdf.status !== 200 || pdf.head !== '%PDF-') throw new Error('no PDF');
    lap('print');
    // 5. clean up
    const status = await page.evaluate(async (url) => (await fetch(url, { method: 'DELETE' })).status, `${baseUrl}/api/plans/${encodeURIComponent(planId ?? '')}`);
    if (status !== 204) throw new Error(`DELETE answered ${status}`);
    lap('cleanup');
    if (options.tracing) await context.tracing.stop();
    return times as StepTimes;
  } finally {
    await context.close();
  }
}
