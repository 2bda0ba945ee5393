import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { onLoopback } from './helpers.ts';

const CHROMIUM = process.env.FLP_CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CPR = '2512489996';

let sandbox: Sandbox;
let browser: Browser;
let context: BrowserContext;
let certDir: string;

interface Visit {
  page: Page;
  pageErrors: string[];
  failedRequests: string[];
}

async function openPlan(): Promise<Visit> {
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const visit: Visit = { page, pageErrors: [], failedRequests: [] };
  page.on('pageerror', (e) => visit.pageErrors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) visit.failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${onLoopback(sandbox.baseUrl)}lps/launch?clinic=012345&cpr=${CPR}&system=test-journal`);
  await page.waitForSelector('[data-testid="forloebsplan"], [data-testid="app-error"]');
  return visit;
}

const count = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"]`).count();

describe.skipIf(!existsSync(CHROMIUM))('sandbox page in Chromium', () => {
  beforeAll(async () => {
    certDir = await mkdtemp(path.join(tmpdir(), 'flp-sandbox-page-'));
    [sandbox, browser] = await Promise.all([startSandbox({ certDir }), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
    // One context for all tests (a new one costs more than the page under test).
    context = await browser.newContext({ extraHTTPHeaders: { 'X-FLP-Synthetic': '1' } });
  });
  afterEach(async () => {
    sandbox.clearFaults();
    await Promise.all(context.pages().map((p) => p.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    await rm(certDir, { recursive: true, force: true });
  });

  it('renders every contract element, creates a plan and links its PDF, without showing the full CPR', async () => {
    const { page, pageErrors, failedRequests } = await openPlan();
    expect(await count(page, 'forloebsplan')).toBe(1);
    expect(await page.locator('[data-testid="patient-header"]').textContent()).toContain('251248-xxxx');
    expect(await count(page, 'diagnoses')).toBe(1);
    expect(await count(page, 'diagnosis')).toBeGreaterThanOrEqual(1);
    expect(await count(page, 'lab-results')).toBe(1);
    expect(await count(page, 'lab-result')).toBeGreaterThanOrEqual(1);
    const freshness = await page
      .locator('[data-testid="source-freshness"]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-source'), e.getAttribute('data-synced-at')]));
    expect(freshness.map(([source]) => source)).toEqual(['lab', 'diagnoses', 'medication', 'measurements']);
    for (const [, at] of freshness) expect(Date.now() - Date.parse(at ?? '')).toBeLessThan(20 * 60_000);

    await page.click('[data-testid="create-plan"]');
    const saved = page.locator('[data-testid="plan-saved"]');
    await saved.waitFor();
    const id = await saved.getAttribute('data-plan-id');
    expect(id).toBeTruthy();
    expect(await page.locator('[data-testid="print-plan"]').getAttribute('href')).toBe(`/api/plans/${id}/pdf`);
    expect(sandbox.stats().livePlans).toBe(1);
    expect(await page.content()).not.toContain(CPR);
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(sandbox.stats().nonSyntheticRequests).toEqual([]);
  });

  it('missing-section: the page renders without the diagnoses section', async () => {
    sandbox.setFault('missing-section');
    const { page } = await openPlan();
    expect(await count(page, 'forloebsplan')).toBe(1);
    expect(await count(page, 'diagnoses')).toBe(0);
    expect(await count(page, 'lab-results')).toBe(1);
  });

  it('js-error: the page renders, then throws an uncaught error', async () => {
    sandbox.setFault('js-error');
    const visit = await openPlan();
    await expect.poll(() => visit.pageErrors).toEqual([expect.stringContaining('Cannot read properties of undefined')]);
    expect(await count(visit.page, 'diagnoses')).toBe(1);
  });

  it('api-500: the page shows the app-error panel instead of the plan, without the full CPR', async () => {
    sandbox.setFault('api-500');
    const { page, failedRequests } = await openPlan();
    expect(await count(page, 'app-error')).toBe(1);
    expect(await count(page, 'forloebsplan')).toBe(0);
    expect(failedRequests).toEqual([`500 /api/patients/${CPR}/overview`]);
    expect(await page.content()).not.toContain(CPR);
  });

  it('create-fails: clicking create shows app-error and no saved plan', async () => {
    sandbox.setFault('create-fails');
    const { page } = await openPlan();
    await page.click('[data-testid="create-plan"]');
    await page.locator('[data-testid="app-error"]').waitFor();
    expect(await count(page, 'plan-saved')).toBe(0);
  });
});
