/**
 * The contract's fault matrix end to end: the real CLI (`run --once --json --config F`) with
 * real Chromium against the sandbox, one fault at a time per sandbox, asserting the verdict class.
 *
 * The rows run up front, two at a time against two sandboxes of their own (a fault is global to
 * its sandbox, so a sandbox serves one row at a time): most of a row's time is spent waiting on
 * the target's timeouts, which two rows at once share. Each test then asserts its own row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { loadConfig } from '../../lib/core/config.ts';
import type { ClassifiedResult } from '../../lib/core/result.ts';
import { buildNotification } from '../../lib/alarms/notification.ts';
import { previewPages } from '../../lib/alarms/preview.ts';
import { vendorCompositeId } from '../../lib/alarms/spec-builder.ts';
import type { FailureClass } from '../../lib/core/result.ts';
import type { FaultName, FaultParams } from '../../sandbox/index.ts';
import { sandboxLps, startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

/** Sandboxes, and so rows, at once. */
const AT_ONCE = 2;

interface RunJson {
  startedAt: string;
  ok: boolean;
  verdict: { class: FailureClass | null; owner: string | null; summary: string };
  results: (ClassifiedResult & { error: string | null })[];
}

interface Run {
  code: number;
  json: RunJson;
  err: string;
  /** The sandbox's plans left after the run, and requests that did not carry the synthetic header. */
  livePlans: number;
  nonSyntheticRequests: unknown[];
}

/**
 * A vendor's real launches count in the launch statistics only as its clinics launch: a fault on
 * them is given this long (the sandbox's clinics launch twice a second, the statistics cover the
 * last minute, so 15 s of refusals are about a quarter of them, beyond the 20 % limit).
 */
const STATS_SETTLE_MS = 15_000;

