/**
 * What an alarm spec is (data CDK renders and the local evaluator runs), the ids the policy and
 * its readers share, and the alarm period of each probe group. The builder that makes the specs
 * is spec-builder.ts.
 */
import type { FailureClass } from '../core/result.ts';
import type { MetricName } from '../core/metric-names.ts';

export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';
export type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type Severity = 'page' | 'warning';

export interface AlarmSpec {
  /** Stable, kebab-case: the CDK construct id and the suffix of the alarm name. */
  id: string;
  title: string;
  class: FailureClass;
  owner: string;
  severity: Severity;
  metric: { name: MetricName; dimensions: Record<string, string>; statistic: Statistic };
  periodSeconds: number;
  comparison: Comparison;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: MissingData;
  /** What to check first, in the words on-call reads at 3 a.m. */
  runbook: string;
}

/**
 * A paging alarm: any of `alarms` in ALARM, its actions (the owner's topic and on-call's)
 * suppressed while any of `suppressedBy` is in ALARM. CloudWatch takes one suppressor alarm,
 * so CDK renders `suppressedBy` as one composite "suppressor" alarm.
 */
export interface CompositeSpec {
  id: string;
  title: string;
  class: FailureClass;
  owner: string;
  severity: Severity;
  alarms: string[];
  suppressedBy: string[];
  runbook: string;
  /**
   * Owners told too, besides `owner`: their topics and channels get the same page (an LPS
   * vendor's composite tells KiAP, who coordinates with the vendors). Absent: the owner alone.
   */
  alsoNotify?: string[];
  /**
   * The incident the composite's pages belong to, when it is not its class's own: the key is
   * `flp-<env>-<incident>` (`lps-medsign-aps`: one incident per vendor). Absent: the class's key.
   */
  incident?: string;
}

/** The id of the alarm that is in ALARM while a planned maintenance window is open. */
export const MAINTENANCE_ALARM_ID = 'maintenance-window';

/** An LPS vendor's name as an id part: lowercase letters, digits and hyphens (`MedSign ApS` → `medsign-aps`). */
export function vendorSlug(vendor: string): string {
  return vendor.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'vendor';
}

/** The id of an LPS vendor's paging composite: `lps-<vendor slug>` (alarm `flp-<env>-lps-<slug>`). */
export function vendorCompositeId(vendor: string): string {
  return `lps-${vendorSlug(vendor)}`;
}

/** The id of one LPS system's alarm: its real launches refused while its certified launch passes. */
export function lpsAlarmId(system: string): string {
  return `lps-failures-${system}`;
}

/** The id of the warning alarm on unknown launch statistics, and of its warning composite. */
export const LAUNCH_STATS_ALARM_ID = 'launch-stats-unknown';
export const LAUNCH_STATS_COMPOSITE_ID = 'launch-stats-warning';

/** The schedule's intervals, in seconds, as the config states them. */
export interface ScheduleSeconds {
  journeySeconds: number;
  nodesSeconds: number;
  syncSeconds: number;
}

/** The alarm period of each probe group, and of what every group reports. */
export interface AlarmPeriods {
  journey: number;
  nodes: number;
  sync: number;
  /** The fastest group: what any group's run may report (a channel, the maintenance window) is looked at this often. */
  fastest: number;
  /** The heartbeat comes from every group: it is missing only when the slowest has had its turn. */
  slowest: number;
  /**
   * The slower of the two HTTP groups (sync, nodes): each of its periods holds a run of both, so
   * a class whose failures either group reports (infrastructure, monitor) is judged at this pace.
   * At the faster group's pace the slower group's failures would fill only some periods and,
   * missing ones not breaching, never the consecutive ones an alarm needs.
   */
  probes: number;
}

/** A period no shorter than `min` and, when `min` > 1, a whole multiple of it. */
function periodOf(seconds: number, min: number): number {
  if (min <= 1) return seconds;
  return Math.max(min, Math.ceil(seconds / min) * min);
}

/**
 * The alarm periods of a schedule.
 *
 * @param minPeriodSeconds the shortest period allowed; above 1, every period is rounded up to a
 *   whole multiple of it (CloudWatch's standard resolution takes multiples of 60 s).
 */
export function alarmPeriods(schedule: ScheduleSeconds, minPeriodSeconds: number): AlarmPeriods {
  const journey = periodOf(schedule.journeySeconds, minPeriodSeconds);
  const nodes = periodOf(schedule.nodesSeconds, minPeriodSeconds);
  const sync = periodOf(schedule.syncSeconds, minPeriodSeconds);
  return { journey, nodes, sync, fastest: Math.min(journey, nodes, sync), slowest: Math.max(journey, nodes, sync), probes: Math.max(nodes, sync) };
}

