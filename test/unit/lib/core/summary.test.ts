import { describe, expect, it } from 'vitest';
import { JOURNEY_STEPS } from '../../../../lib/core/contract.ts';
import type { ProbeResult } from '../../../../lib/core/result.ts';
import { passSummary, retriedNote } from '../../../../lib/core/summary.ts';

function journey(attempts: number, observations: ProbeResult['observations'] = {}): ProbeResult {
  return {
    probe: 'journey',
    kind: 'journey',
    target: 'https://flp.example.test',
    ok: true,
    startedAt: '2026-11-22T10:00:00.000Z',
    durationMs: 900,
    attempts,
    steps: JOURNEY_STEPS.map((name) => ({ name, status: 'passed' as const, startedAt: '2026-11-22T10:00:00.000Z', durationMs: 100 })),
    evidence: [],
    error: null,
    observations,
    artifacts: [],
  };
}

describe('the summary of a passing probe', () => {
  it('says nothing of a retry when the first attempt passed', () => {
    expect(passSummary(journey(1))).toBe('launch 100 ms, overview 100 ms, create-plan 100 ms, print 100 ms, cleanup 100 ms');
    expect(retriedNote(journey(1))).toBe('');
  });

  it('reports a failure the retry cleared as transient, quoting what the first attempt saw', () => {
    const r = journey(2, { transient: 'overview failed: GET /api/overview answered 500' });
    expect(passSummary(r)).toBe(
      'launch 100 ms, overview 100 ms, create-plan 100 ms, print 100 ms, cleanup 100 ms (passed on retry after: overview failed: GET /api/overview answered 500)',
    );
  });

  it('names the passing attempt when the first failure is not known', () => {
    expect(passSummary({ ...journey(2), kind: 'sync', steps: [], observations: { syncState: 'ok', lagSeconds: 60 } })).toMatch(/ \(passed on attempt 2\)$/);
  });

  it('says so for the node and sync probes too', () => {
    const node = { ...journey(2, { version: '2026.4.1', transient: 'flp-1: socket hang up' }), kind: 'node' as const, probe: 'node:flp-1', steps: [] };
    expect(passSummary(node)).toBe('version 2026.4.1 (passed on retry after: flp-1: socket hang up)');
  });
});
