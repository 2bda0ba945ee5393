import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryCommand, canaryJson, canaryText, canaryUsage, parseDuration } from '../../../../lib/cli/canary.ts';
import { rawConfig } from '../../../support/config.ts';
import { main } from '../../../../lib/cli/main.ts';
import { UsageError } from '../../../../lib/cli/errors.ts';
import type { CanaryReport } from '../../../../lib/reports/canary.ts';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('flp-monitor canary: usage', () => {
  it('exits 2 with one message when --expect-version is missing', async () => {
    const r = await cli(['canary', '--runs', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('flp-monitor: --expect-version is required: the version every node must run after the release, e.g. --expect-version 2026.4.1\n');
    expect(r.out).toBe('');
  });

  it('exits 2 when both --runs and --duration are given', async () => {
    const r = await cli(['canary', '--expect-version', '2026.4.1', '--runs', '2', '--duration', '10m']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('flp-monitor: --runs and --duration exclude each other: give one (default --runs 3)\n');
  });

  it('exits 2 on a duration it cannot read, saying what it reads', async () => {
    const r = await cli(['canary', '--expect-version', '2026.4.1', '--duration', '10 minutes']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('flp-monitor: --duration must be a time such as 90s, 10m or 1h (at least 1s), not "10 minutes"\n');
  });

  it('exits 2 on a run count, baseline or source that makes no sense', async () => {
    expect((await cli(['canary', '--expect-version', 'v', '--runs', '0'])).err).toMatch(/^flp-monitor: --runs must be a whole number greater than 0, not "0"\n$/);
    expect((await cli(['canary', '--expect-version', 'v', '--baseline-days', '1.5'])).err).toMatch(/--baseline-days must be a whole number greater than 0, not "1\.5"/);
    const source = await cli(['canary', '--expect-version', 'v', '--source', 's3']);
    expect(source.code).toBe(2);
    expect(source.err).toMatch(/--source must be local or cloudwatch, not "s3"/);
  });

  it('exits 2 naming the file when the config cannot be read', async () => {
    const r = await cli(['canary', '--expect-version', '2026.4.1', '--config', '/nonexistent/flp.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^flp-monitor: config \/nonexistent\/flp\.json is not valid:\n {2}- \(file\): cannot read .*no such file\n$/);
  });

  it('stops with a setup error, before probing anything, when the baseline cannot be read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-canary-'));
    const configFile = path.join(dir, 'flp-monitor.config.json');
    await writeFile(configFile, JSON.stringify(rawConfig({ store: { dir: path.join(dir, 'store') } })));
    let runs = 0;
    const failing = {
      label: 'CloudWatch FLP/Synthetics',
      metric: async () => Promise.reject(new Error('Could not load credentials from any providers')),
      results: async () => null,
    };
    const err: string[] = [];
    const attempt = canaryCommand({ config: configFile, expectVersion: '2026.4.1', runs: '1' }, { out: () => runs++, err: (s) => void err.push(s) }, { history: () => failing, progress: { write: () => true } });
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow('could not read the latency baseline from CloudWatch FLP/Synthetics: Could not load credentials from any providers');
    expect(runs).toBe(0);
  });

  it('reads 90s, 10m, 1h and 1.5h', () => {
    expect([parseDuration('90s'), parseDuration('10m'), parseDuration('1h'), parseDuration('1.5h')]).toEqual([90_000, 600_000, 3_600_000, 5_400_000]);
    for (const bad of ['10', 'm', '0s', '0.5s', '-1m', '1d', '']) expect(() => parseDuration(bad), bad).toThrow(UsageError);
  });

  it('runs three times by default', () => {
    expect(canaryUsage({ config: 'c', expectVersion: '2026.4.1' })).toEqual({ version: '2026.4.1', plan: { runs: 3 }, source: 'local' });
    expect(canaryUsage({ config: 'c', expectVersion: '2026.4.1', duration: '90s', baselineDays: '14', source: 'cloudwatch' })).toEqual({
      version: '2026.4.1',
      plan: { durationMs: 90_000 },
      baselineDays: 14,
      source: 'cloudwatch',
    });
  });
});

const report: CanaryReport = {
  version: '2026.4.1',
  environment: 'test',
  startedAt: '2026-11-22T10:00:00.000Z',
  durationMs: 4200,
  plannedRuns: 2,
  interrupted: false,
  verdict: { pass: false, summary: 'latency overview failed (application, owner KiAP): expected ≤ 1.5× p50 400 ms, p95 600 ms, observed p50 1200 ms (3.00×), p95 1300 ms (2.17×)', failing: { check: 'latency overview', class: 'application', owner: 'KiAP' } },
  checks: [
    { kind: 'release', check: 'version flp-1', expected: '2026.4.1', observed: '2026.4.1 in 2/2 runs', result: 'pass', class: null, owner: null },
    { kind: 'latency', check: 'latency overview', expected: '≤ 1.5× p50 400 ms, p95 600 ms', observed: 'p50 1200 ms (3.00×), p95 1300 ms (2.17×)', result: 'fail', class: 'application', owner: 'KiAP' },
    { kind: 'latency', check: 'latency print', expected: '≤ 1.5× baseline', observed: 'no baseline (2 samples); p50 40 ms, p95 41 ms', result: 'skip', class: null, owner: null },
  ],
  runs: [
    { run: 1, startedAt: '2026-11-22T10:00:00.000Z', durationMs: 2100, ok: true, class: null, owner: null, summary: 'all passed' },
    { run: 2, startedAt: '2026-11-22T10:00:02.100Z', durationMs: 2100, ok: true, class: null, owner: null, summary: 'all passed' },
  ],
  baseline: { source: 'local store s', from: '2026-11-15T10:00:00.000Z', to: '2026-11-22T10:00:00.000Z', days: 7, minSamples: 5, regressionRatio: 1.5, minIncreaseMs: 250, steps: [] },
};

describe('flp-monitor canary: output', () => {
  it('prints a row per check with its owner when failing, then the verdict line last', () => {
    const text = canaryText(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^check +expected +observed +result +owner$/);
    expect(lines[2]).toMatch(/^version flp-1 +2026\.4\.1 +2026\.4\.1 in 2\/2 runs +pass +-$/);
    expect(lines[3]).toMatch(/^latency overview +≤ 1\.5× p50 400 ms, p95 600 ms +p50 1200 ms \(3\.00×\), p95 1300 ms \(2\.17×\) +FAIL +KiAP$/);
    expect(lines[4]).toMatch(/ no baseline \(2 samples\); p50 40 ms, p95 41 ms +skip +-$/);
    expect(lines.at(-1)).toBe(`FAIL release 2026.4.1: ${report.verdict.summary}`);
  });

  it('puts the same content in one JSON document', () => {
    const doc = JSON.parse(canaryJson(report, { recorded: true })) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['pass', 'version', 'environment', 'startedAt', 'durationMs', 'plannedRuns', 'interrupted', 'verdict', 'checks', 'runs', 'baseline', 'recorded']);
    expect(doc.verdict).toEqual(report.verdict);
    expect(doc.checks).toEqual(report.checks);
  });
});
