/**
 * Hostile targets: the sync probe, the node probe and the journey pointed at a loopback server
 * that answers with a 64 MB body, a body that never ends, a trickle of one byte per 100 ms, a
 * redirect loop, invalid UTF-8, HTML where JSON is promised, and a gzip bomb (2 MiB that
 * inflates to 2 GiB). Every run must end in time, be classified per the contract (each case
 * says which class and why), and leave the monitor's process no more than 100 MB bigger;
 * Chromium's renderer is measured, and must be gone (its memory returned) after each run.
 *
 * Time bounds: an HTTP probe ends within `requestMs` + 1 s. A journey ends within `stepMs`
 * + 1 s of the start of its failing step (each bound plus the time the test process was starved,
 * measured by test/support/stall-meter.ts: the probes' own timers keep these bounds, and on a
 * busy machine they fire that much late): the hostile answer may cost that step's budget, and
 * the screenshot, trace and closing the context must fit in the second after it. (Opening the
 * context and starting the trace before the first step is the browser's own work and is
 * reported, not bounded: it took 0.2 to 1.5 s here on a busy 2-CPU machine.)
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserProvider } from '../../lib/adapters/browser.ts';
import { classify } from '../../lib/core/classify.ts';
import { DEFAULT_OWNERS, parseConfig, type Config } from '../../lib/core/config.ts';
import type { Logger, ProbeContext } from '../../lib/core/context.ts';
import { createHttpClient } from '../../lib/adapters/http.ts';
import { createResolver } from '../../lib/adapters/resolver.ts';
import type { ClassifiedResult, Evidence, FailureClass } from '../../lib/core/result.ts';
import { probeJourney } from '../../probes/journey/forloebsplan.ts';
import { probeNode } from '../../probes/node.ts';
import { probeSync } from '../../probes/sync.ts';
import { HOSTILE_MODES, startHostileServer, type HostileMode, type HostileScope, type HostileServer } from '../support/hostile-server.ts';
import { rendererMemory } from './support/processes.ts';
import { startStallMeter } from '../support/stall-meter.ts';

const REQUEST_MS = 1_000;
const STEP_MS = 2_000;
const MB = 1024 * 1024;

/** What a case must come out as: its class, evidence of one of these types matching `like`, and why that is the contract's answer. */
interface Expected {
  class: FailureClass;
  evidence: Evidence['type'][];
  like?: Record<string, unknown>;
  why: string;
}

const TOO_LARGE = { problem: 'body larger than 1048576 bytes' };

/** The HTTP probes read at most 1 MiB, never ask for or undo a content encoding, and time a request from start to last byte. */
const HTTP_EXPECTED: Record<HostileMode, { node: Expected; sync: Expected }> = {
  'huge-body': {
    node: { class: 'application', evidence: ['bad-response'], like: TOO_LARGE, why: 'the server answered at once with a body no health answer has: a wrong answer, not a hosting fault' },
    sync: { class: 'sync', evidence: ['bad-response'], like: TOO_LARGE, why: 'a sync status endpoint answering wrongly is a sync failure (contract: "errors or returns malformed JSON")' },
  },
  'endless-body': {
    node: { class: 'application', evidence: ['timeout'], like: { phase: 'body' }, why: 'the answer started at once and its body never ended within requestMs: the responder\'s own failure, not the hosting (only "no first byte" is)' },
    sync: { class: 'sync', evidence: ['timeout'], like: { phase: 'body' }, why: 'a sync status endpoint that answers and never finishes its body is the sync service\'s failure' },
  },
  trickle: {
    node: { class: 'application', evidence: ['timeout'], like: { phase: 'body' }, why: 'one byte came, the rest trickled past requestMs: something answered, so the application, not the hosting' },
    sync: { class: 'sync', evidence: ['timeout'], like: { phase: 'body' }, why: 'as for the node, and a sync status endpoint\'s own failure is sync' },
  },
  'redirect-loop': {
    node: { class: 'application', evidence: ['http-status'], like: { status: 302, origin: 'app' }, why: 'the probes do not follow redirects: /health answered 302, a prompt answer from behind the address that is not the contract\'s 200' },
    sync: { class: 'sync', evidence: ['http-status'], like: { status: 302 }, why: 'a sync status endpoint that answers something else than 200 is the sync service\'s failure' },
  },
  'invalid-utf8': {
    node: { class: 'application', evidence: ['bad-response'], like: { problem: 'body: not valid UTF-8, which JSON must be' }, why: 'JSON must be UTF-8 (RFC 8259); the body is malformed, so the answer is wrong' },
    sync: { class: 'sync', evidence: ['sync-malformed'], like: { problem: 'body: not valid UTF-8, which JSON must be' }, why: 'contract: a sync status endpoint that returns malformed JSON is sync' },
  },
  'wrong-content-type': {
    node: { class: 'application', evidence: ['bad-response'], like: { problem: 'body: not JSON (content-type text/html; charset=utf-8)' }, why: 'a 200 with an HTML page where the health JSON is promised: the answer is wrong (a gateway\'s page would come with 502/503/504)' },
    sync: { class: 'sync', evidence: ['sync-malformed'], like: { problem: 'body: not JSON (content-type text/html; charset=utf-8)' }, why: 'contract: malformed sync status is sync' },
  },
  'gzip-bomb': {
    node: { class: 'application', evidence: ['bad-response'], like: TOO_LARGE, why: 'the client asks for no encoding and never inflates: it sees 2 MiB of gzip, over its 1 MiB limit (declared length, so it reads nothing)' },
    sync: { class: 'sync', evidence: ['bad-response'], like: TOO_LARGE, why: 'as for the node, on a sync endpoint' },
  },
};

