/**
 * The README's generated parts stay true: the alarm table is the policy's, the metric count is
 * what the bundled config publishes, and every config key is documented.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmPolicy } from '../../lib/alarms/policy.ts';
import { policyMarkdown } from '../../lib/cli/alarms.ts';
import { configSchema, loadConfig } from '../../lib/core/config.ts';
import { customMetricCount, DIMENSIONS } from '../../lib/core/metric-names.ts';
import { metricRecords, heartbeatRecord, journeyRunSkippedRecord, maintenanceRecord } from '../../lib/core/records.ts';
import { JOURNEY_STEPS } from '../../lib/core/contract.ts';
import { FAILURE_CLASSES, type ClassifiedResult, type FailureClass, type ProbeKind } from '../../lib/core/result.ts';

const root = path.resolve(import.meta.dirname, '../..');
const readme = await readFile(path.join(root, 'README.md'), 'utf8');
const config = await loadConfig(path.join(root, 'flp-monitor.config.json'));

function counts() {
  return {
    journeyEnabled: config.journey.enabled,
    steps: JOURNEY_STEPS.length,
    nodes: config.target.nodes.length,
    httpsNodes: config.target.nodes.filter((n) => n.url.startsWith('https:')).length,
    sources: config.sync.length,
    classes: FAILURE_CLASSES.length,
    profiles: config.lps.profiles.length,
  };
}

describe('README', () => {
  it('shows the alarm policy of the bundled config exactly as the policy module renders it', () => {
    const table = readme.split(/<!-- alarms:start[^>]*-->/)[1]?.split('<!-- alarms:end -->')[0]?.trim();
    expect(table).toBe(policyMarkdown(alarmPolicy(config, { minPeriodSeconds: 60 }).alarms));
  });

  it('states the custom metric count the bundled config can publish', () => {
    // Every probe passing and failing in every class, every step, every source and node.
    const result = (probe: string, kind: ProbeKind, cls: FailureClass | null, obs: ClassifiedResult['observations'] = {}): ClassifiedResult => ({
      probe, kind, target: probe, ok: !cls, startedAt: '2026-11-22T10:00:00Z', durationMs: 1, attempts: 1, evidence: [], error: null, artifacts: [],
      steps: kind === 'journey' ? JOURNEY_STEPS.map((name) => ({ name, status: 'passed' as const, startedAt: '', durationMs: 1 })) : [],
      observations: obs, class: cls, owner: null, summary: '',
    });
    const probes: [string, ProbeKind, ClassifiedResult['observations']][] = [
      ['journey', 'journey', {}],
      ['lb', 'node', {}],
      ['release', 'release', {}],
      ...config.target.nodes.map((n): [string, ProbeKind, ClassifiedResult['observations']] => [`node:${n.name}`, 'node', { node: n.name, certDaysLeft: 80 }]),
      ...config.sync.map((s): [string, ProbeKind, ClassifiedResult['observations']] => [`sync:${s.source}`, 'sync', { source: s.source, lagSeconds: 5 }]),
      ...config.lps.profiles.map((p): [string, ProbeKind, ClassifiedResult['observations']] => [`launch:${p.system}`, 'launch', { system: p.system }]),
      ...config.lps.profiles.map((p): [string, ProbeKind, ClassifiedResult['observations']] => [`lps:${p.system}`, 'lps', { system: p.system, launches: 10, rejected: 1, rejectedPercent: 10 }]),
    ];
    // What each kind can fail as: a launch check as the hosting's or the application's, the real launches as lps or the application's (or not judged).
    const classesOf = (k: ProbeKind): (FailureClass | null)[] => (k === 'lps' ? [null, 'lps', 'application', 'monitor'] : k === 'launch' ? [null, 'infrastructure', 'application', 'monitor'] : [null, ...FAILURE_CLASSES]);
    const records = probes.flatMap(([p, k, o]) => classesOf(k).flatMap((cls) => metricRecords(result(p, k, cls, o), 'sandbox')));
    records.push(heartbeatRecord('sandbox', '2026-11-22T10:00:00Z'), maintenanceRecord('sandbox', '2026-11-22T10:00:00Z', false), journeyRunSkippedRecord('sandbox', '2026-11-22T10:00:00Z'));
    const distinct = new Set(records.map((r) => `${r.name} ${JSON.stringify(r.dimensions)}`));
    expect(distinct.size).toBe(customMetricCount(counts()));
    expect(readme).toContain(`**${distinct.size} custom metrics**`);
    expect(Object.values(DIMENSIONS).every((d) => readme.includes(d))).toBe(true);
  });

  it('documents every config key in the configuration table', () => {
    const keys: string[] = [];
    const walk = (schema: unknown, prefix: string) => {
      let s = schema as { def?: { type: string; innerType?: unknown; element?: unknown; shape?: Record<string, unknown> } };
      while (s.def && (s.def.type === 'optional' || s.def.type === 'default')) s = s.def.innerType as typeof s;
      if (s.def?.type === 'array') return walk(s.def.element, `${prefix}[]`);
      if (s.def?.type === 'object' && s.def.shape) {
        for (const [k, v] of Object.entries(s.def.shape)) walk(v, prefix ? `${prefix}.${k}` : k);
        return;
      }
      keys.push(prefix);
    };
    walk(configSchema, '');
    // A key is documented by its own row, or by a row for a list or map it belongs to
    // (`sync[]`, `owners.<class>`, `journey.selectors.<name>`, or an object row naming its keys).
    const documented = (key: string) => {
      const k = key.replace(/\[\]$/, '');
      if (readme.includes(`\`${k}\``)) return true;
      const parts = k.split('.');
      return parts.some((_, i) => {
        const p = parts.slice(0, i + 1).join('.');
        const row = readme.split('\n').find((l) => l.startsWith(`| \`${p}\` |`));
        const leaf = parts.at(-1)!.replace(/\[\]$/, '');
        return readme.includes(`\`${p.replace(/\[\]$/, '')}[]\``) || readme.includes(`\`${p}.<`) || (row !== undefined && row.includes(leaf));
      });
    };
    expect(keys.filter((k) => !documented(k))).toEqual([]);
  });
});
