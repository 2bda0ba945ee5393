import { describe, expect, it } from 'vitest';
import { checkRelease } from '../../../probes/release.ts';
import type { ProbeResult } from '../../../lib/core/result.ts';

const now = new Date('2026-11-22T10:00:00Z');
function node(name: string, version?: string, ok = true): ProbeResult {
  return {
    probe: `node:${name}`,
    kind: 'node',
    target: name,
    ok,
    startedAt: now.toISOString(),
    durationMs: 3,
    attempts: 1,
    steps: [],
    evidence: [],
    error: null,
    observations: { node: name, ...(version ? { version } : {}) },
    artifacts: [],
  };
}

describe('release check', () => {
  it('passes when every node runs the same version', () => {
    const r = checkRelease([node('flp-1', '2026.4.1'), node('flp-2', '2026.4.1')], undefined, now);
    expect(r.ok).toBe(true);
    expect(r.error).toBe('all 2 nodes run 2026.4.1');
  });

  it('names the node that runs another version than the rest', () => {
    const r = checkRelease([node('flp-1', '2026.4.1'), node('flp-2', '2026.4.1'), node('flp-3', '2026.4.0')], undefined, now);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^version drift: flp-3 runs 2026\.4\.0, expected 2026\.4\.1/);
    expect(r.evidence).toEqual([{ type: 'version-drift', versions: { 'flp-1': '2026.4.1', 'flp-2': '2026.4.1', 'flp-3': '2026.4.0' } }]);
  });

  it('fails when all nodes agree on a version other than the expected one', () => {
    const r = checkRelease([node('flp-1', '2026.3.2'), node('flp-2', '2026.3.2')], '2026.4.1', now);
    expect(r.ok).toBe(false);
    expect(r.error).toContain('flp-1 runs 2026.3.2, flp-2 runs 2026.3.2, expected 2026.4.1');
  });

  it('compares the versions it has when a node is unreachable, and skips when none answered', () => {
    expect(checkRelease([node('flp-1', '2026.4.1'), node('flp-2', undefined, false)], '2026.4.1', now).ok).toBe(true);
    const none = checkRelease([node('flp-1', undefined, false)], '2026.4.1', now);
    expect(none.steps[0]!.status).toBe('skipped');
  });
});