/** The journey sees what Chromium makes of it: the launch step (scope all) or the overview's API call (scope api) meets the hostile answer. */
const JOURNEY_EXPECTED: Record<HostileScope, Record<HostileMode, Expected>> = {
  all: {
    'huge-body': { class: 'application', evidence: ['timeout'], like: { phase: 'step' }, why: 'the answer came at once; Chromium was still loading and laying out 64 MB of text when the launch budget ran out: a step too slow' },
    'endless-body': { class: 'application', evidence: ['timeout'], like: { phase: 'step' }, why: 'the response head came, the document never finished: Chromium had an answer, so it is a step too slow, not "no first byte" (the HTTP probes call the same server infrastructure; see the report)' },
    trickle: { class: 'infrastructure', evidence: ['timeout'], like: { phase: 'first-byte' }, why: 'the response head never completed, so Chromium never had a response: no answer before the timeout, hosting' },
    'redirect-loop': { class: 'application', evidence: ['bad-response'], like: { problem: 'the answers redirect in a loop (more than 20 redirects) (net::ERR_TOO_MANY_REDIRECTS)' }, why: 'every hop was a prompt, well-formed 302 with no gateway signature; Chromium\'s ERR_TOO_MANY_REDIRECTS is an HTTP-level refusal of the answers (its -3xx range), not a connection error; the launch endpoint is the application\'s (contract: answers 303 to the app)' },
    'invalid-utf8': { class: 'application', evidence: ['bad-response'], like: { problem: 'the launch landed on /lps/launch (200), not /app/patient/…' }, why: 'the launch answered 200 JSON instead of the contract\'s 303 to the app' },
    'wrong-content-type': { class: 'application', evidence: ['bad-response'], like: { problem: 'the launch landed on /lps/launch (200), not /app/patient/…' }, why: 'the launch answered an HTML page instead of the contract\'s 303' },
    'gzip-bomb': { class: 'application', evidence: ['timeout'], like: { phase: 'step' }, why: 'the answer came at once; Chromium was inflating and rendering gigabytes when the launch budget ran out: a step too slow' },
  },
  api: {
    'huge-body': { class: 'application', evidence: ['app-error-shown', 'timeout'], why: 'the API answered 64 MB of JSON that is no overview; the page shows its error panel, or, when parsing 64 MB outlasts the step on a busy machine, the step is too slow: the application either way' },
    'endless-body': { class: 'application', evidence: ['timeout'], like: { phase: 'step' }, why: 'the API answered but its body never ended; the page showed neither the plan nor its error within the step: a step too slow' },
    trickle: { class: 'infrastructure', evidence: ['timeout'], like: { phase: 'first-byte' }, why: 'the API call never got a complete response head: no answer before the timeout, hosting' },
    'redirect-loop': { class: 'application', evidence: ['app-error-shown', 'request-failed'], why: 'the API redirected in a loop; the page shows its error panel and the request failed with ERR_TOO_MANY_REDIRECTS (not a network error)' },
    'invalid-utf8': { class: 'application', evidence: ['app-error-shown'], why: 'the browser decodes leniently, the page finds no overview in it and shows its error panel' },
    'wrong-content-type': { class: 'application', evidence: ['app-error-shown'], why: 'the page cannot parse HTML as JSON and shows its error panel' },
    'gzip-bomb': { class: 'application', evidence: ['timeout', 'app-error-shown', 'request-failed', 'page-error'], why: 'the API answered at once; the page spent the step inflating 2 GiB (or gave up on it): the application\'s answer, never the hosting' },
  },
};

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const rows: string[] = [];

