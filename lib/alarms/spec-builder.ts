/**
 * The builder every alarm spec of the policy goes through (after cdk-monitoring-constructs'
 * alarm factories, but producing data, not constructs, so the local evaluator can run it too).
 * One method per kind of alarm states that kind once: its id, metric, comparison, missing-data
 * rule and the wording that is the same for every alarm of the kind. What differs between the
 * alarms of a kind (the class, the step, the source, the node, a period, a threshold) is an
 * argument. `alarmPolicy` (policy.ts) only says which alarms and composites the policy holds;
 * what a spec is, the shared ids and the periods are alarm-spec.ts.
 */
import type { FailureClass } from '../core/result.ts';
import { DIMENSIONS, METRICS, type MetricName } from '../core/metric-names.ts';
import { PROBE_IDS } from '../core/contract.ts';
import { LAUNCH_STATS_ALARM_ID, lpsAlarmId, MAINTENANCE_ALARM_ID, vendorCompositeId, type AlarmSpec, type Comparison, type CompositeSpec, type MissingData, type Severity, type Statistic } from './alarm-spec.ts';

export {
  alarmPeriods,
  LAUNCH_STATS_ALARM_ID,
  LAUNCH_STATS_COMPOSITE_ID,
  lpsAlarmId,
  MAINTENANCE_ALARM_ID,
  vendorCompositeId,
  vendorSlug,
  type AlarmPeriods,
  type AlarmSpec,
  type Comparison,
  type CompositeSpec,
  type MissingData,
  type ScheduleSeconds,
  type Severity,
  type Statistic,
} from './alarm-spec.ts';

/** What every spec of one policy shares. */
export interface AlarmSpecBuilderProps {
  /** The value of the environment dimension on every metric an alarm watches. */
  readonly environment: string;
  /** The owner of each failure class; every spec and composite is owned by its class's owner. */
  readonly owners: Record<FailureClass, string>;
  /** Consecutive breaching periods, out of as many evaluated, before an alarm fires (the config's `alarms.datapointsToAlarm`). */
  readonly datapointsToAlarm: number;
}

/** One metric alarm, before the builder adds the owner, the environment dimension and the defaults. */
export interface MetricAlarmProps {
  /** Stable, kebab-case: the CDK construct id and the suffix of the alarm name. */
  readonly id: string;
  readonly title: string;
  readonly class: FailureClass;
  /** @default 'page' */
  readonly severity?: Severity;
  readonly metric: MetricName;
  /** Dimensions besides the environment, which every metric carries first. @default {} */
  readonly dimensions?: Record<string, string>;
  readonly statistic: Statistic;
  readonly periodSeconds: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  /**
   * Periods evaluated, and of them breaching, before the alarm fires (both: an alarm of N
   * consecutive breaching periods).
   * @default the builder's `datapointsToAlarm`
   */
  readonly datapoints?: number;
  /** @default 'notBreaching' */
  readonly treatMissingData?: MissingData;
  readonly runbook: string;
  /** The owner when it is not the class's (an `lps` alarm: the system's vendor). @default the class's owner */
  readonly owner?: string;
}

/** A composite over the alarms of one class and severity. */
export interface CompositeProps {
  readonly class: FailureClass;
  readonly severity: Severity;
  /** The composite's title; the builder appends the owner in parentheses. */
  readonly title: string;
  /**
   * Alarms that suppress the composite's actions while in ALARM, besides the maintenance alarm,
   * which suppresses every composite and comes first.
   * @default []
   */
  readonly suppressedBy?: readonly string[];
  readonly runbook: string;
  /** The composite's id when it is not `<class>-<severity>`; it is then an incident of its own (see {@link CompositeSpec.incident}). */
  readonly id?: string;
  /** Its member alarms when not every alarm of the class and severity. */
  readonly members?: readonly string[];
}

/** One class-failure alarm: its class, its period and the wording that differs per class. */
export interface ClassFailureProps {
  readonly class: FailureClass;
  readonly periodSeconds: number;
  readonly title: string;
  readonly runbook: string;
}

/** Builds the specs of one policy; every spec, metric alarm or composite, goes through {@link metricAlarm} or {@link composite}. */
export class AlarmSpecBuilder {
  readonly #props: AlarmSpecBuilderProps;

  constructor(props: AlarmSpecBuilderProps) {
    this.#props = props;
  }

