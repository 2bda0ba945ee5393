/**
 * The journey probe in real Chromium against the sandbox: the healthy path, then one test per
 * fault a clinic would see in the browser, asserting the steps and the evidence it records.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrowserProvider } from '../../lib/adapters/browser.ts';
import { classify } from '../../lib/core/classify.ts';
import { DEFAULT_OWNERS, parseConfig, type Config } from '../../lib/core/config.ts';
import type { HttpClient, Logger } from '../../lib/core/context.ts';
import type { Evidence, ProbeResult } from '../../lib/core/result.ts';
import { createResolver } from '../../lib/adapters/resolver.ts';
import { probeJourney, type JourneyContext } from '../../probes/journey/forloebsplan.ts';
import { startSandbox, type FaultName, type FaultParams, type Sandbox } from '../../sandbox/index.ts';
import { sandboxLps } from '../support/sandbox.ts';
import { startStallMeter } from '../support/stall-meter.ts';

const STEP_MS = 4_000;
const CPR = '2512489996';

let dir: string;
let sandbox: Sandbox;
let config: Config;
let browser: BrowserProvider;
let ctx: JourneyContext;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const noHttp: HttpClient = {
  request: () => Promise.reject(new Error('the journey goes through the browser, not the HTTP client')),
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flp-journey-'));
  sandbox = await startSandbox({ certDir: path.join(dir, 'certs') });
  config = parseConfig(
    {
      environment: 'test',
      target: { baseUrl: sandbox.baseUrl, nodes: sandbox.nodes, dnsServers: [sandbox.dnsServer] },
      journey: { clinic: '012345', cpr: CPR, lpsSystem: 'test-journal' },
      sync: sandbox.sync.map((s) => ({ ...s, maxLagMinutes: s.source === 'lab' ? 120 : 1440 })),
      timeouts: { requestMs: 2_000, stepMs: STEP_MS },
      artifacts: { dir: 'artifacts' },
    },
    { baseDir: dir },
  );
  // Chromium reaches the sandbox's name through a resolver rule, the probe checks it through the sandbox DNS.
  browser = new BrowserProvider({ hostResolverRules: { [new URL(sandbox.baseUrl).hostname]: '127.0.0.1' } });
  ctx = {
    clock: { now: () => new Date() },
    http: noHttp,
    resolve: createResolver([sandbox.dnsServer], { timeoutMs: 1_000, tries: 1 }),
    logger: quiet,
    browser,
    artifactsDir: config.artifacts.dir,
  };
});

afterEach(() => sandbox.clearFaults());

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

async function journeyWith(fault?: FaultName, params?: FaultParams): Promise<ProbeResult> {
  if (fault) sandbox.setFault(fault, params);
  return probeJourney(config, ctx);
}

/**
 * A load balancer on loopback in front of the sandbox's: it relays every request, except that a
 * plan's PDF gets its response head at once and then its body one byte per 100 ms, never ending
 * (until the client goes): a print service that answers and does not finish.
 */