let dir: string;
let tmp: string;
let savedTmp: string | undefined;
let srv: HostileServer;
let browser: BrowserProvider;
let ctx: ProbeContext;
let config: Config;
let baselineRss = 0;
let peakRss = 0;
let peakRenderer = 0;
let sampler: NodeJS.Timeout | undefined;

/** A full garbage collection, through V8's flag when the process was not started with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-robust-hostile-'));
  // Playwright's temporary directories (profile, artifacts, trace stacks) go here, so what is left can be told apart.
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flp-robust-hostile-tmpdir-'));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  srv = await startHostileServer({ mode: 'wrong-content-type' });
  const resolve = createResolver();
  ctx = { clock: { now: () => new Date() }, http: createHttpClient({ resolve }), resolve, logger: quiet };
  config = parseConfig({
    environment: 'robustness',
    target: { baseUrl: srv.baseUrl, nodes: [{ name: 'flp-1', url: srv.baseUrl }] },
    journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    sync: [{ source: 'lab', url: `${srv.baseUrl}/sync/lab/status`, maxLagMinutes: 120 }],
    timeouts: { requestMs: REQUEST_MS, stepMs: STEP_MS },
    artifacts: { dir: path.join(dir, 'artifacts') },
  });
  browser = new BrowserProvider();
  // A warm process: the browser is up and every module and code path has run once before the baseline.
  await browser.get();
  await probeNode({ name: 'flp-1', url: srv.baseUrl }, ctx, { requestMs: REQUEST_MS });
  await probeJourney(config, { ...ctx, browser, artifactsDir: config.artifacts.dir }, { trace: true });
  collectGarbage();
  baselineRss = process.memoryUsage().rss;
  peakRss = baselineRss;
  sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
}, 60_000);

afterAll(async () => {
  clearInterval(sampler);
  await browser?.close();
  await srv?.close();
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await rm(dir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
  console.log(`hostile targets (requestMs ${REQUEST_MS}, stepMs ${STEP_MS}):\n${rows.join('\n')}`);
});

/** More than any renderer of an ordinary page here (about 170 MB): one this big belongs to a hostile run. */
const RENDERER_AT_REST = 400 * MB;

