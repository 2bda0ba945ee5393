/**
 * The CloudWatch dashboard: which pages are up, then success and latency per probe and journey
 * step, sync lag per source, failures by class and certificate days per node. The graphs use
 * the alarm policy's own metrics (with its thresholds drawn in), so the dashboard shows what
 * the alarms judge; per-probe graphs search the namespace, since probe names are the probes'.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { lpsAlarmId, vendorCompositeId, type AlarmPolicy, type AlarmSpec } from '../lib/alarms/policy.ts';
import { allOwners, type Config } from '../lib/core/config.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';
import { DIMENSIONS, METRICS } from '../lib/core/metric-names.ts';
import { specMetric, type PolicyAlarms } from './alarms.ts';
import { resourceName } from './probe-functions.ts';

const FULL = 24;
const HALF = 12;
const GRAPH_HEIGHT = 6;
const THIRD = 8;

/** The dashboard's name: known before deployment, so the notifier can link it without depending on it (the dashboard draws the alarms the notifier is an action of). */
export function dashboardName(environment: string): string {
  return resourceName(environment, 'monitor');
}

export interface MonitorDashboardProps {
  config: Config;
  policy: AlarmPolicy;
  alarms: PolicyAlarms;
}

/** A SEARCH over one metric of the namespace in this environment, one line per value of `dimension`. */
export function searchExpression(policy: AlarmPolicy, metricName: string, dimensions: readonly string[], statistic: string, periodSeconds: number): string {
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const schema = `{${[policy.namespace, ...dimensions].map(q).join(',')}}`;
  const terms = `MetricName=${q(metricName)} ${DIMENSIONS.environment}=${q(policy.environment)}`;
  return `SEARCH('${schema} ${terms}', '${statistic}', ${periodSeconds})`;
}

/** What every row of the dashboard draws with: the policy's specs as lines, their thresholds, a search over the namespace. */
interface Kit extends MonitorDashboardProps {
  specsOf: (metricName: string) => AlarmSpec[];
  lineOf: (spec: AlarmSpec, dimension: string) => cloudwatch.Metric;
  thresholds: (specs: readonly AlarmSpec[], dimension: string) => cloudwatch.HorizontalAnnotation[];
  search: (metricName: string, dimension: string, statistic: string, label: string) => cloudwatch.MathExpression;
  /** The shortest alarm period of the policy: the period of the searches. */
  fastest: number;
}

function kitOf(props: MonitorDashboardProps): Kit {
  const { policy } = props;
  const specsOf = (metricName: string) => policy.alarms.filter((a) => a.metric.name === metricName);
  const lineOf = (spec: AlarmSpec, dimension: string) =>
    specMetric(policy, spec).with({ label: spec.metric.dimensions[dimension] ?? spec.id });
  const thresholds = (specs: readonly AlarmSpec[], dimension: string): cloudwatch.HorizontalAnnotation[] => {
    const distinct = new Map<number, string[]>();
    for (const s of specs) distinct.set(s.threshold, [...(distinct.get(s.threshold) ?? []), s.metric.dimensions[dimension] ?? s.id]);
    return [...distinct].map(([value, who]) => ({
      value,
      label: distinct.size === 1 ? 'alarm threshold' : `alarm threshold (${who.join(', ')})`,
      color: cloudwatch.Color.RED,
    }));
  };
  const fastest = Math.min(...policy.alarms.map((a) => a.periodSeconds));
  const search = (metricName: string, dimension: string, statistic: string, label: string) =>
    new cloudwatch.MathExpression({
      expression: searchExpression(policy, metricName, [DIMENSIONS.environment, dimension], statistic, fastest),
      usingMetrics: {},
      label,
      period: Duration.seconds(fastest),
    });
  return { ...props, specsOf, lineOf, thresholds, search, fastest };
}

