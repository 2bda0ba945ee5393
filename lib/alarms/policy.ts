/**
 * The alarm policy as data. CDK renders these specs into CloudWatch alarms, composite alarms
 * and SNS actions; the local evaluator runs the very same specs over the local store, so the
 * sandbox raises the alarms a deployment would. Thresholds and periods come from the config;
 * nothing here is restated in cdk/.
 */
import type { Config } from '../core/config.ts';
import type { FailureClass } from '../core/result.ts';
import { DIMENSIONS, METRICS, type MetricName } from '../core/metric-names.ts';
import { JOURNEY_STEPS, PROBE_IDS } from '../core/contract.ts';

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
}

export interface AlarmPolicy {
  namespace: string;
  environment: string;
  alarms: AlarmSpec[];
  composites: CompositeSpec[];
  /** The alarm that is in ALARM while a planned maintenance window is open. */
  maintenanceAlarmId: string;
}

export interface PolicyOptions {
  /**
   * The shortest period allowed. CloudWatch takes standard-resolution alarms in multiples of
   * 60 s, so the CDK stack asks for 60; the local evaluator over the sandbox's fast schedule
   * takes the schedule as it is (1).
   */
  minPeriodSeconds?: number;
}

/** Where a failure's evidence is, for every alarm description. */
export function evidenceHint(config: Config): string {
  return (
    `Evidence: the probe results in CloudWatch Logs (query: fields @timestamp, probe, class, summary | filter environment = "${config.environment}" and ok = 0 | sort @timestamp desc), ` +
    `journey screenshots and traces under s3://<artifacts bucket>/${config.environment}/<time>-journey/ (open trace.zip with npx playwright show-trace).`
  );
}

function periodOf(seconds: number, min: number): number {
  if (min <= 1) return seconds;
  return Math.max(min, Math.ceil(seconds / min) * min);
}