/** The largest renderer once it is at rest, waiting up to `ms` for a closing one to go. */
async function largestRendererAfter(ms: number): Promise<number> {
  const until = performance.now() + ms;
  for (;;) {
    const largest = Math.max(0, ...rendererMemory().map((r) => r.rss));
    if (largest < RENDERER_AT_REST || performance.now() > until) return largest;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectClassified(result: ClassifiedResult, expected: Expected): void {
  expect(result.ok, result.error ?? '').toBe(false);
  expect({ class: result.class, error: result.error }).toMatchObject({ class: expected.class });
  const matching = result.evidence.filter((e) => expected.evidence.includes(e.type));
  expect(matching, JSON.stringify(result.evidence)).not.toEqual([]);
  if (expected.like) expect(matching).toContainEqual(expect.objectContaining(expected.like));
}

describe.sequential('the sync and node probes against a hostile target', () => {
  it.each(HOSTILE_MODES)('%s: each ends within requestMs + 1 s, classified per the contract', async (mode) => {
    // given a target answering in this hostile way
    srv.set(mode, 'all');
    srv.resetStats();
    const expected = HTTP_EXPECTED[mode];
    for (const [kind, run] of [
      ['node', () => probeNode({ name: 'flp-1', url: srv.baseUrl }, ctx, { requestMs: REQUEST_MS })],
      ['sync', () => probeSync({ source: 'lab', url: `${srv.baseUrl}/sync/lab/status`, maxLagMinutes: 120 }, ctx, { requestMs: REQUEST_MS })],
    ] as const) {
      // when
      const t0 = performance.now();
      const stall = startStallMeter();
      const result = classify(await run(), DEFAULT_OWNERS);
      const stalledMs = stall.stop();
      const wallMs = Math.round(performance.now() - t0);
      rows.push(`  ${kind.padEnd(7)} ${mode.padEnd(19)} ${String(result.class).padEnd(15)} ${String(wallMs).padStart(5)} ms  ${result.error}`);
      // then
      expect(wallMs).toBeLessThanOrEqual(REQUEST_MS + 1_000 + stalledMs);
      expectClassified(result, expected[kind]);
    }
    // and a body too big is dropped, not downloaded: the client stops reading at 1 MiB
    if (mode === 'huge-body') expect(srv.stats().bytesWritten).toBeLessThan(16 * MB);
  });
});

describe.sequential('the journey against a hostile target', () => {
  const cases = (['all', 'api'] as const).flatMap((scope) => HOSTILE_MODES.map((mode) => [scope, mode] as const));
  it.each(cases)('scope %s, %s: ends within stepMs + 1 s of its failing step, classified per the contract', async (scope, mode) => {
    // given the load balancer (baseUrl) answering in this hostile way at the launch (all) or the overview API (api)
    srv.set(mode, scope);
    srv.resetStats();
    let rendererPeak = 0;
    const watch = setInterval(() => {
      rendererPeak = Math.max(rendererPeak, ...rendererMemory().map((r) => r.rss));
    }, 100);
    // when
    const t0 = performance.now();
    const stall = startStallMeter();
    let result: ClassifiedResult;
    let endedAt: number;
    let stalledMs: number;
    try {
      // Traced, as the retry of a failure runs: its trace must fit the same second as the screenshot.
      result = classify(await probeJourney(config, { ...ctx, browser, artifactsDir: config.artifacts.dir }, { trace: true }), DEFAULT_OWNERS);
      endedAt = Date.now();
    } finally {
      clearInterval(watch);
      stalledMs = stall.stop();
    }
    const wallMs = Math.round(performance.now() - t0);
    peakRenderer = Math.max(peakRenderer, rendererPeak);
    const failing = result.steps.find((s) => s.status === 'failed');
    const sinceFailingStep = failing ? endedAt - Date.parse(failing.startedAt) : Number.NaN;
    const setupMs = Date.parse(result.steps[0]?.startedAt ?? result.startedAt) - Date.parse(result.startedAt);
    rows.push(
      `  journey ${`${scope}/${mode}`.padEnd(19)} ${String(result.class).padEnd(15)} ${String(wallMs).padStart(5)} ms (setup ${setupMs}, failing step + artifacts ${sinceFailingStep}, process stalled ${stalledMs}) renderer peak ${Math.round(rendererPeak / MB)} MB  ${result.error?.slice(0, 110)}`,
    );
    // then
    expect(failing, result.error ?? '').toBeDefined();
    // (each bound plus the time this process was kept from running, measured: the journey's own
    // timers enforce these bounds, and they fire that much late on a starved machine)
    expect(failing?.durationMs).toBeLessThanOrEqual(STEP_MS + 250 + stalledMs);
    expect(sinceFailingStep).toBeLessThanOrEqual(STEP_MS + 1_000 + stalledMs);
    expectClassified(result, JOURNEY_EXPECTED[scope][mode]);
    // and the journey never blames the monitor for what the target did
    expect(result.evidence.filter((e) => e.type === 'monitor')).toEqual([]);
    // and a renderer that ballooned (inflating the bomb, laying out 64 MB) is gone with its context
    expect(await largestRendererAfter(2_000)).toBeLessThan(RENDERER_AT_REST);
  });
});

describe.sequential('memory', () => {
  it('leaves the monitor process less than 100 MB bigger after every hostile run, and says how big Chromium\'s renderer got', () => {
    collectGarbage();
    const grownMb = (process.memoryUsage().rss - baselineRss) / MB;
    const peakMb = (peakRss - baselineRss) / MB;
    rows.push(`  memory: process RSS baseline ${Math.round(baselineRss / MB)} MB, after GC +${grownMb.toFixed(1)} MB, peak during runs +${peakMb.toFixed(1)} MB; largest renderer ${Math.round(peakRenderer / MB)} MB`);
    expect(grownMb).toBeLessThan(100);
    expect(peakMb).toBeLessThan(100);
    // Chromium's renderer is its own process: measured (sampled every 100 ms) so a balloon shows in
    // the table; the gzip bomb makes it grow by some 600 MB a second until the step's timeout
    // closes the context (checked after each run above). Not bounded here: see the report.
    expect(peakRenderer).toBeGreaterThan(0);
  });
});

describe.sequential('temporary files', () => {
  it('leaves none of Playwright\'s temporary directories behind once the browser is closed, stuck pages and all', async () => {
    await browser.close();
    const left = await readdir(tmp);
    expect(left.filter((n) => n.startsWith('playwright'))).toEqual([]);
  });
});