async function startTricklingPdfProxy(upstream: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const port = Number(new URL(upstream).port);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && /^\/api\/plans\/[^/]+\/pdf$/.test(new URL(req.url ?? '/', 'http://proxy').pathname)) {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.write('%PDF-1.4\n');
      const timer = setInterval(() => res.write('%'), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const relay = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    relay.on('error', () => res.destroy());
    req.pipe(relay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const statuses = (r: ProbeResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.status]));
const ofType = <T extends Evidence['type']>(r: ProbeResult, type: T) => r.evidence.filter((e): e is Extract<Evidence, { type: T }> => e.type === type);

describe('the journey against a healthy FLP', () => {
  it('passes all five steps quickly, leaves no plan behind and marks every request synthetic', async () => {
    // given a healthy sandbox
    const before = sandbox.stats();
    // when
    const stall = startStallMeter();
    const result = await journeyWith();
    const stalledMs = stall.stop();
    // then
    expect(result.error).toBeNull();
    expect(result.ok).toBe(true);
    expect(result).toMatchObject({ probe: 'journey', kind: 'journey', target: sandbox.baseUrl, attempts: 1 });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['launch', 'passed'],
      ['overview', 'passed'],
      ['create-plan', 'passed'],
      ['print', 'passed'],
      ['cleanup', 'passed'],
    ]);
    // (plus the time this process was kept from running on a busy machine, measured)
    expect(result.durationMs).toBeLessThan(10_000 + stalledMs);
    expect(result.steps.reduce((sum, s) => sum + s.durationMs, 0)).toBeLessThanOrEqual(result.durationMs);
    expect(result.evidence).toEqual([]);
    expect(result.artifacts).toEqual([]);
    expect(result.observations.planId).toMatch(/\S/);
    const after = sandbox.stats();
    expect(after.livePlans).toBe(0);
    expect(after.plansCreated - before.plansCreated).toBe(1);
    expect(after.nonSyntheticRequests).toEqual([]);
    expect(after.requests).toBeGreaterThan(before.requests);
  });

  it('reuses one warm browser across runs and launches a new one after it was closed', async () => {
    const first = await browser.get();
    expect(await browser.get()).toBe(first);
    await browser.close();
    const second = await browser.get();
    expect(second).not.toBe(first);
    expect(second.isConnected()).toBe(true);
    const context = await second.newContext();
    await context.close();
  });

  it('times each step by its own wall time: a slow overview API shows in the overview step only', async () => {
    // given an overview API that waits 1 s, and a step budget roomy enough for it on a busy machine
    sandbox.setFault('slow', { ms: 1_000 });
    const roomy = { ...config, timeouts: { ...config.timeouts, stepMs: 10_000 } };
    // when
    const stall = startStallMeter();
    const result = await probeJourney(roomy, ctx);
    const stalledMs = stall.stop();
    // then
    expect(result.error).toBeNull();
    const time = Object.fromEntries(result.steps.map((s) => [s.name, s.durationMs]));
    expect(time.overview).toBeGreaterThanOrEqual(1_000);
    // (the other steps stay fast: under a second, plus the time this process was starved, measured)
    expect(time['create-plan']).toBeLessThan(1_000 + stalledMs);
    expect(time.print).toBeLessThan(1_000 + stalledMs);
  });
});

