/**
 * A probe run as metric data points: what the CloudWatch sink publishes and the local store
 * appends. One function, so local reports and CloudWatch see the same numbers.
 */
import type { ClassifiedResult, FailureClass } from './result.ts';
import { DEFAULT_NAMESPACE, DIMENSIONS, METRICS, type MetricUnit } from './metric-names.ts';

export interface MetricRecord {
  type: 'metric';
  timestamp: string;
  namespace: string;
  name: string;
  unit: MetricUnit;
  value: number;
  dimensions: Record<string, string>;
}

/** The outcome of one probe run, kept beside its metrics for incident and SLA reports. */
export interface ResultRecord {
  type: 'result';
  timestamp: string;
  environment: string;
  probe: string;
  kind: ClassifiedResult['kind'];
  ok: boolean;
  class: FailureClass | null;
  owner: string | null;
  summary: string;
  durationMs: number;
  attempts: number;
  steps: { name: string; status: string; durationMs: number }[];
  version?: string;
  artifacts: string[];
}

/** A release as the post-release canary judged it: what reports and dashboards mark. */
export interface ReleaseRecord {
  type: 'release';
  /** When the canary started. */
  timestamp: string;
  environment: string;
  version: string;
  verdict: 'pass' | 'fail';
  /** The canary's one-line verdict. */
  summary: string;
  /** The maintenance window whose end this verdict verified (the monitor's own verification). */
  windowId?: string;
}

export type StoreRecord = MetricRecord | ResultRecord | ReleaseRecord;

/** Where records go besides the monitor's memory: the local store, CloudWatch, the local alarm evaluator. */
export interface ResultSink {
  write(records: readonly StoreRecord[]): Promise<void>;
}

export function metricRecords(result: ClassifiedResult, environment: string, namespace: string = DEFAULT_NAMESPACE): MetricRecord[] {
  const timestamp = result.startedAt;
  const env = { [DIMENSIONS.environment]: environment };
  const probe = { ...env, [DIMENSIONS.probe]: result.probe };
  const point = (m: { name: string; unit: MetricUnit }, value: number, dimensions: Record<string, string>): MetricRecord => ({
    type: 'metric',
    timestamp,
    namespace,
    name: m.name,
    unit: m.unit,
    value,
    dimensions,
  });
  const out = [point(METRICS.success, result.ok ? 1 : 0, probe)];
  // An `lps:<system>` result shares one statistics read with the others: its time is not its own.
  if (result.kind !== 'lps') out.push(point(METRICS.duration, result.durationMs, probe));
  if (result.kind === 'journey') {
    for (const s of result.steps) if (s.status !== 'skipped') out.push(point(METRICS.stepDuration, s.durationMs, { ...probe, [DIMENSIONS.step]: s.name }));
  }
  if (result.class) out.push(point(METRICS.failures, 1, { ...env, [DIMENSIONS.failureClass]: result.class }));
  // The journey's failures also by themselves: it runs a few times slower than the HTTP probes,
  // so what only the journey sees (stale data on the page, a browser that will not start) needs
  // alarms at its own pace.
  // So are each system's real launches: a vendor's `lps` alarm watches its own systems alone.
  if (result.class && (result.kind === 'journey' || result.kind === 'lps')) out.push(point(METRICS.failures, 1, { ...probe, [DIMENSIONS.failureClass]: result.class }));
  const o = result.observations;
  if (result.kind === 'lps' && o.system) {
    if (o.rejectedPercent !== undefined) out.push(point(METRICS.launchRejectedPercent, o.rejectedPercent, { ...env, [DIMENSIONS.system]: o.system }));
    out.push(point(METRICS.launchStatsUnknown, o.statsUnknown ? 1 : 0, env));
  }
  if (result.kind === 'sync' && o.source && o.lagSeconds !== undefined) out.push(point(METRICS.syncLag, o.lagSeconds, { ...env, [DIMENSIONS.source]: o.source }));
  if (result.kind === 'node' && o.node && o.certDaysLeft !== undefined) out.push(point(METRICS.certDaysLeft, o.certDaysLeft, { ...env, [DIMENSIONS.node]: o.node }));
  return out;
}

export function heartbeatRecord(environment: string, timestamp: string, namespace: string = DEFAULT_NAMESPACE): MetricRecord {
  return { type: 'metric', timestamp, namespace, name: METRICS.heartbeat.name, unit: METRICS.heartbeat.unit, value: 1, dimensions: { [DIMENSIONS.environment]: environment } };
}

/** 1 for a journey invocation that ran nothing because the previous run still held the run lease (lib/adapters/s3-lease.ts). */
export function journeyRunSkippedRecord(environment: string, timestamp: string, namespace: string = DEFAULT_NAMESPACE): MetricRecord {
  return { type: 'metric', timestamp, namespace, name: METRICS.journeyRunSkipped.name, unit: METRICS.journeyRunSkipped.unit, value: 1, dimensions: { [DIMENSIONS.environment]: environment } };
}

/** 1 while a planned maintenance window is open, 0 otherwise: what the maintenance alarm watches. */
export function maintenanceRecord(environment: string, timestamp: string, open: boolean, namespace = DEFAULT_NAMESPACE): MetricRecord {
  return { type: 'metric', timestamp, namespace, name: METRICS.maintenance.name, unit: METRICS.maintenance.unit, value: open ? 1 : 0, dimensions: { [DIMENSIONS.environment]: environment } };
}

export function resultRecord(result: ClassifiedResult, environment: string): ResultRecord {
  return {
    type: 'result',
    timestamp: result.startedAt,
    environment,
    probe: result.probe,
    kind: result.kind,
    ok: result.ok,
    class: result.class,
    owner: result.owner,
    summary: result.summary,
    durationMs: result.durationMs,
    attempts: result.attempts,
    steps: result.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs })),
    ...(result.observations.version ? { version: result.observations.version } : {}),
    artifacts: result.artifacts,
  };
}

/** A release and the canary's verdict on it, for the local store (CloudWatch gets {@link releaseMetricRecord}). */
export function releaseRecord(release: Omit<ReleaseRecord, 'type'>): ReleaseRecord {
  return { type: 'release', ...release };
}

/** The same release as a metric point: 1 when the canary passed, 0 when it failed. */
export function releaseMetricRecord(release: Omit<ReleaseRecord, 'type' | 'summary'>, namespace: string = DEFAULT_NAMESPACE): MetricRecord {
  return {
    type: 'metric',
    timestamp: release.timestamp,
    namespace,
    name: METRICS.release.name,
    unit: METRICS.release.unit,
    value: release.verdict === 'pass' ? 1 : 0,
    dimensions: { [DIMENSIONS.environment]: release.environment, [DIMENSIONS.version]: release.version },
  };
}

/** A channel's delivery of one notification as its metric: 1 failed (after retries), 0 delivered. */
export function notificationRecord(environment: string, channel: string, failed: boolean, timestamp: string, namespace: string = DEFAULT_NAMESPACE): MetricRecord {
  return {
    type: 'metric',
    timestamp,
    namespace,
    name: METRICS.notificationFailed.name,
    unit: METRICS.notificationFailed.unit,
    value: failed ? 1 : 0,
    dimensions: { [DIMENSIONS.environment]: environment, [DIMENSIONS.channel]: channel },
  };
}