  /** The generic metric alarm every kind below is made of. */
  metricAlarm(props: MetricAlarmProps): AlarmSpec {
    const n = props.datapoints ?? this.#props.datapointsToAlarm;
    return {
      id: props.id,
      title: props.title,
      class: props.class,
      owner: props.owner ?? this.#props.owners[props.class],
      severity: props.severity ?? 'page',
      metric: { name: props.metric, dimensions: { [DIMENSIONS.environment]: this.#props.environment, ...props.dimensions }, statistic: props.statistic },
      periodSeconds: props.periodSeconds,
      comparison: props.comparison,
      threshold: props.threshold,
      evaluationPeriods: n,
      datapointsToAlarm: n,
      treatMissingData: props.treatMissingData ?? 'notBreaching',
      runbook: props.runbook,
    };
  }

  /** Any failure of a class, from every probe: `<class>-failures`. */
  classFailures(props: ClassFailureProps): AlarmSpec {
    return this.#failures({ ...props, id: `${props.class}-failures`, dimensions: { [DIMENSIONS.failureClass]: props.class } });
  }

  /**
   * A failure of a class only the journey saw: `<class>-failures-journey`. What only the journey
   * sees would never fill `datapointsToAlarm` consecutive periods of the faster HTTP probes'
   * pace, so it is judged again at the journey's own pace, on its own failures.
   */
  journeyFailures(cls: FailureClass, periodSeconds: number): AlarmSpec {
    return this.#failures({
      id: `${cls}-failures-journey`,
      title: `FLP journey failing: ${cls}`,
      class: cls,
      dimensions: { [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.failureClass]: cls },
      periodSeconds,
      runbook: `Check first: the failed journey's summary, screenshot and trace; the journey saw a ${cls} failure the faster probes did not.`,
    });
  }

