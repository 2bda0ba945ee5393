/**
 * The peer of the `peerElasticRatio` figure (bench/peer-elastic.ts): the reference contract's
 * five journey steps written as an @elastic/synthetics journey, run by that project's own
 * runner. The same steps and the same checks as bench/bare-journey.ts (the bare Playwright
 * script), so the two sides differ only in the runner and its machinery.
 *
 * Everything that names the target comes in through `--params` (the bench passes its sandbox's
 * base URL, test identity and the config's selectors); the browser context's options (the
 * synthetic-traffic header, viewport, service workers blocked) and the Chromium binary and flags
 * come in through `--playwright-options`, as the runner applies them to the context it opens.
 *
 * Never part of flp-monitor: it imports @elastic/synthetics from bench/peer/node_modules, which
 * the bench installs on demand (bench/peer/package.json), and tsconfig.json leaves bench/peer out.
 */
import { expect, journey, step } from '@elastic/synthetics';

interface PeerParams {
  baseUrl: string;
  clinic: string;
  cpr: string;
  lpsSystem: string;
  selectors: Record<'root' | 'patientHeader' | 'diagnosis' | 'labResult' | 'sourceFreshness' | 'createPlan' | 'planSaved' | 'printPlan', string>;
}

journey('flp-journey', ({ page, params }) => {
  const { baseUrl: rawBase, clinic, cpr, lpsSystem, selectors: sel } = params as unknown as PeerParams;
  const baseUrl = rawBase.replace(/\/+$/, '');
  let planId: string | null = null;

  // 1. launch, as an LPS would
  step('launch', async () => {
    await page.goto(`${baseUrl}/lps/launch?${new URLSearchParams({ clinic, cpr, system: lpsSystem })}`, { waitUntil: 'domcontentloaded' });
  });

  // 2. overview: the sections are there
  step('overview', async () => {
    await Promise.all(
      [sel.root, sel.patientHeader, sel.diagnosis, sel.labResult, sel.sourceFreshness].map((s) => page.locator(s).first().waitFor({ state: 'attached' })),
    );
  });

  // 3. create a plan
  step('create-plan', async () => {
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/plans');
    await page.locator(sel.createPlan).first().click();
    expect((await posted).status(), 'plan not created').toBe(201);
    const saved = page.locator(sel.planSaved).first();
    await saved.waitFor({ state: 'attached' });
    planId = await saved.getAttribute('data-plan-id');
  });

  // 4. print
  step('print', async () => {
    const href = await page.locator(sel.printPlan).first().getAttribute('href');
    const pdf = await page.evaluate(async (url) => {
      const r = await fetch(url, { cache: 'no-store' });
      return { status: r.status, head: String.fromCharCode(...new Uint8Array(await r.arrayBuffer()).slice(0, 5)) };
    }, new URL(href ?? '', page.url()).toString());
    expect(pdf.status, 'no PDF').toBe(200);
    expect(pdf.head, 'no PDF').toBe('%PDF-');
  });

  // 5. clean up
  step('cleanup', async () => {
    const status = await page.evaluate(async (url) => (await fetch(url, { method: 'DELETE' })).status, `${baseUrl}/api/plans/${encodeURIComponent(planId ?? '')}`);
    expect(status, 'DELETE').toBe(204);
  });
});