async function runOnce(fx: SandboxFixture, fault: FaultName | null, params?: FaultParams, settleMs = 0): Promise<Run> {
  fx.sandbox.clearFaults();
  if (fault) fx.sandbox.setFault(fault, params);
  if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
  let out = '';
  let err = '';
  try {
    const code = await main(['run', '--once', '--json', '--config', fx.configFile], { out: (s) => (out += s), err: (s) => (err += s) });
    const stats = fx.sandbox.stats();
    return { code, json: JSON.parse(out) as RunJson, err, livePlans: stats.livePlans, nonSyntheticRequests: stats.nonSyntheticRequests };
  } finally {
    fx.sandbox.clearFaults();
  }
}
interface Row {
  fault: FaultName;
  params?: FaultParams;
  expected: FailureClass;
  owner: string;
  failing: string;
  cause: RegExp;
}
const rows: Row[] = [
  { fault: 'node-down', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-2', cause: /refused.*\(ECONNREFUSED\) on flp-2/ },
  { fault: 'lb-502', expected: 'infrastructure', owner: 'PLSP', failing: 'lb', cause: /502 from the gateway on the load balancer/ },
  { fault: 'lb-503', expected: 'infrastructure', owner: 'PLSP', failing: 'lb', cause: /503 from the gateway on the load balancer/ },
  { fault: 'lb-504', expected: 'infrastructure', owner: 'PLSP', failing: 'lb', cause: /504 from the gateway on the load balancer/ },
  { fault: 'db-down', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1', cause: /database down on flp-1, flp-2, flp-3/ },
  { fault: 'tls-expired', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1', cause: /TLS certificate refused \(CERT_HAS_EXPIRED\) on flp-1/ },
  { fault: 'tls-untrusted', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1', cause: /TLS certificate refused \(\w+\) on flp-1/ },
  { fault: 'dns', expected: 'infrastructure', owner: 'PLSP', failing: 'journey', cause: /host name not found \(ENOTFOUND\) on flp-1/ },
  { fault: 'lb-hang', expected: 'infrastructure', owner: 'PLSP', failing: 'lb', cause: /no answer on the load balancer/ },
  { fault: 'api-500', expected: 'application', owner: 'KiAP', failing: 'journey', cause: /^journey overview: 500 from GET \/api\/patients\/\d{6}-xxxx\/overview$/ },
  { fault: 'missing-section', expected: 'application', owner: 'KiAP', failing: 'journey', cause: /^journey overview: the diagnoses section missing$/ },
  { fault: 'js-error', expected: 'application', owner: 'KiAP', failing: 'journey', cause: /^journey overview: script error/ },
  { fault: 'create-fails', expected: 'application', owner: 'KiAP', failing: 'journey', cause: /^journey create-plan: 500 from POST \/api\/plans$/ },
  { fault: 'print-not-pdf', expected: 'application', owner: 'KiAP', failing: 'journey', cause: /^journey print: content-type text\/html/ },
  { fault: 'sync-failed', expected: 'sync', owner: 'PLSP', failing: 'sync:lab', cause: /lab sync failed/ },
  { fault: 'sync-stale', expected: 'sync', owner: 'PLSP', failing: 'sync:lab', cause: /lab data .* old \(limit 120 min\)/ },
  { fault: 'sync-error', expected: 'sync', owner: 'PLSP', failing: 'sync:lab', cause: /lab sync status answered 500/ },
  { fault: 'sync-malformed', expected: 'sync', owner: 'PLSP', failing: 'sync:lab', cause: /lab sync status malformed/ },
  { fault: 'page-stale', expected: 'sync', owner: 'PLSP', failing: 'journey', cause: /^journey overview: lab data .* old on the page \(limit 120 min\)$/ },
  { fault: 'version-drift', expected: 'release', owner: 'KiAP', failing: 'release', cause: /versions differ: flp-3 on 2026\.4\.0, not 2026\.4\.1 \(flp-1, flp-2 are\)/ },
];

/**
 * Contract v2's rows, on a sandbox of their own, one after the other: refused real launches stay
 * in the statistics for their window after the fault is cleared, so the order is one in which no
 * row's leftovers change the next row's verdict: vendor-changed first, on clean statistics; then
 * vendor-rejects, the application's, which outranks the lps that medsign's leftovers still show;
 * then every system refused, the application's whatever is left; unknown statistics judge nothing.
 */
const lpsRows: (Row & { settleMs: number })[] = [
  {
    fault: 'vendor-changed',
    params: { system: 'medsign' },
    settleMs: STATS_SETTLE_MS,
    expected: 'lps',
    owner: 'MedSign ApS',
    failing: 'lps:medsign',
    cause: /^MedSign ApS's medsign launches refused: \d+ of \d+ in 1 min \([\d.]+ %\), last 401 bad-signature; its certified launch is accepted$/,
  },
  {
    fault: 'vendor-rejects',
    params: { system: 'klinikplus' },
    settleMs: 0,
    expected: 'application',
    owner: 'KiAP',
    failing: 'launch:klinikplus',
    cause: /^FLP refuses Klinik\+ A\/S's certified klinikplus launch: 400 unknown-system$/,
  },
  {
    fault: 'all-launches-rejected',
    settleMs: STATS_SETTLE_MS,
    expected: 'application',
    owner: 'KiAP',
    failing: 'lps:nordjournal',
    cause: /^every LPS system's real launches refused/,
  },
];

const runs = new Map<string, Run>();
let pool: SandboxFixture[] = [];
let lpsFixture: SandboxFixture;

beforeAll(async () => {
  // Steps of 5 s as the bundled config has: a failed journey is retried with its trace on, which on a busy 2-core machine may take longer than a bare run.
  const timeouts = { requestMs: 1500, stepMs: 5000 };
  pool = await Promise.all(Array.from({ length: AT_ONCE }, () => startSandboxFixture({ lps: sandboxLps(), timeouts })));
  lpsFixture = await startSandboxFixture({ lps: sandboxLps(), timeouts });
  // The v2 rows in order on their own sandbox, beside the others.
  const lpsJobs = (async () => {
    for (const r of lpsRows) runs.set(r.fault, await runOnce(lpsFixture, r.fault, r.params, r.settleMs));
    runs.set('launch-stats-broken', await runOnce(lpsFixture, 'launch-stats-broken'));
  })();
  const jobs: { key: string; fault: FaultName | null; params?: FaultParams }[] = [
    { key: 'healthy', fault: null },
    ...rows.map((r) => ({ key: r.fault, fault: r.fault, ...(r.params ? { params: r.params } : {}) })),
    { key: 'transient', fault: 'transient' },
  ];
  // Each sandbox takes the next row when it is free.
  await Promise.all(
    pool.map(async (fx) => {
      for (let job = jobs.shift(); job; job = jobs.shift()) runs.set(job.key, await runOnce(fx, job.fault, job.params));
    }),
  );
  await lpsJobs;
}, 400_000);
afterAll(async () => {
  await Promise.all([...pool, lpsFixture].filter(Boolean).map((fx) => fx.sandbox.close()));
});

function runOf(key: string): Run {
  const run = runs.get(key);
  if (!run) throw new Error(`the ${key} row did not run`);
  return run;
}

describe('fault matrix through `flp-monitor run --once --json`', () => {
  it('passes a healthy target with exit 0 and every probe ok', () => {
    const { code, json, livePlans, nonSyntheticRequests } = runOf('healthy');
    expect(json.verdict).toEqual({ ok: true, class: null, owner: null, summary: expect.stringMatching(/^all \d+ checks passed/) });
    expect(code).toBe(0);
    const systems = ['test-journal', 'nordjournal', 'klinikplus', 'medsign', 'praksisnet'];
    expect(json.results.map((r) => r.probe).sort()).toEqual(
      [
        'journey', 'lb', 'node:flp-1', 'node:flp-2', 'node:flp-3', 'release', 'sync:diagnoses', 'sync:lab', 'sync:measurements', 'sync:medication',
        ...systems.map((s) => `launch:${s}`), ...systems.map((s) => `lps:${s}`),
      ].sort(),
    );
    // Every vendor's certified launch accepted, every style; the real launches judged (test-journal has none: not judged).
    for (const s of systems) expect(json.results.find((r) => r.probe === `launch:${s}`)).toMatchObject({ ok: true, steps: [{ name: 'launch', status: 'passed' }, { name: 'app-page', status: 'passed' }] });
    expect(json.results.find((r) => r.probe === 'lps:medsign')!.observations).toMatchObject({ vendor: 'MedSign ApS', launches: expect.any(Number), rejectedPercent: expect.any(Number) });
    expect(json.results.find((r) => r.probe === 'lps:medsign')!.observations.rejectedPercent).toBeLessThan(20);
    const journey = json.results.find((r) => r.probe === 'journey')!;
    expect(journey.steps.map((s) => [s.name, s.status])).toEqual([
      ['launch', 'passed'],
      ['overview', 'passed'],
      ['create-plan', 'passed'],
      ['print', 'passed'],
      ['cleanup', 'passed'],
    ]);
    expect(livePlans).toBe(0);
    expect(nonSyntheticRequests).toEqual([]);
  });

  it.each([...rows, ...lpsRows])('reports $fault as $expected ($owner), naming $failing', ({ fault, expected, owner, failing }) => {
    const { code, json, livePlans } = runOf(fault);
    expect(json.verdict.class, json.verdict.summary).toBe(expected);
    expect(json.verdict.owner).toBe(owner);
    expect(json.ok).toBe(false);
    expect(code).toBe(1);
    const named = json.results.find((r) => r.probe === failing)!;
    expect(named.ok, `${failing} should fail`).toBe(false);
    expect(json.verdict.summary).toContain(expected);
    expect(livePlans).toBe(0);
  });

  it.each([...rows, ...lpsRows])('pages $expected ($owner) for $fault, saying the cause and holding back its symptoms', async ({ fault, expected, owner, failing, cause }) => {
    const { json } = runOf(fault);
    const config = await loadConfig(pool[0]!.configFile);
    const at = new Date(json.startedAt);
    const { pages, heldBack } = previewPages(config, json.results, at);
    // One page, the root cause's: every other failing class is a symptom it holds back (or the monitor's own).
    expect(pages.map((p) => p.class), pages.map((p) => p.subject).join('\n')).toEqual([expected]);
    const page = pages[0]!;
    expect(page.subject.startsWith(`[FLP ${config.environment}] ${expected} · ${owner} · `), page.subject).toBe(true);
    expect(page.subject.length).toBeLessThanOrEqual(100);
    expect(page.cause).toMatch(cause);
    expect(page.evidence.some((l) => l.startsWith(`${failing}: `)), page.evidence.join('\n')).toBe(true);
    const symptomClasses = new Set(json.results.filter((r) => !r.ok && r.class && r.class !== expected && r.class !== 'monitor').map((r) => r.class));
    expect(new Set(page.symptoms.map((x) => x.class))).toEqual(symptomClasses);
    for (const cls of symptomClasses) expect(heldBack.map((h) => h.class)).toContain(cls);
    expect(page.text).toContain(`What broke: ${page.cause}`);
    expect(page.text).not.toContain(config.journey.cpr);
    const resolved = buildNotification({
      environment: config.environment,
      // A vendor's lps page comes from its own composite (lps-<vendor>), every other class's from `<class>-page`.
      change: { alarmId: expected === 'lps' ? vendorCompositeId(owner) : `${expected}-page`, class: expected, owner, severity: 'page', state: 'OK', at: new Date(at.getTime() + 600_000), alarmSince: at },
      results: json.results,
    });
    expect(resolved).toMatchObject({ kind: 'resolve', key: page.key });
    expect(resolved.subject).toBe(`[FLP ${config.environment}] resolved: ${expected} · ${owner} · lasted 10 min 0 s`);
  });

  it('takes launch statistics answering 500 as "unknown": verdict ok, no lps, a warning in each real-launch check', () => {
    const { code, json } = runOf('launch-stats-broken');
    expect(json.verdict.class, json.verdict.summary).toBeNull();
    expect(code).toBe(0);
    const lps = json.results.filter((r) => r.kind === 'lps');
    expect(lps).toHaveLength(5);
    for (const r of lps) expect(r).toMatchObject({ ok: true, class: null, observations: { statsUnknown: expect.stringMatching(/^launch statistics answered 500/) } });
    expect(json.results.filter((r) => r.kind === 'launch').every((r) => r.ok)).toBe(true);
  });

  it('clears a single transient connection error with a retry: verdict ok, attempts recorded', () => {
    const { code, json } = runOf('transient');
    expect(json.verdict.class, json.verdict.summary).toBeNull();
    expect(code).toBe(0);
    expect(json.results.some((r) => r.attempts === 2)).toBe(true);
  });

  it('sent every request of every row with the synthetic header', () => {
    for (const fx of [...pool, lpsFixture]) expect(fx.sandbox.stats().nonSyntheticRequests).toEqual([]);
  });
});