  /** The release probe failing: the nodes report different versions. */
  releaseDrift(periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: 'release-version-drift',
      title: 'FLP nodes run different versions',
      class: 'release',
      metric: METRICS.success.name,
      dimensions: { [DIMENSIONS.probe]: PROBE_IDS.release },
      statistic: 'Minimum',
      periodSeconds,
      comparison: 'LessThanThreshold',
      threshold: 1,
      runbook: 'Check first: the version each node reports at /health against the release plan; a node was left out of the installation or rolled back.',
    });
  }

  /** No heartbeat: the monitor stopped reporting at all. */
  heartbeat(periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: 'monitor-heartbeat',
      title: 'flp-monitor stopped reporting',
      class: 'monitor',
      metric: METRICS.heartbeat.name,
      statistic: 'Sum',
      periodSeconds,
      comparison: 'LessThanThreshold',
      threshold: 1,
      // No data is exactly what this alarm is for.
      treatMissingData: 'breaching',
      runbook: 'Check first: the schedules (EventBridge rules enabled), the probe functions\' errors and throttles, and that metrics reach the namespace.',
    });
  }

  /** A journey step slower than `thresholdMs` (a warning). */
  stepLatency(step: string, periodSeconds: number, thresholdMs: number): AlarmSpec {
    return this.metricAlarm({
      id: `step-latency-${step}`,
      title: `FLP journey step "${step}" slow`,
      class: 'application',
      severity: 'warning',
      metric: METRICS.stepDuration.name,
      dimensions: { [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.step]: step },
      statistic: 'Maximum',
      periodSeconds,
      comparison: 'GreaterThanThreshold',
      threshold: thresholdMs,
      runbook: `Check first: the "${step}" step's duration on the dashboard against its baseline, and the API calls in the latest trace.`,
    });
  }

  /** A sync source's last success older than `maxLagMinutes`. */
  syncLag(source: { source: string; maxLagMinutes: number }, periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: `sync-lag-${source.source}`,
      title: `FLP ${source.source} sync behind`,
      class: 'sync',
      metric: METRICS.syncLag.name,
      dimensions: { [DIMENSIONS.source]: source.source },
      statistic: 'Maximum',
      periodSeconds,
      comparison: 'GreaterThanThreshold',
      threshold: source.maxLagMinutes * 60,
      runbook: `Check first: the ${source.source} sync job (last success older than ${source.maxLagMinutes} min) and its source system.`,
    });
  }

  /** A node's TLS certificate expiring within `warningDays` (a warning, on one datapoint; no data is no news). */
  certExpiry(node: { name: string; url: string }, periodSeconds: number, warningDays: number): AlarmSpec {
    return this.metricAlarm({
      id: `cert-expiry-${node.name}`,
      title: `TLS certificate of ${node.name} expires soon`,
      class: 'infrastructure',
      severity: 'warning',
      metric: METRICS.certDaysLeft.name,
      dimensions: { [DIMENSIONS.node]: node.name },
      statistic: 'Minimum',
      periodSeconds,
      comparison: 'LessThanThreshold',
      threshold: warningDays,
      datapoints: 1,
      treatMissingData: 'ignore',
      runbook: `Renew the certificate of ${node.name} (${node.url}) before it expires.`,
    });
  }

  /** A notification channel that could not deliver a page after its retries: the monitor's own failure, on one datapoint. */
  channelFailures(channel: string, periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: `notify-${channel}`,
      title: `flp-monitor could not deliver pages to ${channel}`,
      class: 'monitor',
      metric: METRICS.notificationFailed.name,
      dimensions: { [DIMENSIONS.channel]: channel },
      statistic: 'Maximum',
      periodSeconds,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      datapoints: 1,
      runbook: `Check first: what ${channel} answered (the notifier's log, or notify test --channel ${channel}): its URL or key, or the vendor's status. The other channels and the SNS topics still got the page.`,
    });
  }

  /**
   * Failures of a class at the nodes group's pace, from every probe: `<class>-failures-nodes`.
   * The LPS checks (`launch:<system>`, `lps:<system>`) run with the servers' probes, faster than
   * the journey: what they see would otherwise be judged only at the journey's pace.
   */
  nodesFailures(cls: FailureClass, periodSeconds: number, runbook: string): AlarmSpec {
    return this.#failures({
      id: `${cls}-failures-nodes`,
      title: `FLP ${cls} failing in the nodes group (LPS launches)`,
      class: cls,
      dimensions: { [DIMENSIONS.failureClass]: cls },
      periodSeconds,
      runbook,
    });
  }

  /**
   * One LPS system's real launches refused while its certified launch is accepted:
   * `lps-failures-<system>`, the `lps` failures of `lps:<system>` alone, owned by its vendor.
   */
  lpsFailures(profile: { system: string; vendor: string; style: string }, periodSeconds: number): AlarmSpec {
    return this.#failures({
      id: lpsAlarmId(profile.system),
      title: `${profile.vendor}'s ${profile.system} launches of FLP refused`,
      class: 'lps',
      owner: profile.vendor,
      dimensions: { [DIMENSIONS.probe]: PROBE_IDS.lps(profile.system), [DIMENSIONS.failureClass]: 'lps' },
      periodSeconds,
      runbook:
        `Check first: the last refusal reason of ${profile.system} (the lps:${profile.system} result's summary: status and reason) against ${profile.vendor}'s certified ${profile.style} profile; ` +
        `FLP still accepts that profile, so ${profile.vendor}'s LPS changed what it sends: contact ${profile.vendor}.`,
    });
  }

  /** The launch statistics could not be read or judged (a warning, never a page, and never `lps`). */
  launchStatsUnknown(periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: LAUNCH_STATS_ALARM_ID,
      title: 'FLP launch statistics unknown',
      class: 'application',
      severity: 'warning',
      metric: METRICS.launchStatsUnknown.name,
      statistic: 'Maximum',
      periodSeconds,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      runbook:
        'Check first: GET /lps/launch-stats?minutes=n on FLP (a 5xx, or a body that misses the contract, or a system missing from it). ' +
        'The vendors\' real launches cannot be judged meanwhile; the certified launches still are.',
    });
  }

  /** In ALARM while a planned maintenance window is open: {@link MAINTENANCE_ALARM_ID}, the suppressor of every composite. */
  maintenanceWindow(periodSeconds: number): AlarmSpec {
    return this.metricAlarm({
      id: MAINTENANCE_ALARM_ID,
      title: 'Planned maintenance window open',
      class: 'monitor',
      severity: 'warning',
      metric: METRICS.maintenance.name,
      statistic: 'Maximum',
      periodSeconds,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      datapoints: 1,
      runbook: 'Not a failure: while this is in ALARM, every paging alarm is suppressed. Set it by hand (aws cloudwatch set-alarm-state) for unplanned work.',
    });
  }

  /**
   * The composite `<class>-<severity>` over every alarm of `alarms` of that class and severity
   * (the maintenance alarm aside), owned by the class's owner.
   */
  composite(alarms: readonly AlarmSpec[], props: CompositeProps): CompositeSpec {
    const owner = this.#props.owners[props.class];
    const members = props.members ?? alarms.filter((a) => a.class === props.class && a.severity === props.severity && a.id !== MAINTENANCE_ALARM_ID).map((a) => a.id);
    return {
      id: props.id ?? `${props.class}-${props.severity}`,
      title: `${props.title} (${owner})`,
      class: props.class,
      owner,
      severity: props.severity,
      alarms: [...members],
      suppressedBy: [MAINTENANCE_ALARM_ID, ...(props.suppressedBy ?? [])],
      runbook: props.runbook,
      ...(props.id ? { incident: props.id } : {}),
    };
  }

  /**
   * An LPS vendor's paging composite, `lps-<vendor slug>`: any of that vendor's systems' `lps`
   * alarms, owned by the vendor, telling `alsoNotify` too, one incident per vendor. There is no
   * composite of the `lps` class as such: every vendor pages for its own systems.
   */
  vendorComposite(alarms: readonly AlarmSpec[], vendor: string, props: { suppressedBy: readonly string[]; alsoNotify: readonly string[]; runbook: string }): CompositeSpec {
    const id = vendorCompositeId(vendor);
    const also = [...new Set(props.alsoNotify)].filter((o) => o !== vendor);
    return {
      id,
      title: `${vendor}'s LPS launches of FLP refused (${vendor})`,
      class: 'lps',
      owner: vendor,
      severity: 'page',
      alarms: alarms.filter((a) => a.class === 'lps' && a.owner === vendor && a.severity === 'page').map((a) => a.id),
      suppressedBy: [MAINTENANCE_ALARM_ID, ...props.suppressedBy],
      runbook: props.runbook,
      ...(also.length ? { alsoNotify: also } : {}),
      incident: id,
    };
  }

  /** A failure count of at least one in each of the periods: the shape of every failure alarm. */
  #failures(props: { id: string; title: string; class: FailureClass; owner?: string; dimensions: Record<string, string>; periodSeconds: number; runbook: string }): AlarmSpec {
    return this.metricAlarm({ ...props, metric: METRICS.failures.name, statistic: 'Sum', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1 });
  }
}