export function alarmPolicy(config: Config, options: PolicyOptions = {}): AlarmPolicy {
  const min = options.minPeriodSeconds ?? 60;
  const env = { [DIMENSIONS.environment]: config.environment };
  const owners = config.owners;
  const n = config.alarms.datapointsToAlarm;
  const s = config.schedule;
  const journey = periodOf(s.journeySeconds, min);
  const nodes = periodOf(s.nodesSeconds, min);
  const sync = periodOf(s.syncSeconds, min);
  // Infrastructure and monitor failures come from every probe group: judge them at the pace of the fastest.
  const fastest = Math.min(journey, nodes, sync);
  const slowest = Math.max(journey, nodes, sync);
  const failures = (cls: FailureClass) => ({ name: METRICS.failures.name, dimensions: { ...env, [DIMENSIONS.failureClass]: cls }, statistic: 'Sum' as const });
  const classAlarm = (cls: FailureClass, periodSeconds: number, title: string, runbook: string): AlarmSpec => ({
    id: `${cls}-failures`,
    title,
    class: cls,
    owner: owners[cls],
    severity: 'page',
    metric: failures(cls),
    periodSeconds,
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: n,
    datapointsToAlarm: n,
    treatMissingData: 'notBreaching',
    runbook,
  });

  const alarms: AlarmSpec[] = [
    classAlarm(
      'infrastructure',
      fastest,
      'FLP hosting failing',
      'Check first: the load balancer and each node directly (/health), the database, DNS and TLS. The failing probe and its socket, TLS or status evidence are in the summary.',
    ),
    classAlarm(
      'sync',
      sync,
      'FLP data sync failing',
      'Check first: the failing source\'s status endpoint (state, lastSuccessfulSync, error) and the sync job behind it.',
    ),
    classAlarm(
      'application',
      journey,
      'FLP application failing',
      'Check first: the failed journey step and its screenshot and trace; hosting and sync are healthy when this pages (their alarms suppress it).',
    ),
    // What only the journey sees would never fill `datapointsToAlarm` consecutive periods of the
    // faster HTTP probes' pace: judged again at the journey's own pace, on its own failures.
    ...(config.journey.enabled && journey > fastest
      ? (['infrastructure', 'sync', 'monitor'] as const).map(
          (cls): AlarmSpec => ({
            id: `${cls}-failures-journey`,
            title: `FLP journey failing: ${cls}`,
            class: cls,
            owner: owners[cls],
            severity: 'page',
            metric: { name: METRICS.failures.name, dimensions: { ...env, [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.failureClass]: cls }, statistic: 'Sum' },
            periodSeconds: journey,
            comparison: 'GreaterThanOrEqualToThreshold',
            threshold: 1,
            evaluationPeriods: n,
            datapointsToAlarm: n,
            treatMissingData: 'notBreaching',
            runbook: `Check first: the failed journey's summary, screenshot and trace; the journey saw a ${cls} failure the faster probes did not.`,
          }),
        )
      : []),
    {
      id: 'release-version-drift',
      title: 'FLP nodes run different versions',
      class: 'release',
      owner: owners.release,
      severity: 'page',
      metric: { name: METRICS.success.name, dimensions: { ...env, [DIMENSIONS.probe]: PROBE_IDS.release }, statistic: 'Minimum' },
      periodSeconds: nodes,
      comparison: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: n,
      datapointsToAlarm: n,
      treatMissingData: 'notBreaching',
      runbook: 'Check first: the version each node reports at /health against the release plan; a node was left out of the installation or rolled back.',
    },
    classAlarm(
      'monitor',
      fastest,
      'flp-monitor itself failing',
      'Check first: the probe function logs (browser start, config, metric publishing). FLP may be fine; the monitor cannot tell.',
    ),
    {
      id: 'monitor-heartbeat',
      title: 'flp-monitor stopped reporting',
      class: 'monitor',
      owner: owners.monitor,
      severity: 'page',
      metric: { name: METRICS.heartbeat.name, dimensions: env, statistic: 'Sum' },
      periodSeconds: slowest,
      comparison: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: n,
      datapointsToAlarm: n,
      // No data is exactly what this alarm is for.
      treatMissingData: 'breaching',
      runbook: 'Check first: the schedules (EventBridge rules enabled), the probe functions\' errors and throttles, and that metrics reach the namespace.',
    },
    ...JOURNEY_STEPS.map(
      (step): AlarmSpec => ({
        id: `step-latency-${step}`,
        title: `FLP journey step "${step}" slow`,
        class: 'application',
        owner: owners.application,
        severity: 'warning',
        metric: { name: METRICS.stepDuration.name, dimensions: { ...env, [DIMENSIONS.probe]: PROBE_IDS.journey, [DIMENSIONS.step]: step }, statistic: 'Maximum' },
        periodSeconds: journey,
        comparison: 'GreaterThanThreshold',
        threshold: config.alarms.stepLatencyMs ?? Math.round(config.timeouts.stepMs / 2),
        evaluationPeriods: n,
        datapointsToAlarm: n,
        treatMissingData: 'notBreaching',
        runbook: `Check first: the "${step}" step's duration on the dashboard against its baseline, and the API calls in the latest trace.`,
      }),
    ),
    ...config.sync.map(
      (src): AlarmSpec => ({
        id: `sync-lag-${src.source}`,
        title: `FLP ${src.source} sync behind`,
        class: 'sync',
        owner: owners.sync,
        severity: 'page',
        metric: { name: METRICS.syncLag.name, dimensions: { ...env, [DIMENSIONS.source]: src.source }, statistic: 'Maximum' },
        periodSeconds: sync,
        comparison: 'GreaterThanThreshold',
        threshold: src.maxLagMinutes * 60,
        evaluationPeriods: n,
        datapointsToAlarm: n,
        treatMissingData: 'notBreaching',
        runbook: `Check first: the ${src.source} sync job (last success older than ${src.maxLagMinutes} min) and its source system.`,
      }),
    ),
    ...config.target.nodes
      .filter((node) => node.url.startsWith('https:'))
      .map(
        (node): AlarmSpec => ({
          id: `cert-expiry-${node.name}`,
          title: `TLS certificate of ${node.name} expires soon`,
          class: 'infrastructure',
          owner: owners.infrastructure,
          severity: 'warning',
          metric: { name: METRICS.certDaysLeft.name, dimensions: { ...env, [DIMENSIONS.node]: node.name }, statistic: 'Minimum' },
          periodSeconds: nodes,
          comparison: 'LessThanThreshold',
          threshold: config.alarms.certWarningDays,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: 'ignore',
          runbook: `Renew the certificate of ${node.name} (${node.url}) before it expires.`,
        }),
      ),
    {
      id: 'maintenance-window',
      title: 'Planned maintenance window open',
      class: 'monitor',
      owner: owners.monitor,
      severity: 'warning',
      metric: { name: METRICS.maintenance.name, dimensions: env, statistic: 'Maximum' },
      periodSeconds: fastest,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      runbook: 'Not a failure: while this is in ALARM, every paging alarm is suppressed. Set it by hand (aws cloudwatch set-alarm-state) for unplanned work.',
    },
  ];

  const ids = (pred: (a: AlarmSpec) => boolean) => alarms.filter(pred).map((a) => a.id);
  const composite = (cls: FailureClass, severity: Severity, title: string, suppressedBy: string[], runbook: string): CompositeSpec => ({
    id: `${cls}-${severity}`,
    title,
    class: cls,
    owner: owners[cls],
    severity,
    alarms: ids((a) => a.class === cls && a.severity === severity && a.id !== 'maintenance-window'),
    suppressedBy: ['maintenance-window', ...suppressedBy],
    runbook,
  });
  const composites: CompositeSpec[] = [
    composite('infrastructure', 'page', `FLP hosting failing (${owners.infrastructure})`, [], 'The hosting is broken; the application and sync alarms it causes are suppressed.'),
    composite('release', 'page', `FLP release installed unevenly (${owners.release})`, ['infrastructure-failures'], 'Nodes disagree about their version.'),
    composite('sync', 'page', `FLP data sync failing (${owners.sync})`, ['infrastructure-failures'], 'A sync source failed or fell behind while the hosting is healthy.'),
    composite('application', 'page', `FLP application failing (${owners.application})`, ['infrastructure-failures'], 'The application fails while hosting and sync are healthy.'),
    composite('monitor', 'page', `flp-monitor failing (${owners.monitor})`, [], 'The monitor cannot tell whether FLP works.'),
    composite('application', 'warning', `FLP journey slow (${owners.application})`, ['infrastructure-failures'], 'A journey step is slower than its threshold.'),
  ];
  if (alarms.some((a) => a.id.startsWith('cert-expiry-'))) {
    composites.push(composite('infrastructure', 'warning', `FLP certificate expiring (${owners.infrastructure})`, [], 'Renew the certificate named in the alarm.'));
  }
  return { namespace: config.aws.namespace, environment: config.environment, alarms, composites, maintenanceAlarmId: 'maintenance-window' };
}
