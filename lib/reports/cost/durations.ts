/**
 * Invocation durations for the cost model, measured where there is a record of them: the
 * median `DurationMillis` of each probe in the local store, per probe group (the probes of a
 * group run at once, so the slowest probe's median stands for the group), plus what a Lambda
 * invocation adds (`INVOCATION_OVERHEAD_MS` in model.ts).
 */
import { METRICS, DIMENSIONS } from '../../core/metric-names.ts';
import type { MetricRecord } from '../../core/records.ts';
import { groupOfProbe, PROBE_GROUPS, PROBE_IDS, type ProbeGroup } from '../../core/contract.ts';
import { INVOCATION_OVERHEAD_MS, type GroupDurations } from './model.ts';

/** Fewer samples than this for a group and its default duration is used instead. */
export const MIN_DURATION_SAMPLES = 5;

export interface MeasuredDurations {
  durations: Partial<GroupDurations>;
  /** Per group: how the duration was found, e.g. "median of 212 runs in the local store + 3000 ms". */
  source: Partial<Record<ProbeGroup, string>>;
}

/** The group whose invocation a probe's duration stands for; the release check sends no request of its own. */
function groupOf(probe: string): ProbeGroup | null {
  return probe === PROBE_IDS.release ? null : groupOfProbe(probe);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Durations per group from the store's metric records (any environment the records carry). */
export function durationsFromRecords(records: readonly MetricRecord[], environment?: string): MeasuredDurations {
  const byProbe = new Map<string, number[]>();
  for (const r of records) {
    if (r.name !== METRICS.duration.name || !Number.isFinite(r.value)) continue;
    if (environment && r.dimensions[DIMENSIONS.environment] !== environment) continue;
    const probe = r.dimensions[DIMENSIONS.probe];
    if (!probe || !groupOf(probe)) continue;
    const list = byProbe.get(probe) ?? [];
    list.push(r.value);
    byProbe.set(probe, list);
  }
  const out: MeasuredDurations = { durations: {}, source: {} };
  for (const group of PROBE_GROUPS) {
    const probes = [...byProbe.entries()].filter(([p]) => groupOf(p) === group);
    const samples = Math.min(...probes.map(([, v]) => v.length));
    if (!probes.length || samples < MIN_DURATION_SAMPLES) continue;
    const slowest = Math.max(...probes.map(([, v]) => median(v)));
    out.durations[group] = Math.round(slowest + INVOCATION_OVERHEAD_MS[group]);
    out.source[group] = `median of ${samples}+ runs in the local store (${Math.round(slowest)} ms) + ${INVOCATION_OVERHEAD_MS[group]} ms for the invocation`;
  }
  return out;
}