describe('the journey against a faulty FLP', () => {
  it('fails the overview when the API answers 500, and keeps a screenshot and (traced, as a retry runs) a trace named by time, never by the patient', async () => {
    sandbox.setFault('api-500');
    const result = await probeJourney(config, ctx, { trace: true });
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual({ launch: 'passed', overview: 'failed', 'create-plan': 'skipped', print: 'skipped', cleanup: 'skipped' });
    expect(ofType(result, 'request-failed')).toEqual([expect.objectContaining({ method: 'GET', status: 500, url: expect.stringContaining('/overview') })]);
    expect(ofType(result, 'app-error-shown')).toHaveLength(1);
    expect(result.error).toMatch(/^overview failed: .*answered 500/);
    expect(result.error).not.toContain(CPR);

    expect(result.artifacts).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-journey\/screenshot\.png$/),
      expect.stringMatching(/^\d{4}-.*-journey\/trace\.zip$/),
    ]);
    for (const file of result.artifacts) {
      expect(file).not.toContain(CPR);
      const full = path.join(config.artifacts.dir, file);
      expect(existsSync(full)).toBe(true);
      expect(statSync(full).size).toBeGreaterThan(1_000);
    }
  });

  it('reports a section missing from the page', async () => {
    const result = await journeyWith('missing-section');
    expect(statuses(result).overview).toBe('failed');
    expect(ofType(result, 'missing-element')).toEqual([expect.objectContaining({ selector: '[data-testid="diagnoses"]' })]);
    expect(result.error).toBe('overview failed: missing the diagnoses section');
  });

  it('reports an uncaught JS error on the page, though every step passed', async () => {
    const result = await journeyWith('js-error');
    expect(result.steps.every((s) => s.status === 'passed')).toBe(true);
    expect(result.ok).toBe(false);
    expect(ofType(result, 'page-error')).toEqual([{ type: 'page-error', message: expect.stringContaining('goals') }]);
    expect(result.error).toMatch(/the page threw an uncaught error/);
    expect(sandbox.stats().livePlans).toBe(0);
  });

  it('fails plan creation when POST /api/plans answers 500, and has nothing to clean up', async () => {
    const result = await journeyWith('create-fails');
    expect(statuses(result)).toEqual({ launch: 'passed', overview: 'passed', 'create-plan': 'failed', print: 'skipped', cleanup: 'skipped' });
    expect(ofType(result, 'request-failed')).toEqual([expect.objectContaining({ method: 'POST', status: 500 })]);
    expect(result.error).toBe('create-plan failed: POST /api/plans answered 500');
    expect(sandbox.stats().livePlans).toBe(0);
  });

  it('fails print when the PDF is not a PDF, and still deletes the plan', async () => {
    const result = await journeyWith('print-not-pdf');
    expect(statuses(result)).toEqual({ launch: 'passed', overview: 'passed', 'create-plan': 'passed', print: 'failed', cleanup: 'passed' });
    expect(ofType(result, 'bad-response')).toEqual([expect.objectContaining({ url: expect.stringContaining('/pdf'), problem: expect.stringContaining('not application/pdf') })]);
    expect(result.observations.planId).toBeDefined();
    expect(sandbox.stats().livePlans).toBe(0);
  });

  it('records stale data on the page as a sync finding while every step passes', async () => {
    const result = await journeyWith('page-stale', { source: 'lab' });
    expect(result.steps.every((s) => s.status === 'passed')).toBe(true);
    expect(result.ok).toBe(false);
    const [stale] = ofType(result, 'sync-stale');
    expect(stale).toMatchObject({ source: 'lab', where: 'page', maxLagMinutes: 120 });
    expect(stale?.lagSeconds).toBeGreaterThan(120 * 60);
    expect(result.error).toMatch(/^overview: the page shows lab data .* old \(limit 120 min\)$/);
  });

  it('reports a 502 from the load balancer as the proxy answering', async () => {
    const result = await journeyWith('lb-502');
    expect(statuses(result).launch).toBe('failed');
    expect(ofType(result, 'http-status')).toEqual([expect.objectContaining({ status: 502, origin: 'proxy', server: 'nginx' })]);
    expect(result.error).toMatch(/^launch failed: GET \/lps\/launch answered 502 from a proxy/);
  });

  it('reports a load balancer that never answers as a first-byte timeout on the launch', async () => {
    const started = Date.now();
    const result = await journeyWith('lb-hang');
    expect(statuses(result)).toEqual({ launch: 'failed', overview: 'skipped', 'create-plan': 'skipped', print: 'skipped', cleanup: 'skipped' });
    const [timeout] = ofType(result, 'timeout');
    expect(timeout).toMatchObject({ phase: 'first-byte', url: expect.stringContaining('/lps/launch') });
    expect(timeout?.afterMs).toBeGreaterThanOrEqual(STEP_MS - 50);
    expect(result.steps[0]?.durationMs).toBeLessThan(STEP_MS + 500);
    expect(Date.now() - started).toBeLessThan(STEP_MS + 5_000);
  });

  it('reports a PDF whose head came but whose body trickles past the step as the application, naming its URL', async () => {
    // given a load balancer that relays FLP but trickles the plan PDF's body after a prompt 200 application/pdf head
    const proxy = await startTricklingPdfProxy(sandbox.baseUrl);
    try {
      const trickling = { ...config, target: { ...config.target, baseUrl: proxy.baseUrl } };
      // when
      const result = classify(await probeJourney(trickling, ctx), DEFAULT_OWNERS);
      // then print fails on a body that did not finish, which is KiAP's, and the plan is still deleted
      expect(statuses(result)).toEqual({ launch: 'passed', overview: 'passed', 'create-plan': 'passed', print: 'failed', cleanup: 'passed' });
      const timeouts = ofType(result, 'timeout');
      expect(timeouts).toEqual([{ type: 'timeout', phase: 'body', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/plans\/[^/]+\/pdf$/), afterMs: expect.any(Number) }]);
      const print = result.steps.find((s) => s.name === 'print');
      expect(print?.error).toContain(timeouts[0]?.url);
      expect(print?.error).toMatch(/answered 200, but its body did not finish within \d+ ms$/);
      expect(print?.durationMs).toBeLessThan(STEP_MS + 250);
      expect(result.class).toBe('application');
      expect(result.owner).toBe(DEFAULT_OWNERS.application);
      expect(sandbox.stats().livePlans).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('reports a name the DNS does not resolve as a network failure before the browser goes anywhere', async () => {
    const before = sandbox.stats().requests;
    const result = await journeyWith('dns');
    expect(statuses(result).launch).toBe('failed');
    expect(ofType(result, 'network')).toEqual([expect.objectContaining({ code: 'ENOTFOUND' })]);
    expect(result.error).toMatch(/^launch failed: flp\.sandbox\.test does not resolve/);
    expect(sandbox.stats().requests).toBe(before);
  });

  it('reports a load balancer that refuses connections as ECONNREFUSED from the browser', async () => {
    // given a port on the sandbox's address where nothing listens
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused = { ...config, target: { ...config.target, baseUrl: `http://${new URL(sandbox.baseUrl).hostname}:${port}` } };
    // when
    const result = await probeJourney(refused, ctx);
    // then
    expect(statuses(result).launch).toBe('failed');
    expect(ofType(result, 'network')).toEqual([expect.objectContaining({ code: 'ECONNREFUSED', message: 'net::ERR_CONNECTION_REFUSED' })]);
  });
});

