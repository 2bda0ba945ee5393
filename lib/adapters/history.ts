/**
 * Reading the past back: what the SLA report and the canary's latency baseline read, from the
 * local store under `npm start` or from CloudWatch in production (`--source local|cloudwatch`).
 */
import type { ResultRecord } from '../core/records.ts';

export interface MetricQuery {
  /** A metric name from lib/core/metric-names.ts. */
  name: string;
  /** The exact dimension set (CloudWatch matches it exactly). */
  dimensions: Record<string, string>;
  from: Date;
  to: Date;
}

export interface MetricPoint {
  timestamp: string;
  value: number;
  /**
   * How many raw samples the point stands for: 1 for a local record; for CloudWatch the
   * SampleCount of its period, which may aggregate several probe runs.
   */
  samples: number;
}

export interface HistorySource {
  /** A human name for messages: "local store .flp-monitor/", "CloudWatch FLP/Synthetics (eu-central-1)". */
  readonly label: string;
  /** Data points of one metric in [from, to), oldest first. */
  metric(query: MetricQuery, onProgress?: (done: number, total: number) => void): Promise<MetricPoint[]>;
  /**
   * Probe outcomes with their class, owner and summary, oldest first. The local store keeps
   * them; a source that does not (CloudWatch metrics carry no text) returns null and callers
   * reconstruct outcomes from Success and FailureCount.
   */
  results(range: { from: Date; to: Date }): Promise<ResultRecord[] | null>;
}