/** The title, the pages, success and duration per probe, the releases. */
function overviewRows({ config, alarms, search }: Kit): cloudwatch.IWidget[][] {
  const owners = allOwners(config);
  return [
    [
      new cloudwatch.TextWidget({
        markdown:
          `# flp-monitor: ${config.environment}\n` +
          `Probing ${config.target.baseUrl} and ${config.target.nodes.length} node(s). ` +
          `Pages go through the notifier to each owner's topic (${owners.join(', ')}), to on-call and to the configured channels; infrastructure failures and maintenance windows silence the pages they cause.`,
        width: FULL,
        height: 2,
      }),
    ],
    [
      new cloudwatch.AlarmStatusWidget({
        title: 'Pages (composite alarms: owner and on-call are notified)',
        alarms: [...alarms.composites.values()],
        width: FULL,
        height: 3,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Success per probe (1 = passed)',
        left: [search(METRICS.success.name, DIMENSIONS.probe, 'Average', '')],
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration per probe (ms, retries included)',
        left: [search(METRICS.duration.name, DIMENSIONS.probe, 'Maximum', '')],
        leftYAxis: { min: 0, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Releases: 1 = verified, 0 = failed (the monitor at a release window\'s end, or the canary), per version',
        left: [search(METRICS.release.name, DIMENSIONS.version, 'Maximum', '')],
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: FULL,
        height: 4,
      }),
    ],
  ];
}

/** Journey steps and sync lag; failures by class beside the heartbeat, and certificate days. */
function measureRows({ policy, specsOf, lineOf, thresholds }: Kit): cloudwatch.IWidget[][] {
  const steps = specsOf(METRICS.stepDuration.name);
  const lags = specsOf(METRICS.syncLag.name);
  const failures = specsOf(METRICS.failures.name);
  const heartbeat = specsOf(METRICS.heartbeat.name);
  const maintenance = specsOf(METRICS.maintenance.name);
  const certs = specsOf(METRICS.certDaysLeft.name);
  return [
    [
      new cloudwatch.GraphWidget({
        title: 'Journey step duration (ms, slowest per period)',
        left: steps.map((s) => lineOf(s, DIMENSIONS.step)),
        leftAnnotations: thresholds(steps, DIMENSIONS.step),
        leftYAxis: { min: 0, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Sync lag per source (s since last successful sync)',
        left: lags.map((s) => lineOf(s, DIMENSIONS.source)),
        leftAnnotations: thresholds(lags, DIMENSIONS.source),
        leftYAxis: { min: 0, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Failed runs by class; runs completed (heartbeat), maintenance windows, launch statistics unknown',
        // A class's failures of one probe alone (the journey's, an LPS system's) are labelled with the probe.
        left: failures.map((s) => {
          const probe = s.metric.dimensions[DIMENSIONS.probe];
          return probe ? specMetric(policy, s).with({ label: `${s.class} (${probe})` }) : lineOf(s, DIMENSIONS.failureClass);
        }),
        right: [
          ...heartbeat.map((s) => specMetric(policy, s).with({ label: 'heartbeat (runs)' })),
          ...maintenance.map((s) => specMetric(policy, s).with({ label: 'maintenance window open' })),
          ...specsOf(METRICS.launchStatsUnknown.name).map((s) => specMetric(policy, s).with({ label: 'launch statistics unknown' })),
        ],
        stacked: false,
        leftYAxis: { min: 0, showUnits: false },
        rightYAxis: { min: 0, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'TLS certificate days left per node',
        left: certs.map((s) => lineOf(s, DIMENSIONS.node)),
        leftAnnotations: thresholds(certs, DIMENSIONS.node),
        leftYAxis: { min: 0, showUnits: false },
        width: HALF,
        height: GRAPH_HEIGHT,
      }),
    ],
  ];
}

/** A row per LPS vendor: its certified launches, its clinics' refused share, its page. */
function vendorRows({ config, policy, alarms, fastest }: Kit): cloudwatch.IWidget[][] {
  const vendors = [...new Set(config.lps.profiles.map((p) => p.vendor))];
  const lpsPeriod = policy.alarms.find((a) => a.class === 'lps')?.periodSeconds ?? fastest;
  const metric = (name: string, dimensions: Record<string, string>, statistic: string, label: string) =>
    new cloudwatch.Metric({ namespace: policy.namespace, metricName: name, dimensionsMap: { [DIMENSIONS.environment]: policy.environment, ...dimensions }, statistic, period: Duration.seconds(lpsPeriod), label });
  return vendors.map((vendor) => {
    const systems = config.lps.profiles.filter((p) => p.vendor === vendor);
    const page = alarms.composites.get(vendorCompositeId(vendor));
    return [
      new cloudwatch.GraphWidget({
        title: `${vendor}: certified launch accepted (1 = yes), per system`,
        left: systems.map((p) => metric(METRICS.success.name, { [DIMENSIONS.probe]: PROBE_IDS.launch(p.system) }, 'Average', `${p.system} (${p.style})`)),
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: THIRD,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `${vendor}: clinics' real launches refused (%), per system`,
        left: systems.map((p) => metric(METRICS.launchRejectedPercent.name, { [DIMENSIONS.system]: p.system }, 'Maximum', p.system)),
        leftAnnotations: [{ value: config.lps.maxRejectedPercent, label: `lps threshold (≥ ${config.lps.minLaunches} launches)`, color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, max: 100, showUnits: false },
        width: THIRD,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: `${vendor}: its page (${vendorCompositeId(vendor)}) and its systems' alarms`,
        alarms: [...(page ? [page] : []), ...systems.map((p) => alarms.alarms.get(lpsAlarmId(p.system))).filter((a): a is cloudwatch.Alarm => !!a)],
        width: THIRD,
        height: GRAPH_HEIGHT,
      }),
    ];
  });
}

export class MonitorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitorDashboardProps) {
    super(scope, id);
    const kit = kitOf(props);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(props.config.environment),
      defaultInterval: Duration.hours(12),
    });
    const everyAlarm = new cloudwatch.AlarmStatusWidget({
      title: 'Every alarm of the policy (no actions of their own)',
      alarms: [...props.alarms.alarms.values()],
      width: FULL,
      height: 4,
    });
    for (const row of [...overviewRows(kit), ...measureRows(kit), ...vendorRows(kit), [everyAlarm]]) this.dashboard.addWidgets(...row);
  }
}