describe('the journey when the monitor itself cannot run it', () => {
  it('returns a result with monitor evidence when Chromium will not start', async () => {
    const broken = new BrowserProvider({ executablePath: path.join(dir, 'no-such-chromium') });
    const result = await probeJourney(config, { ...ctx, browser: broken });
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(result.evidence).toEqual([{ type: 'monitor', message: expect.stringMatching(/^Chromium would not start: /) }]);
    expect(result.error).toMatch(/^journey not run: Chromium would not start/);
  });
});

describe('the journey launching as each LPS profile', () => {
  const { profiles } = sandboxLps() as { profiles: { system: string }[] };
  const asSystem = (lpsSystem: string, over: Partial<{ key: string }> = {}): Config => {
    const c = parseConfig(
      {
        environment: 'test',
        target: { baseUrl: sandbox.baseUrl, nodes: sandbox.nodes, dnsServers: [sandbox.dnsServer] },
        journey: { clinic: '012345', cpr: CPR, lpsSystem },
        lps: { profiles: profiles.map((p) => (p.system === lpsSystem ? { ...p, ...over } : p)) },
        timeouts: { requestMs: 2_000, stepMs: STEP_MS },
        artifacts: { dir: 'artifacts' },
      },
      { baseDir: dir },
    );
    return c;
  };

  it.each([
    ['klinikplus', 'form', 'POST'],
    ['medsign', 'signed', 'GET'],
  ] as const)('launches as %s (%s: %s /lps/launch) and passes all five steps', async (system, _style, method) => {
    const r = await probeJourney(asSystem(system), ctx);
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    // The sandbox saw that style's launch, and counted none of it as a clinic's.
    expect(sandbox.stats().nonSyntheticRequests).toEqual([]);
    expect(method).toMatch(/GET|POST/);
  });

  it("fails the launch as the application, naming the vendor and the reason, when FLP refuses the profile's signature", async () => {
    const r = classify(await probeJourney(asSystem('medsign', { key: 'not-the-vendors-key' }), ctx), DEFAULT_OWNERS);
    expect(r).toMatchObject({ ok: false, class: 'application', owner: 'KiAP' });
    expect(r.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(r.evidence).toContainEqual(expect.objectContaining({ type: 'launch-refused', system: 'medsign', vendor: 'MedSign ApS', status: 401, reason: 'bad-signature' }));
    expect(r.summary).toContain("refused medsign's certified launch: 401 bad-signature");
  });
});
