/**
 * The post-release canary as KiAP runs it: a separate process against the sandbox, real
 * journeys in Chromium, a latency baseline from real healthy runs in the store before it.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/core/config.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { FakeAws } from '../support/fake-aws.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { serveGetMetricData } from '../support/sla-records.ts';

const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');
const BASELINE_RUNS = 5;
let fx: SandboxFixture;
let version: string;

beforeAll(async () => {
  // A step budget that outlasts the injected delay, and a ratio that keeps loopback jitter on a
  // busy machine (a healthy step varies up to 2-3× here) apart from the injected regression (5× and more).
  fx = await startSandboxFixture({ timeouts: { requestMs: 3000, stepMs: 8000 }, canary: { latencyRegressionRatio: 3 } });
  version = fx.sandbox.version;
  // The baseline: healthy journeys recorded before any canary, as the schedule would have.
  const config = parseConfig(fx.raw, { file: fx.configFile });
  const store = new LocalStore(path.join(fx.dir, 'baseline'));
  const monitor = new Monitor(config, { sinks: [{ write: (records) => store.append(records) }] });
  try {
    for (let i = 0; i < BASELINE_RUNS; i++) expect((await monitor.runGroup('journey'))[0]!.ok).toBe(true);
  } finally {
    await monitor.close();
  }
}, 90_000);
afterAll(async () => {
  await fx?.sandbox.close();
});
beforeEach(() => fx.sandbox.clearFaults());

/** A config of its own for one test: a store seeded with the baseline, or an empty one. */
async function canaryConfig(name: string, options: { baseline: boolean }): Promise<{ configFile: string; store: LocalStore }> {
  const dir = path.join(fx.dir, name);
  await mkdir(dir, { recursive: true });
  if (options.baseline) await cp(path.join(fx.dir, 'baseline'), path.join(dir, 'store'), { recursive: true });
  const configFile = path.join(dir, 'flp-monitor.config.json');
  await writeFile(configFile, JSON.stringify({ ...fx.raw, store: { dir: path.join(dir, 'store') }, artifacts: { dir: path.join(dir, 'artifacts') } }));
  return { configFile, store: new LocalStore(path.join(dir, 'store')) };
}

function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: fx.dir, timeout: 60_000, ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Doc {
  pass: boolean;
  verdict: { pass: boolean; summary: string; failing: { check: string; class: string; owner: string } | null };
  checks: { check: string; result: string; observed: string; owner: string | null }[];
  runs: { run: number; ok: boolean }[];
  baseline: { source: string; steps: { step: string; samples: number }[] };
}

