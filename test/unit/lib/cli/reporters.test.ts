/**
 * The CI reporters on reports built here, with known contents: a passing run, a run with the
 * database down (infrastructure failures on every node, the journey failing after them, one
 * failure of flp-monitor itself), and a canary with a failed release check and latency checks
 * that had no baseline. JUnit XML is held to junit-10.xsd by an explicit structural check
 * (test/support/junit-schema.ts: this machine has no XSD validator), counts included; the GitHub
 * commands to the toolkit's escaping.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../../../lib/cli/main.ts';
import { classify, verdictOf } from '../../../../lib/core/classify.ts';
import { redact } from '../../../../lib/core/privacy.ts';
import type { FailureClass, ProbeKind, ProbeResult, RunReport, StepResult } from '../../../../lib/core/result.ts';
import type { CanaryCheck, CanaryReport } from '../../../../lib/reports/canary.ts';
import { escapeAttr, escapeData, escapeProperty, escapeText, githubAnnotations, junitXml, reporterUsage } from '../../../../lib/cli/reporters.ts';
import { elements, junitProblems, parseXml, type XmlElement } from '../../../support/junit-schema.ts';

const OWNERS: Record<FailureClass, string> = { infrastructure: 'PLSP', sync: 'PLSP', application: 'KiAP', release: 'KiAP', lps: 'the LPS vendor', monitor: 'monitor-owner' };
const CPR = '2512489996';
const STEPS = ['launch', 'overview', 'create-plan', 'print', 'cleanup'];

function probe(probe: string, kind: ProbeKind, over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    probe,
    kind,
    target: kind === 'sync' ? `https://sync.flp.test/sync/${probe.split(':')[1]}/status` : 'https://flp.test',
    ok: true,
    startedAt: '2026-11-22T10:00:00.123Z',
    durationMs: 42,
    attempts: 1,
    steps: [],
    evidence: [],
    error: null,
    observations: {},
    artifacts: [],
    ...over,
  };
}

function steps(failedAt?: string, error?: string): StepResult[] {
  let failed = false;
  return STEPS.map((name) => {
    if (failed) return { name, status: 'skipped' as const, startedAt: '2026-11-22T10:00:01Z', durationMs: 0 };
    if (name === failedAt) {
      failed = true;
      return { name, status: 'failed' as const, startedAt: '2026-11-22T10:00:01Z', durationMs: 812, ...(error ? { error } : {}) };
    }
    return { name, status: 'passed' as const, startedAt: '2026-11-22T10:00:01Z', durationMs: 120 };
  });
}

/** As the monitor makes a report: every result masked, then classified, then the verdict. */
function report(raw: ProbeResult[], durationMs = 3456): RunReport {
  const results = raw.map((r) => classify(redact(r), OWNERS));
  const verdict = verdictOf(results, OWNERS);
  return { ok: verdict.ok, verdict, startedAt: '2026-11-22T10:00:00.123Z', durationMs, results };
}

const nodes = ['flp-1', 'flp-2', 'flp-3'];
const healthy = (): ProbeResult[] => [
  probe('journey', 'journey', { durationMs: 1234, steps: steps(), observations: { planId: 'p-1' } }),
  probe('lb', 'node'),
  ...nodes.map((n) => probe(`node:${n}`, 'node', { observations: { node: n, version: '2026.4.1', certDaysLeft: 80 } })),
  probe('release', 'release', { observations: { version: '2026.4.1' } }),
  probe('sync:lab', 'sync', { observations: { source: 'lab', syncState: 'ok', lagSeconds: 30 } }),
  probe('sync:diagnoses', 'sync', { observations: { source: 'diagnoses', syncState: 'ok', lagSeconds: 60 } }),
];

