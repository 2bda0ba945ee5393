/**
 * The alarm policy evaluated locally, the way CloudWatch evaluates it: datapoints per aligned
 * period with the spec's statistic, M out of N, missing data treated as the spec says, and
 * composite alarms whose actions a suppressor silences. `npm start` runs it over the records
 * it writes, so the sandbox raises the alarms a deployment would.
 */
import type { AlarmPolicy, AlarmSpec, CompositeSpec, Statistic } from './policy.ts';
import type { MetricRecord } from '../core/records.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  spec: AlarmSpec;
  state: AlarmState;
  /** The evaluated datapoints, oldest first; null where the period had no data. */
  datapoints: (number | null)[];
  reason: string;
}

export interface CompositeStatus {
  spec: CompositeSpec;
  state: AlarmState;
  /** Member alarms in ALARM. */
  firing: string[];
  /** Suppressor alarms in ALARM: when any, the composite's actions (pages) are held back. */
  suppressedBy: string[];
}

export interface Evaluation {
  at: Date;
  alarms: AlarmStatus[];
  composites: CompositeStatus[];
}

/** One CloudWatch statistic over a period's values. */
export function statistic(values: readonly number[], stat: Statistic): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
  }
}

function breaches(spec: AlarmSpec, value: number): boolean {
  switch (spec.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= spec.threshold;
    case 'GreaterThanThreshold':
      return value > spec.threshold;
    case 'LessThanThreshold':
      return value < spec.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= spec.threshold;
  }
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The records one alarm watches: CloudWatch matches the full dimension set exactly. */
function matching(spec: AlarmSpec, namespace: string, records: readonly MetricRecord[]): MetricRecord[] {
  return records.filter((r) => r.name === spec.metric.name && r.namespace === namespace && sameDimensions(r.dimensions, spec.metric.dimensions));
}

export function evaluateAlarm(spec: AlarmSpec, namespace: string, records: readonly MetricRecord[], at: Date): AlarmStatus {
  const periodMs = spec.periodSeconds * 1000;
  const mine = matching(spec, namespace, records);
  const buckets = new Map<number, number[]>();
  for (const r of mine) {
    const t = Date.parse(r.timestamp);
    if (t > at.getTime()) continue;
    const k = Math.floor(t / periodMs);
    const list = buckets.get(k) ?? [];
    list.push(r.value);
    buckets.set(k, list);
  }
  // The newest period counts once it has data; until then the evaluation ends with the last
  // complete period, so a period just begun is not read as missing.
  const current = Math.floor(at.getTime() / periodMs);
  const last = buckets.has(current) ? current : current - 1;
  const datapoints: (number | null)[] = [];
  for (let k = last - spec.evaluationPeriods + 1; k <= last; k++) {
    const values = buckets.get(k);
    datapoints.push(values?.length ? statistic(values, spec.metric.statistic) : null);
  }
  const present = datapoints.filter((d): d is number => d !== null);
  let breaching = present.filter((v) => breaches(spec, v)).length;
  const missing = datapoints.length - present.length;
  if (spec.treatMissingData === 'breaching') breaching += missing;
  const evaluated = spec.treatMissingData === 'breaching' || spec.treatMissingData === 'notBreaching' ? datapoints.length : present.length;
  let state: AlarmState;
  if (evaluated === 0) state = 'INSUFFICIENT_DATA';
  else state = breaching >= spec.datapointsToAlarm ? 'ALARM' : 'OK';
  const shown = datapoints.map((d) => (d === null ? '-' : String(Math.round(d * 100) / 100))).join(', ');
  const reason = `${breaching} of ${spec.evaluationPeriods} periods of ${spec.periodSeconds} s breach ${spec.metric.statistic} ${symbol(spec)} ${spec.threshold} [${shown}]`;
  return { spec, state, datapoints, reason };
}

function symbol(spec: AlarmSpec): string {
  return { GreaterThanOrEqualToThreshold: '>=', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=' }[spec.comparison];
}

export function evaluatePolicy(policy: AlarmPolicy, records: readonly MetricRecord[], at: Date): Evaluation {
  const alarms = policy.alarms.map((spec) => evaluateAlarm(spec, policy.namespace, records, at));
  const inAlarm = new Set(alarms.filter((a) => a.state === 'ALARM').map((a) => a.spec.id));
  const composites = policy.composites.map((spec): CompositeStatus => {
    const firing = spec.alarms.filter((id) => inAlarm.has(id));
    return {
      spec,
      state: firing.length ? 'ALARM' : 'OK',
      firing,
      suppressedBy: firing.length ? spec.suppressedBy.filter((id) => inAlarm.has(id)) : [],
    };
  });
  return { at, alarms, composites };
}

/** The composites that would page someone now: in ALARM and not suppressed. */
export function paging(evaluation: Evaluation): CompositeStatus[] {
  return evaluation.composites.filter((c) => c.state === 'ALARM' && c.suppressedBy.length === 0);
}

/**
 * Keeps the metric records of the recent past in memory for the evaluator: enough periods for
 * the slowest alarm, nothing older.
 */
export class RecentMetrics {
  readonly #keepMs: number;
  #records: MetricRecord[] = [];

  constructor(policy: AlarmPolicy) {
    this.#keepMs = Math.max(...policy.alarms.map((a) => a.periodSeconds * (a.evaluationPeriods + 1))) * 1000;
  }

  add(records: readonly { type: string }[], now: Date): void {
    for (const r of records) if (r.type === 'metric') this.#records.push(r as MetricRecord);
    const cutoff = now.getTime() - this.#keepMs;
    if (this.#records.length && Date.parse(this.#records[0]!.timestamp) < cutoff) {
      this.#records = this.#records.filter((r) => Date.parse(r.timestamp) >= cutoff);
    }
  }

  /** How far back the slowest alarm looks. */
  get windowMs(): number {
    return this.#keepMs;
  }

  get records(): readonly MetricRecord[] {
    return this.#records;
  }
}
