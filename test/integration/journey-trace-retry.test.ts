/**
 * The journey's trace on retry, in real Chromium against the sandbox: a healthy run records no
 * trace; a failure the traced retry confirms keeps the retry's screenshot and trace; one the
 * retry clears is reported as transient and leaves no file behind. Also through the Monitor, so
 * the summary a user sees in the `run` table says what was cleared. The kept trace holds the CPR
 * in no form and still opens in Playwright's trace viewer (`playwright show-trace`).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BrowserProvider } from '../../lib/adapters/browser.ts';
import { createResolver } from '../../lib/adapters/resolver.ts';
import { parseConfig, type Config } from '../../lib/core/config.ts';
import type { HttpClient, Logger } from '../../lib/core/context.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { probeJourney, probeJourneyRetried, type JourneyContext } from '../../probes/journey/forloebsplan.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { serveTraceViewer } from '../support/trace-viewer.ts';

const STEP_MS = 4_000;
const CPR = '2512489996';
/** The CPR in every form a trace may carry it in: bare, hyphenated, the hyphen percent-encoded once or twice. */
const CPR_FORMS = /2512489996|251248(-|%2d|%252d)9996/i;

let dir: string;
let sandbox: Sandbox;
let config: Config;
let browser: BrowserProvider;
let ctx: JourneyContext;
/** Warnings the journey logged in the current test ("journey failed: …" per failed attempt). */
let warnings: string[] = [];
/** Told of each warning as it is logged (the Monitor holds on to the logger's functions). */
let onWarn: ((message: string) => void) | undefined;

const logger: Logger = {
  debug() {},
  info() {},
  warn: (m) => {
    warnings.push(m);
    onWarn?.(m);
  },
  error() {},
};
const noHttp: HttpClient = {
  request: () => Promise.reject(new Error('the journey goes through the browser, not the HTTP client')),
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flp-trace-retry-'));
  sandbox = await startSandbox({ certDir: path.join(dir, 'certs') });
  config = parseConfig(
    {
      environment: 'test',
      target: { baseUrl: sandbox.baseUrl, nodes: sandbox.nodes, dnsServers: [sandbox.dnsServer] },
      journey: { clinic: '012345', cpr: CPR, lpsSystem: 'test-journal' },
      sync: sandbox.sync.map((s) => ({ ...s, maxLagMinutes: s.source === 'lab' ? 120 : 1440 })),
      timeouts: { requestMs: 2_000, stepMs: STEP_MS },
      retry: { retries: 1 },
      artifacts: { dir: 'artifacts' },
    },
    { baseDir: dir },
  );
  browser = new BrowserProvider({ hostResolverRules: { [new URL(sandbox.baseUrl).hostname]: '127.0.0.1' } });
  ctx = {
    clock: { now: () => new Date() },
    http: noHttp,
    resolve: createResolver([sandbox.dnsServer], { timeoutMs: 1_000, tries: 1 }),
    logger,
    browser,
    artifactsDir: config.artifacts.dir,
  };
});

beforeEach(async () => {
  warnings = [];
  onWarn = undefined;
  await rm(config.artifacts.dir, { recursive: true, force: true });
});

afterEach(() => sandbox.clearFaults());

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every file under the artifacts directory, relative to it. */
async function artifactFiles(): Promise<string[]> {
  const entries = await readdir(config.artifacts.dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(config.artifacts.dir, path.join(e.parentPath, e.name))).sort();
}

/**
 * A fault for the first attempt only: cleared as soon as that attempt has logged its failure, so
 * the retry finds FLP healthy. (The sandbox's own `transient` fault, one reset connection per
 * server, never fails the journey: Chromium and the load balancer both retry a reset connection.)
 */
function faultForFirstAttempt(fault: 'api-500' | 'create-fails'): void {
  sandbox.setFault(fault);
  onWarn = (m) => {
    if (!m.startsWith('journey failed:')) return;
    sandbox.clearFaults();
    onWarn = undefined;
  };
}