const dbDown = (): ProbeResult[] => {
  const overview = `https://flp.test/api/patients/${CPR}/overview`;
  return [
    probe('journey', 'journey', {
      ok: false,
      durationMs: 2100,
      steps: steps('overview', `GET /api/patients/${CPR}/overview answered 503`),
      evidence: [
        { type: 'http-status', url: overview, status: 503, origin: 'app', contentType: 'application/json' },
        { type: 'page-error', message: `Unexpected token '<' in "a & b" > c for ${CPR}` },
      ],
      error: `overview failed: GET /api/patients/${CPR}/overview answered 503 <"db" & 'down'>`,
      artifacts: ['journey/2026-11-22T10-00-00/trace.zip'],
    }),
    probe('lb', 'node', {
      ok: false,
      evidence: [{ type: 'database-down', url: 'https://flp.test/health', node: 'flp-1' }],
      error: 'load balancer database down (reported by flp-1)',
    }),
    ...nodes.map((n) =>
      probe(`node:${n}`, 'node', {
        ok: false,
        attempts: 2,
        evidence: [{ type: 'database-down', url: `https://${n}.flp.test/health`, node: n }],
        error: `${n} database down: /health answered 503 degraded`,
        observations: { node: n, version: '2026.4.1', certDaysLeft: 80 },
      }),
    ),
    probe('release', 'release', {
      ok: false,
      evidence: [{ type: 'monitor', message: 'no node reported a version' }],
      error: 'not checked: no node reported a version',
    }),
    probe('sync:lab', 'sync', { observations: { source: 'lab', syncState: 'ok', lagSeconds: 30 } }),
  ];
};

const check = (c: Partial<CanaryCheck> & Pick<CanaryCheck, 'kind' | 'check'>): CanaryCheck => ({ expected: '', observed: '', result: 'pass', class: null, owner: null, ...c });

function canary(): CanaryReport {
  const checks: CanaryCheck[] = [
    check({ kind: 'release', check: 'version flp-1', expected: '2026.4.1', observed: '2026.4.1 in 3/3 runs' }),
    check({ kind: 'release', check: 'version flp-3', expected: '2026.4.1', observed: '2026.4.0 in 3/3 runs', result: 'fail', class: 'release', owner: 'KiAP' }),
    check({ kind: 'release', check: 'nodes agree', expected: 'one version on every node', observed: 'split in 3/3 runs: 2026.4.1 on flp-1; 2026.4.0 on flp-3', result: 'fail', class: 'release', owner: 'KiAP' }),
    check({ kind: 'probe', check: 'probe journey', expected: 'passes every run', observed: 'passed 3/3 runs' }),
    check({ kind: 'probe', check: 'probe node:flp-1', expected: 'passes every run', observed: 'passed 3/3 runs' }),
    ...['launch', 'overview'].map((s) =>
      check({
        kind: 'latency',
        check: `latency ${s}`,
        expected: '≤ 1.5× baseline',
        observed: 'no baseline (0 samples); p50 300 ms, p95 400 ms',
        result: 'skip',
        latency: { canarySamples: 2, canaryP50Ms: 300, canaryP95Ms: 400, baselineSamples: 0, baselineP50Ms: null, baselineP95Ms: null, ratioP50: null, ratioP95: null },
      }),
    ),
  ];
  return {
    version: '2026.4.1',
    environment: 'staging',
    startedAt: '2026-11-22T01:23:18.288Z',
    durationMs: 6600,
    plannedRuns: 3,
    interrupted: false,
    verdict: {
      pass: false,
      summary: 'version flp-3 failed (release, owner KiAP): expected 2026.4.1, observed 2026.4.0 in 3/3 runs; also failing: nodes agree',
      failing: { check: 'version flp-3', class: 'release', owner: 'KiAP' },
    },
    checks,
    runs: [1, 2, 3].map((run) => ({ run, startedAt: '2026-11-22T01:23:18.288Z', durationMs: 2000, ok: false, class: 'release' as const, owner: 'KiAP', summary: 'release (KiAP): version drift' })),
    baseline: { source: 'local store', from: '', to: '', days: 7, minSamples: 5, regressionRatio: 1.5, minIncreaseMs: 250, steps: [] },
  };
}

