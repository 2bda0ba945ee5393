/**
 * The release check: not a request of its own but a comparison of what the node probes saw.
 * Nodes that disagree about their version, or differ from the version expected after a
 * release, make a `release` finding (KiAP's), whatever else is wrong with them.
 */
import type { ProbeResult } from '../lib/core/result.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';

export function checkRelease(nodeResults: readonly ProbeResult[], expectedVersion: string | undefined, now: Date): ProbeResult {
  const versions: Record<string, string> = {};
  for (const r of nodeResults) {
    if (r.probe === PROBE_IDS.loadBalancer) continue;
    const { node, version } = r.observations;
    if (node && version) versions[node] = version;
  }
  const seen = Object.keys(versions);
  const distinct = [...new Set(Object.values(versions))];
  const base = {
    probe: PROBE_IDS.release,
    kind: 'release' as const,
    target: expectedVersion ? `expected ${expectedVersion}` : 'nodes agree',
    startedAt: now.toISOString(),
    durationMs: 0,
    attempts: 1,
    artifacts: [],
  };
  if (!seen.length) {
    // Nothing to compare: the node probes already report why they saw no version.
    return {
      ...base,
      ok: true,
      steps: [{ name: 'versions', status: 'skipped', startedAt: base.startedAt, durationMs: 0 }],
      evidence: [],
      error: 'no node reported a version',
      observations: {},
    };
  }
  const off = expectedVersion ? seen.filter((n) => versions[n] !== expectedVersion) : [];
  const drift = distinct.length > 1 || off.length > 0;
  const listing = seen.map((n) => `${n} ${versions[n]}`).join(', ');
  let error: string | null = null;
  if (drift) {
    const majority = expectedVersion ?? mostCommon(Object.values(versions));
    const odd = seen.filter((n) => versions[n] !== majority);
    error = `version drift: ${odd.map((n) => `${n} runs ${versions[n]}`).join(', ')}, expected ${majority} (${listing})`;
  }
  return {
    ...base,
    ok: !drift,
    steps: [{ name: 'versions', status: drift ? 'failed' : 'passed', startedAt: base.startedAt, durationMs: 0, ...(error ? { error } : {}) }],
    evidence: drift ? [{ type: 'version-drift', versions, ...(expectedVersion ? { expected: expectedVersion } : {}) }] : [],
    error: error ?? `all ${seen.length} nodes run ${distinct[0]}`,
    observations: distinct.length === 1 ? { version: distinct[0] } : {},
  };
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