describe('the journey traced on its retry only', () => {
  it('records no trace on a healthy run and leaves no file', async () => {
    const result = await probeJourneyRetried(config, ctx, { retries: 1 });
    expect(result.error).toBeNull();
    expect(result).toMatchObject({ ok: true, attempts: 1, artifacts: [] });
    expect(result.observations.transient).toBeUndefined();
    expect(await artifactFiles()).toEqual([]);
  });

  it('keeps only a screenshot of an untraced run that fails (the first attempt)', async () => {
    sandbox.setFault('api-500');
    const result = await probeJourney(config, ctx);
    expect(result.ok).toBe(false);
    expect(result.artifacts).toEqual([expect.stringMatching(/^\d{4}-.*-journey\/screenshot\.png$/)]);
    expect(await artifactFiles()).toEqual(result.artifacts);
  });

  it('keeps the retry\'s screenshot and trace of a failure the retry confirms (api-500), and nothing of the first attempt', async () => {
    sandbox.setFault('api-500');
    const result = await probeJourneyRetried(config, ctx, { retries: 1 });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(2);
    expect(result.error).toMatch(/^overview failed: .*answered 500/);
    expect(result.observations.transient).toBeUndefined();
    // both attempts failed and said so
    expect(warnings.filter((w) => w.startsWith('journey failed:'))).toHaveLength(2);
    expect(result.artifacts).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-journey\/screenshot\.png$/),
      expect.stringMatching(/^\d{4}-.*-journey\/trace\.zip$/),
    ]);
    // the two files are the retry's, in one folder; the untraced first attempt left nothing
    expect(path.dirname(result.artifacts[0]!)).toBe(path.dirname(result.artifacts[1]!));
    expect(await artifactFiles()).toEqual([...result.artifacts].sort());
    for (const file of result.artifacts) {
      expect(file).not.toContain(CPR);
      const full = path.join(config.artifacts.dir, file);
      expect(statSync(full).size).toBeGreaterThan(1_000);
    }
    const trace = path.join(config.artifacts.dir, result.artifacts[1]!);
    expect((await readFile(trace)).subarray(0, 2).toString()).toBe('PK');
  });

  it('reports a failure the retry clears as transient: ok, two attempts, the first error kept, no screenshot or trace left', async () => {
    // a plan creation that fails once (POST /api/plans 500), then works
    faultForFirstAttempt('create-fails');
    const result = await probeJourneyRetried(config, ctx, { retries: 1 });
    expect(result.error).toBeNull();
    expect(result).toMatchObject({ ok: true, attempts: 2, artifacts: [] });
    expect(result.steps.every((s) => s.status === 'passed')).toBe(true);
    expect(result.observations.transient).toMatch(/^create-plan failed: /);
    expect(result.observations.transient).not.toContain(CPR);
    expect(warnings.filter((w) => w.startsWith('journey failed:'))).toHaveLength(1);
    // the first attempt's screenshot and its folder are gone; the retry's trace was never written
    expect(await artifactFiles()).toEqual([]);
    expect(existsSync(config.artifacts.dir) ? await readdir(config.artifacts.dir) : []).toEqual([]);
    expect(sandbox.stats().livePlans).toBe(0);
  });

  it('through the Monitor: a failure the retry clears passes with "passed on retry after: …" in its summary', async () => {
    const monitor = new Monitor(config, { browser, logger, resolve: ctx.resolve, http: noHttp });
    try {
      faultForFirstAttempt('api-500');
      const [result] = await monitor.runGroup('journey');
      expect(result).toMatchObject({ probe: 'journey', ok: true, attempts: 2, class: null, artifacts: [] });
      expect(result!.observations.transient).toMatch(/^overview failed: .*answered 500/);
      expect(result!.summary).toMatch(/ \(passed on retry after: overview failed: .*answered 500.*\)$/);
      expect(await artifactFiles()).toEqual([]);
    } finally {
      await monitor.close();
    }
  });

  it('through the Monitor with retries 0: the single attempt is traced, so its failure keeps a trace', async () => {
    const once = { ...config, retry: { ...config.retry, retries: 0 } };
    const monitor = new Monitor(once, { browser, logger, resolve: ctx.resolve, http: noHttp });
    try {
      sandbox.setFault('api-500');
      const [result] = await monitor.runGroup('journey');
      expect(result).toMatchObject({ ok: false, attempts: 1, class: 'application' });
      expect(result!.artifacts.map((a) => path.basename(a))).toEqual(['screenshot.png', 'trace.zip']);
      expect(await artifactFiles()).toEqual([...result!.artifacts].sort());
    } finally {
      await monitor.close();
    }
  });
});

describe('the kept trace', () => {
  it('holds the CPR in no form in any entry, and still opens in playwright show-trace with the journey\'s actions', async () => {
    // given a plan creation that fails on both attempts: the trace then holds the launch URL, the
    // overview and the plan's request body (clinic and CPR), each stored as Playwright stores it
    sandbox.setFault('create-fails');
    const result = await probeJourneyRetried(config, ctx, { retries: 1 });
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(result.error).toMatch(/^create-plan failed: /);
    const kept = result.artifacts.find((a) => a.endsWith('/trace.zip'));
    expect(kept).toBeDefined();
    const trace = path.join(config.artifacts.dir, kept!);

    // then no entry, by name or content, holds the CPR in any form
    const entries = Object.entries(unzipSync(await readFile(trace)));
    expect(entries.map(([name]) => name)).toEqual(expect.arrayContaining(['trace.trace', 'trace.network', 'trace.stacks']));
    expect(entries.filter(([name]) => name.startsWith('resources/')).length).toBeGreaterThan(1);
    const holding = entries.filter(([name, data]) => CPR_FORMS.test(name) || CPR_FORMS.test(Buffer.from(data).toString('latin1'))).map(([name]) => name);
    expect(holding).toEqual([]);
    const network = Buffer.from(entries.find(([name]) => name === 'trace.network')![1]).toString();
    expect(network).toContain('/api/patients/251248xxxx/overview');

    // when a person opens it in Playwright's trace viewer
    const viewer = await serveTraceViewer(trace);
    const context = await (await browser.get()).newContext();
    try {
      const page = await context.newPage();
      await page.goto(viewer.url);
      // then it loads: the journey's actions are listed, the launch with the masked CPR in its URL
      const navigate = page.getByTestId('actions-tree').getByRole('treeitem').filter({ hasText: 'Navigate' });
      await navigate.first().waitFor({ timeout: 10_000 });
      expect(await navigate.first().innerText()).toContain('/lps/launch?clinic=012345&cpr=251248xxxx&system=test-journal');
      expect(await page.getByTestId('actions-tree').getByRole('treeitem').filter({ hasText: 'Click' }).count()).toBeGreaterThan(0);
      // and says nothing of a trace it could not load
      expect(await page.getByRole('alert').allInnerTexts()).toEqual([]);
      // and the plan's request body, a resource renamed when it was masked, still opens
      await page.getByRole('tab', { name: 'Network' }).click();
      await page.getByText('plans', { exact: true }).click();
      await page.getByRole('tab', { name: 'Payload' }).click();
      await page.getByText('"cpr": "251248xxxx"').waitFor({ timeout: 5_000 });
      // and nothing the viewer shows holds the CPR
      expect(await page.locator('body').innerText()).not.toMatch(CPR_FORMS);
    } finally {
      await context.close();
      await viewer.close();
    }
  });
});