const suite = (root: XmlElement, name: string) => elements(root, 'testsuite').find((s) => s.attributes.name === name)!;
const testcase = (root: XmlElement, name: string) => elements(root, 'testcase').find((c) => c.attributes.name === name)!;
const props = (s: XmlElement) => Object.fromEntries(elements(s, 'property').map((p) => [p.attributes.name, p.attributes.value]));

describe('junitXml of a run', () => {
  it('gives a passing run one suite per probe group, a testcase per probe, no failures, valid against junit-10.xsd', () => {
    const xml = junitXml(report(healthy()), { environment: 'staging' });
    expect(junitProblems(xml)).toEqual([]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const root = parseXml(xml);
    expect(root.attributes).toEqual({ name: 'flp-monitor run (staging)', tests: '8', failures: '0', errors: '0', time: '3.456' });
    expect(elements(root, 'testsuite').map((s) => [s.attributes.name, s.attributes.tests])).toEqual([
      ['journey', '1'],
      ['sync', '2'],
      ['nodes', '5'],
    ]);
    const journey = testcase(root, 'journey');
    expect(journey.attributes).toEqual({ classname: 'journey', name: 'journey', time: '1.234' });
    expect(journey.children).toEqual([]);
    expect(testcase(root, 'node:flp-2').attributes.classname).toBe('nodes');
    expect(props(suite(root, 'nodes'))).toMatchObject({ environment: 'staging', verdict: 'pass', 'verdict.class': 'none', 'verdict.owner': 'none' });
    expect(suite(root, 'nodes').attributes).toMatchObject({ failures: '0', errors: '0', skipped: '0', time: '0.210', timestamp: '2026-11-22T10:00:00Z' });
  });

  it('reports a db-down run: infrastructure failures naming class and owner, the evidence in the body, the monitor\'s own failure as an error', () => {
    const r = report(dbDown());
    const xml = junitXml(r, { environment: 'prod', artifactsDir: '/var/flp/artifacts' });
    expect(junitProblems(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root.attributes).toMatchObject({ tests: '7', failures: '5', errors: '1' });
    const nodesSuite = suite(root, 'nodes');
    expect(nodesSuite.attributes).toMatchObject({ tests: '5', failures: '4', errors: '1', skipped: '0' });
    expect(props(nodesSuite)).toEqual({
      environment: 'prod',
      verdict: 'fail',
      'verdict.class': 'infrastructure',
      'verdict.owner': 'PLSP',
      'verdict.summary': expect.stringMatching(/^FAIL infrastructure \/ PLSP: load balancer database down/),
      startedAt: '2026-11-22T10:00:00.123Z',
    });

    const node = testcase(root, 'node:flp-2');
    const failure = node.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attributes).toEqual({ type: 'infrastructure', message: 'infrastructure, owner PLSP: flp-2 database down: /health answered 503 degraded' });
    expect(failure.text.split('\n')).toEqual(
      expect.arrayContaining(['attempts: 2', 'database down: https://flp-2.flp.test/health (node flp-2)', 'version: 2026.4.1 on flp-2']),
    );

    // The journey failed after the database: its status with who answered, its step, its trace.
    const journey = testcase(root, 'journey').children[0]!;
    expect(journey.attributes.type).toBe('application');
    expect(journey.attributes.message).toMatch(/^application, owner KiAP: overview failed: /);
    expect(journey.text).toContain('http: https://flp.test/api/patients/251248-xxxx/overview answered 503 from the application (application/json)');
    expect(journey.text).toContain('step overview failed after 812 ms: GET /api/patients/251248-xxxx/overview answered 503');
    expect(journey.text).toContain('artifact: /var/flp/artifacts/journey/2026-11-22T10-00-00/trace.zip');

    // flp-monitor's own failure is not a finding about FLP: an <error>.
    const release = testcase(root, 'release').children[0]!;
    expect(release.name).toBe('error');
    expect(release.attributes).toEqual({ type: 'monitor', message: 'monitor, owner monitor-owner: not checked: no node reported a version' });
  });

  it('escapes <>&"\' in attributes and text, and the decoded text is what the probe said', () => {
    const xml = junitXml(report(dbDown()), { environment: 'prod' });
    expect(junitProblems(xml)).toEqual([]);
    const raw = xml.split('\n').find((l) => l.includes('<failure') && l.includes('overview failed'))!;
    expect(raw).toContain('answered 503 &lt;&quot;db&quot; &amp; &apos;down&apos;&gt;');
    // In text only &, < and > need escaping; quotes stay as they are.
    expect(xml).toContain(`page error: Unexpected token '&lt;' in "a &amp; b" &gt; c`);
    const journey = testcase(parseXml(xml), 'journey').children[0]!;
    expect(journey.attributes.message).toBe(`application, owner KiAP: overview failed: GET /api/patients/251248-xxxx/overview answered 503 <"db" & 'down'>`);
    expect(journey.text).toContain(`page error: Unexpected token '<' in "a & b" > c for 251248-xxxx`);
  });

  it('never contains the unmasked CPR of the input, and masks one that reached it unmasked', () => {
    const masked = junitXml(report(dbDown()), { environment: 'prod' });
    expect(masked).toContain('251248-xxxx');
    expect(masked).not.toContain(CPR);
    expect(masked).not.toMatch(/(?<!\d)\d{10}(?!\d)/);
    // A second guard: a report that skipped the monitor's masking still comes out masked.
    const unmasked = report(dbDown());
    unmasked.results[0] = { ...unmasked.results[0]!, summary: `overview failed for ${CPR}` };
    const out = junitXml(unmasked, { environment: 'prod' }) + githubAnnotations(unmasked);
    expect(out).not.toContain(CPR);
  });

  it('writes characters XML cannot hold as U+FFFD, and line breaks in attributes as references', () => {
    expect(escapeText('a\u0000b\u001bc\uFFFEd')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(escapeAttr('one\ntwo\r\tthree "q" \'a\' <&>')).toBe('one&#10;two&#13;&#9;three &quot;q&quot; &apos;a&apos; &lt;&amp;&gt;');
    const raw = healthy();
    raw[0] = { ...raw[0]!, ok: false, evidence: [{ type: 'page-error', message: 'line one\nline two \u0007 bell' }], error: 'js error:\nline one\u0007' };
    const xml = junitXml(report(raw), { environment: 'e' });
    expect(junitProblems(xml)).toEqual([]);
    expect(testcase(parseXml(xml), 'journey').children[0]!.attributes.message).toBe('application, owner KiAP: js error:\nline one\uFFFD');
  });

  it('marks a probe whose every step was skipped as <skipped>', () => {
    const raw = healthy();
    raw[0] = { ...raw[0]!, steps: STEPS.map((name) => ({ name, status: 'skipped' as const, startedAt: '', durationMs: 0 })) };
    const xml = junitXml(report(raw), { environment: 'e' });
    expect(junitProblems(xml)).toEqual([]);
    expect(suite(parseXml(xml), 'journey').attributes).toMatchObject({ tests: '1', skipped: '1', failures: '0' });
    expect(testcase(parseXml(xml), 'journey').children.map((c) => c.name)).toEqual(['skipped']);
  });
});

describe('junitXml of a canary', () => {
  it('gives one suite per check kind, a testcase per check, the failed release check and the skipped latency checks', () => {
    const xml = junitXml(canary());
    expect(junitProblems(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root.attributes).toEqual({ name: 'flp-monitor canary 2026.4.1 (staging)', tests: '7', failures: '2', errors: '0', time: '6.600' });
    expect(elements(root, 'testsuite').map((s) => [s.attributes.name, s.attributes.tests, s.attributes.failures, s.attributes.skipped])).toEqual([
      ['release', '3', '2', '0'],
      ['probe', '2', '0', '0'],
      ['latency', '2', '0', '2'],
    ]);
    const drift = testcase(root, 'version flp-3');
    expect(drift.attributes).toEqual({ classname: 'release', name: 'version flp-3', time: '0.000' });
    expect(drift.children[0]!.attributes).toEqual({ type: 'release', message: 'release, owner KiAP: expected 2026.4.1, observed 2026.4.0 in 3/3 runs' });
    expect(drift.children[0]!.text).toContain('observed: 2026.4.0 in 3/3 runs');
    const latency = testcase(root, 'latency overview');
    expect(latency.children.map((c) => [c.name, c.attributes.message])).toEqual([['skipped', 'latency overview: no baseline (0 samples); p50 300 ms, p95 400 ms']]);
    expect(props(suite(root, 'latency'))).toMatchObject({ environment: 'staging', version: '2026.4.1', verdict: 'fail', 'verdict.class': 'release', 'verdict.owner': 'KiAP' });
    expect(props(suite(root, 'latency'))['verdict.summary']).toMatch(/^FAIL release 2026\.4\.1: version flp-3 failed/);
  });
});

describe('the structural check itself', () => {
  it('finds what junit-10.xsd rejects and what miscounts', () => {
    const good = junitXml(canary());
    expect(junitProblems(good.replace('<testsuites ', '<testsuites skipped="2" '))).toEqual(['testsuites: attribute skipped is not declared for <testsuites>']);
    expect(junitProblems(good.replace('tests="3"', 'tests="4"'))).toEqual([expect.stringMatching(/^testsuite release: tests="4" but 3 testcases$/)]);
    expect(junitProblems(good.replace(/ name="version flp-1"/, ''))).toEqual([expect.stringMatching(/lacks required attribute name/)]);
    expect(junitProblems(good.replace('KiAP: expected', 'KiAP & expected'))[0]).toMatch(/^not well-formed: unterminated "&"/);
    expect(junitProblems(good.replace('time="6.600"', 'time="-1"'))).toEqual(['testsuites: time "-1" is no SUREFIRE_TIME']);
    expect(junitProblems(good.replace('<properties>', '<property name="x" value="y"/><properties>'))).toEqual([expect.stringMatching(/<property> may not appear inside <testsuite>/)]);
  });
});

describe('githubAnnotations', () => {
  it('writes one ::error per failing probe with class and owner in the title, then the verdict as ::notice', () => {
    const lines = githubAnnotations(report(dbDown())).trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('::error title=lb (infrastructure · PLSP)::load balancer database down (reported by flp-1)');
    expect(lines[2]).toBe('::error title=node%3Aflp-1 (infrastructure · PLSP)::flp-1 database down: /health answered 503 degraded');
    expect(lines[5]).toBe('::error title=release (monitor · monitor-owner)::not checked: no node reported a version');
    expect(lines.at(-1)).toMatch(/^::notice title=flp-monitor verdict::FAIL infrastructure \/ PLSP: load balancer database down .* \(3\.5 s\)$/);
    expect(lines.every((l) => /^::(error|warning|notice) title=[^:]*::/.test(l))).toBe(true);
  });

  it('writes only the ::notice for a passing run', () => {
    expect(githubAnnotations(report(healthy()))).toBe('::notice title=flp-monitor verdict::OK: all 8 checks passed (3.5 s)\n');
  });

  it('escapes %, CR and LF in messages, and also : and , in properties, as GitHub documents', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b');
    const raw = healthy();
    raw[6] = { ...raw[6]!, ok: false, evidence: [{ type: 'sync-failed', source: 'lab' }], error: 'lab sync failed: 50% stale\nsecond line' };
    const lines = githubAnnotations(report(raw)).trimEnd().split('\n');
    expect(lines[0]).toBe('::error title=sync%3Alab (sync · PLSP)::lab sync failed: 50%25 stale%0Asecond line');
    expect(lines).toHaveLength(2);
  });

  it('writes a canary\'s failed checks as ::error, its skipped ones as ::warning, the verdict line as ::notice', () => {
    const lines = githubAnnotations(canary()).trimEnd().split('\n');
    expect(lines).toEqual([
      '::error title=version flp-3 (release · KiAP)::expected 2026.4.1, observed 2026.4.0 in 3/3 runs',
      '::error title=nodes agree (release · KiAP)::expected one version on every node, observed split in 3/3 runs: 2026.4.1 on flp-1; 2026.4.0 on flp-3',
      '::warning title=latency launch (not judged)::no baseline (0 samples); p50 300 ms, p95 400 ms',
      '::warning title=latency overview (not judged)::no baseline (0 samples); p50 300 ms, p95 400 ms',
      '::notice title=flp-monitor canary 2026.4.1 (staging)::FAIL release 2026.4.1: version flp-3 failed (release, owner KiAP): expected 2026.4.1, observed 2026.4.0 in 3/3 runs; also failing: nodes agree',
    ]);
  });
});

describe('reporterUsage', () => {
  it('refuses --reporter with --json naming both, --out without --reporter, and an unknown reporter listing the two', () => {
    expect(() => reporterUsage({ reporter: 'junit', json: true })).toThrow('--reporter and --json exclude each other');
    expect(() => reporterUsage({ out: 'x.xml' })).toThrow(/^--out needs --reporter junit or --reporter github/);
    expect(() => reporterUsage({ reporter: 'tap' })).toThrow('--reporter must be one of junit, github, not "tap"');
    expect(reporterUsage({})).toBeNull();
    expect(reporterUsage({ reporter: 'github', out: 'a.txt' })).toEqual({ reporter: 'github', out: 'a.txt' });
  });
});

describe('--reporter and --out on the command line (nothing runs: usage is checked first)', () => {
  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const code = await main(args, { out: (x) => (out += x), err: (x) => (err += x) });
    return { code, out, err };
  }

  it('refuses --reporter with --json, naming both, for run and canary', async () => {
    for (const args of [['run', '--once'], ['canary', '--expect-version', '2026.4.1']]) {
      const r = await cli(...args, '--reporter', 'junit', '--json');
      expect(r).toEqual({ code: EXIT.usage, out: '', err: 'flp-monitor: --reporter and --json exclude each other: give one\n' });
    }
  });

  it('lists the two reporters for an unknown one', async () => {
    for (const args of [['run', '--once'], ['canary', '--expect-version', '2026.4.1']]) {
      const r = await cli(...args, '--reporter', 'tap');
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toMatch(/argument 'tap' is invalid\. Allowed choices are junit, github\./);
    }
  });

  it('refuses --out without --reporter, and --reporter without --once', async () => {
    for (const args of [['run', '--once'], ['canary', '--expect-version', '2026.4.1']]) {
      const r = await cli(...args, '--out', 'flp-junit.xml');
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toMatch(/^flp-monitor: --out needs --reporter junit or --reporter github/);
    }
    expect(await cli('run', '--reporter', 'junit')).toEqual({ code: EXIT.usage, out: '', err: 'flp-monitor: --reporter needs --once\n' });
  });

  it('stops with one sentence, before anything runs, when --out cannot be written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-out-'));
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const cases: [string, RegExp][] = [
      [dir, /^flp-monitor: cannot write --out .*: it is a directory\n$/],
      [path.join(file, 'sub', 'flp-junit.xml'), /^flp-monitor: cannot write --out .*: .*a-file is not a directory\n$/],
    ];
    for (const [out, message] of cases)
      for (const args of [['run', '--once'], ['canary', '--expect-version', '2026.4.1']]) {
        const r = await cli(...args, '--reporter', 'junit', '--out', out, '--config', path.join(dir, 'no-such-config.json'));
        expect(r.code).toBe(EXIT.usage);
        expect(r.err).toMatch(message);
        expect(r.err).not.toMatch(/\n\s+at /);
      }
  });
});