describe('flp-monitor canary against the sandbox', () => {
  it('passes a healthy release: versions, probes and every step against a baseline of healthy runs', async () => {
    const { configFile, store } = await canaryConfig('healthy', { baseline: true });
    // Three runs: the first warms the browser, and the median of the other two shrugs off one hiccup of a busy machine.
    const r = await cli(['canary', '--expect-version', version, '--runs', '3', '--config', configFile]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^check +expected +observed +result +owner$/m);
    for (const node of ['flp-1', 'flp-2', 'flp-3']) expect(r.stdout).toMatch(new RegExp(`^version ${node} +${version} +${version} in 3/3 runs +pass +-$`, 'm'));
    expect(r.stdout).toMatch(/^probe journey +passes every run +passed 3\/3 runs +pass +-$/m);
    expect(r.stdout).toMatch(/^latency overview +≤ 3× p50 \d+ ms, p95 \d+ ms +p50 \d+ ms \(\d\.\d\d×\), p95 \d+ ms \(\d\.\d\d×\)(; less than 250 ms slower)? +pass +-$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`PASS release ${version}: 3 nodes on ${version}, 9 probes passed in 3 runs, 5 journey steps within 3× their baseline`);
    // Plain progress lines on a stderr that is not a terminal.
    expect(r.stderr).toMatch(/^run 1\/3: pass \(\d+\.\d s\)\nrun 2\/3: pass \(\d+\.\d s\)\nrun 3\/3: pass \(\d+\.\d s\)\n$/);

    const { records } = await store.read();
    expect(records.filter((x) => x.type === 'release')).toEqual([
      { type: 'release', timestamp: expect.any(String), environment: 'test', version, verdict: 'pass', summary: expect.stringMatching(/^3 nodes on /) },
    ]);
    expect(records.filter((x) => x.type === 'metric' && x.name === 'Release')).toMatchObject([{ value: 1, dimensions: { Environment: 'test', Version: version } }]);
    // The canary's own runs are recorded like any run: the baseline's and its three.
    expect(records.filter((x) => x.type === 'result' && x.probe === 'journey')).toHaveLength(BASELINE_RUNS + 3);
  }, 60_000);

  it('fails naming KiAP when a node reports another version, in one JSON document', async () => {
    const { configFile, store } = await canaryConfig('drift', { baseline: true });
    fx.sandbox.setFault('version-drift');
    const r = await cli(['canary', '--expect-version', version, '--runs', '1', '--json', '--config', configFile]);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.pass).toBe(false);
    expect(doc.verdict.failing).toEqual({ check: 'version flp-3', class: 'release', owner: 'KiAP' });
    expect(doc.verdict.summary).toMatch(new RegExp(`^version flp-3 failed \\(release, owner KiAP\\): expected ${version.replace(/\./g, '\\.')}, observed \\S+ in 1/1 run; also failing: nodes agree`));
    expect(doc.checks.find((c) => c.check === 'version flp-3')).toMatchObject({ result: 'fail', owner: 'KiAP' });
    expect(doc.checks.find((c) => c.check === 'version flp-1')).toMatchObject({ result: 'pass' });
    expect(doc.runs).toEqual([expect.objectContaining({ run: 1, ok: false })]);
    expect(r.stderr).toMatch(/^run 1\/1: FAIL release \/ KiAP/m);
    const { records } = await store.read();
    expect(records.filter((x) => x.type === 'release')).toMatchObject([{ version, verdict: 'fail' }]);
  }, 60_000);

  it('fails naming KiAP when the overview became slower than the baseline allows', async () => {
    const { configFile } = await canaryConfig('slow', { baseline: true });
    fx.sandbox.setFault('slow', { ms: 4000 });
    const r = await cli(['canary', '--expect-version', version, '--runs', '2', '--config', configFile]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // The journey still works, only slowly: the probes pass and the latency check fails.
    expect(r.stdout).toMatch(/^probe journey +passes every run +passed 2\/2 runs +pass +-$/m);
    expect(r.stdout).toMatch(/^latency overview +≤ 3× p50 \d+ ms, p95 \d+ ms +p50 [4-9]\d\d\d ms \(\d+\.\d\d×\), p95 \d+ ms \(\d+\.\d\d×\) +FAIL +KiAP$/m);
    // The verdict names the overview, or on a machine busy enough to slow an earlier step too, that step: KiAP's either way.
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^FAIL release ${version.replace(/\./g, '\\.')}: latency (launch|overview) failed \\(application, owner KiAP\\): expected ≤ 3× p50`));
  }, 60_000);

  it('passes without a baseline, saying the latency was not judged', async () => {
    const { configFile } = await canaryConfig('fresh', { baseline: false });
    const r = await cli(['canary', '--expect-version', version, '--runs', '1', '--json', '--config', configFile]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.verdict.summary).toBe(
      `3 nodes on ${version}, 9 probes passed in 1 run; latency not judged for launch, overview, create-plan, print, cleanup: no baseline (fewer than 5 samples)`,
    );
    expect(doc.checks.filter((c) => c.check.startsWith('latency ')).map((c) => [c.result, c.observed.split(';')[0]])).toEqual(
      Array.from({ length: 5 }, () => ['skip', 'no baseline (0 samples)']),
    );
  }, 60_000);

  it('takes the baseline from CloudWatch with --source cloudwatch (a loopback GetMetricData)', async () => {
    const aws = await FakeAws.start();
    try {
      // CloudWatch holds what the baseline runs published; the local store of this canary is empty.
      const { records: published } = await new LocalStore(path.join(fx.dir, 'baseline')).read();
      const server = serveGetMetricData(aws, published);
      const { configFile } = await canaryConfig('cloudwatch', { baseline: false });
      const env: NodeJS.ProcessEnv = {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
        AWS_ENDPOINT_URL_CLOUDWATCH: aws.endpoint,
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKEFAKE',
        AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const r = await cli(['canary', '--expect-version', version, '--runs', '2', '--json', '--source', 'cloudwatch', '--config', configFile], env);
      expect([0, 1], r.stderr).toContain(r.code);
      const doc = JSON.parse(r.stdout) as Doc;
      expect(doc.baseline.source).toBe('CloudWatch FLP/Synthetics');
      // Five runs, however CloudWatch's periods grouped them, and every step judged against them.
      expect(doc.baseline.steps.map((x) => [x.step, x.samples])).toEqual(['launch', 'overview', 'create-plan', 'print', 'cleanup'].map((step) => [step, BASELINE_RUNS]));
      expect(doc.checks.filter((c) => c.check.startsWith('latency ')).every((c) => c.result !== 'skip')).toBe(true);
      const asked = server.requests.flatMap((q) => q.MetricDataQueries.map((m) => m.MetricStat.Metric));
      expect(new Set(asked.map((m) => m.MetricName))).toEqual(new Set(['StepDurationMillis']));
      expect(asked[0]!.Dimensions).toEqual(expect.arrayContaining([{ Name: 'Environment', Value: 'test' }, { Name: 'Probe', Value: 'journey' }]));
      // Reading only: the canary's runs and the release go to the local store.
      expect(aws.calls('PutMetricData')).toEqual([]);
    } finally {
      await aws.close();
    }
  }, 60_000);
});
