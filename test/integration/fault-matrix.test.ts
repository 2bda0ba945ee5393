/**
 * The contract's fault matrix end to end: the real CLI (`run --once --json --config F`) with
 * real Chromium against the sandbox, one fault at a time, asserting the verdict class.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import type { FailureClass } from '../../lib/core/result.ts';
import type { FaultName, FaultParams } from '../../sandbox/index.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

let fx: SandboxFixture;

beforeAll(async () => {
  fx = await startSandboxFixture();
});
afterAll(async () => {
  await fx?.sandbox.close();
});
beforeEach(() => fx.sandbox.clearFaults());

interface RunJson {
  ok: boolean;
  verdict: { class: FailureClass | null; owner: string | null; summary: string };
  results: { probe: string; ok: boolean; class: FailureClass | null; owner: string | null; attempts: number; durationMs: number; steps: { name: string; status: string }[]; error: string | null }[];
}

async function runOnce(): Promise<{ code: number; json: RunJson; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['run', '--once', '--json', '--config', fx.configFile], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, json: JSON.parse(out) as RunJson, err };
}

const rows: { fault: FaultName; params?: FaultParams; expected: FailureClass; owner: string; failing: string }[] = [
  { fault: 'node-down', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-2' },
  { fault: 'lb-502', expected: 'infrastructure', owner: 'PLSP', failing: 'lb' },
  { fault: 'lb-503', expected: 'infrastructure', owner: 'PLSP', failing: 'lb' },
  { fault: 'lb-504', expected: 'infrastructure', owner: 'PLSP', failing: 'lb' },
  { fault: 'db-down', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1' },
  { fault: 'tls-expired', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1' },
  { fault: 'tls-untrusted', expected: 'infrastructure', owner: 'PLSP', failing: 'node:flp-1' },
  { fault: 'dns', expected: 'infrastructure', owner: 'PLSP', failing: 'journey' },
  { fault: 'lb-hang', expected: 'infrastructure', owner: 'PLSP', failing: 'lb' },
  { fault: 'api-500', expected: 'application', owner: 'KiAP', failing: 'journey' },
  { fault: 'missing-section', expected: 'application', owner: 'KiAP', failing: 'journey' },
  { fault: 'js-error', expected: 'application', owner: 'KiAP', failing: 'journey' },
  { fault: 'create-fails', expected: 'application', owner: 'KiAP', failing: 'journey' },
  { fault: 'print-not-pdf', expected: 'application', owner: 'KiAP', failing: 'journey' },
  { fault: 'sync-failed', expected: 'sync', owner: 'PLSP', failing: 'sync:lab' },
  { fault: 'sync-stale', expected: 'sync', owner: 'PLSP', failing: 'sync:lab' },
  { fault: 'sync-error', expected: 'sync', owner: 'PLSP', failing: 'sync:lab' },
  { fault: 'sync-malformed', expected: 'sync', owner: 'PLSP', failing: 'sync:lab' },
  { fault: 'page-stale', expected: 'sync', owner: 'PLSP', failing: 'journey' },
  { fault: 'version-drift', expected: 'release', owner: 'KiAP', failing: 'release' },
];

describe('fault matrix through `flp-monitor run --once --json`', () => {
  it('passes a healthy target with exit 0 and every probe ok', async () => {
    const { code, json } = await runOnce();
    expect(json.verdict).toEqual({ ok: true, class: null, owner: null, summary: expect.stringMatching(/^all \d+ checks passed/) });
    expect(code).toBe(0);
    expect(json.results.map((r) => r.probe).sort()).toEqual(
      ['journey', 'lb', 'node:flp-1', 'node:flp-2', 'node:flp-3', 'release', 'sync:diagnoses', 'sync:lab', 'sync:measurements', 'sync:medication'].sort(),
    );
    const journey = json.results.find((r) => r.probe === 'journey')!;
    expect(journey.steps.map((s) => [s.name, s.status])).toEqual([
      ['launch', 'passed'],
      ['overview', 'passed'],
      ['create-plan', 'passed'],
      ['print', 'passed'],
      ['cleanup', 'passed'],
    ]);
    expect(fx.sandbox.stats().livePlans).toBe(0);
    expect(fx.sandbox.stats().nonSyntheticRequests).toEqual([]);
  });

  it.each(rows)('reports $fault as $expected ($owner), naming $failing', async ({ fault, params, expected, owner, failing }) => {
    fx.sandbox.setFault(fault, params);
    const { code, json } = await runOnce();
    expect(json.verdict.class, json.verdict.summary).toBe(expected);
    expect(json.verdict.owner).toBe(owner);
    expect(json.ok).toBe(false);
    expect(code).toBe(1);
    const named = json.results.find((r) => r.probe === failing)!;
    expect(named.ok, `${failing} should fail`).toBe(false);
    expect(json.verdict.summary).toContain(expected);
    expect(fx.sandbox.stats().livePlans).toBe(0);
  });

  it('clears a single transient connection error with a retry: verdict ok, attempts recorded', async () => {
    fx.sandbox.setFault('transient');
    const { code, json } = await runOnce();
    expect(json.verdict.class, json.verdict.summary).toBeNull();
    expect(code).toBe(0);
    expect(json.results.some((r) => r.attempts === 2)).toBe(true);
  });
});
