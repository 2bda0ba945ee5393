/**
 * Renders the alarm policy (lib/alarms/policy.ts) into CloudWatch, generically: every spec
 * becomes a metric alarm without actions; every composite spec becomes a composite alarm (any
 * of its members in ALARM) with its actions suppressed while the root causes the policy names
 * (`suppressedBy`) are in ALARM. Their one action is the notifier (cdk/notifier.ts), which pages
 * the owner's topic and on-call's with the cause and its evidence when CloudWatch runs it, so
 * CloudWatch's suppression applies to every page. Nothing here states a
 * threshold, a period or a metric name.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { evidenceHint, type AlarmPolicy, type AlarmSpec, type Comparison, type CompositeSpec, type MissingData } from '../lib/alarms/policy.ts';
import { suppressionPeriods } from '../lib/alarms/suppression.ts';
import type { Config } from '../lib/core/config.ts';
import { alarmNamePrefix } from '../lib/core/contract.ts';

/** CloudWatch's limit for an alarm description. */
const DESCRIPTION_LIMIT = 1024;
/** The placeholder evidenceHint() leaves for the bucket, replaced by the real name at deploy time. */
const BUCKET_PLACEHOLDER = '<artifacts bucket>';
/** S3 bucket names are at most 63 characters. */
const BUCKET_NAME_MAX = 63;

const COMPARISON: Record<Comparison, cloudwatch.ComparisonOperator> = {
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const MISSING_DATA: Record<MissingData, cloudwatch.TreatMissingData> = {
  breaching: cloudwatch.TreatMissingData.BREACHING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
  missing: cloudwatch.TreatMissingData.MISSING,
};

/** The alarm name of a spec or composite: `flp-<environment>-<id>`. */
export function alarmName(policy: AlarmPolicy, id: string): string {
  return `${alarmNamePrefix(policy.environment)}${id}`;
}

/** The id of the suppressor alarm standing for a set of alarms (one member: that alarm itself). */
export function suppressorId(ids: readonly string[]): string {
  return `suppressor-${[...new Set(ids)].sort().join('-or-')}`;
}

/** The metric of a spec, as CloudWatch and the dashboard see it. */
export function specMetric(policy: AlarmPolicy, spec: AlarmSpec): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: policy.namespace,
    metricName: spec.metric.name,
    dimensionsMap: spec.metric.dimensions,
    statistic: spec.metric.statistic,
    period: Duration.seconds(spec.periodSeconds),
  });
}

export interface PolicyAlarmsProps {
  config: Config;
  policy: AlarmPolicy;
  /** The artifacts bucket's name, put into every description's evidence line. */
  artifactsBucketName: string;
}

export class PolicyAlarms extends Construct {
  /** Spec id → metric alarm. */
  readonly alarms = new Map<string, cloudwatch.Alarm>();
  /** Composite spec id → paging composite alarm (its state changes are what the notifier pages on). */
  readonly composites = new Map<string, cloudwatch.CompositeAlarm>();
  /** Suppressor id → the alarm that suppresses (a composite of several, or the one alarm). */
  readonly suppressors = new Map<string, cloudwatch.IAlarm>();

  constructor(scope: Construct, id: string, props: PolicyAlarmsProps) {
    super(scope, id);
    const { config, policy } = props;
    const names = new Set<string>();
    const uniqueName = (alarmId: string) => {
      const name = alarmName(policy, alarmId);
      if (names.has(name)) throw new Error(`alarm policy: two alarms would be named "${name}"`);
      names.add(name);
      return name;
    };
    const hint = evidenceHint(config);
    const longest = (text: string) =>
      // The bucket's name is known at deploy time; count it at its longest.
      text.length + (text.includes(BUCKET_PLACEHOLDER) ? BUCKET_NAME_MAX - BUCKET_PLACEHOLDER.length : 0);
    /** `lines` and the evidence line always; `extra` (member lists) only while within the limit. */
    const describe = (alarmId: string, lines: string[], extra: string[] = []): string => {
      let text = [...lines, hint].join(' ');
      if (longest(text) > DESCRIPTION_LIMIT)
        throw new Error(`alarm policy: the description of "${alarmId}" may be ${longest(text)} characters, more than CloudWatch's ${DESCRIPTION_LIMIT}; shorten its runbook`);
      for (const line of extra) {
        const withLine = [...lines, line, hint].join(' ');
        if (longest(withLine) > DESCRIPTION_LIMIT) break;
        lines = [...lines, line];
        text = withLine;
      }
      return text.split(BUCKET_PLACEHOLDER).join(props.artifactsBucketName);
    };

    const metrics = new Construct(this, 'Metric');
    for (const spec of policy.alarms) {
      this.alarms.set(
        spec.id,
        // No actions: only the composites page, so suppression applies to every page.
        new cloudwatch.Alarm(metrics, spec.id, {
          alarmName: uniqueName(spec.id),
          alarmDescription: describe(spec.id, [
            `${spec.title}.`,
            `Class: ${spec.class}. Owner: ${spec.owner}. Severity: ${spec.severity}.`,
            spec.runbook,
          ]),
          metric: specMetric(policy, spec),
          threshold: spec.threshold,
          comparisonOperator: COMPARISON[spec.comparison],
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: MISSING_DATA[spec.treatMissingData],
        }),
      );
    }
    const alarm = (alarmId: string, of: string): cloudwatch.Alarm => {
      const a = this.alarms.get(alarmId);
      if (!a) throw new Error(`alarm policy: composite "${of}" names "${alarmId}", which is not an alarm of the policy`);
      return a;
    };
    const anyOf = (ids: readonly string[], of: string) =>
      cloudwatch.AlarmRule.anyOf(...ids.map((i) => cloudwatch.AlarmRule.fromAlarm(alarm(i, of), cloudwatch.AlarmState.ALARM)));

    const suppressors = new Construct(this, 'Suppressor');
    const suppressorFor = (composite: CompositeSpec): cloudwatch.IAlarm => {
      const ids = [...new Set(composite.suppressedBy)].sort();
      const key = suppressorId(ids);
      let s = this.suppressors.get(key);
      if (!s) {
        // CloudWatch takes one suppressor per composite: several root causes become one "any of" composite.
        s =
          ids.length === 1
            ? alarm(ids[0]!, composite.id)
            : new cloudwatch.CompositeAlarm(suppressors, key, {
                compositeAlarmName: uniqueName(key),
                alarmDescription: `Not a page: in ALARM while any of ${ids.map((i) => alarmName(policy, i)).join(', ')} is; suppresses the actions of the alarms they cause.`,
                alarmRule: anyOf(ids, composite.id),
              });
        this.suppressors.set(key, s);
      }
      return s;
    };

    const composites = new Construct(this, 'Composite');
    for (const spec of policy.composites) {
      if (spec.alarms.length === 0) throw new Error(`alarm policy: composite "${spec.id}" has no member alarms`);
      const periods = suppressionPeriods(policy, spec);
      const suppressed = spec.suppressedBy.length > 0;
      const composite = new cloudwatch.CompositeAlarm(composites, spec.id, {
        compositeAlarmName: uniqueName(spec.id),
        alarmDescription: describe(spec.id, [
          `${spec.title}.`,
          `Class: ${spec.class}. Owner: ${spec.owner}. Severity: ${spec.severity}.`,
          spec.runbook,
        ], [
          ...(suppressed ? [`Quiet while any of: ${spec.suppressedBy.join(', ')}.`] : []),
          `Members: ${spec.alarms.join(', ')}.`,
        ]),
        alarmRule: anyOf(spec.alarms, spec.id),
        ...(suppressed
          ? {
              actionsSuppressor: suppressorFor(spec),
              actionsSuppressorWaitPeriod: Duration.seconds(periods.waitSeconds),
              actionsSuppressorExtensionPeriod: Duration.seconds(periods.extensionSeconds),
            }
          : {}),
      });
      // Its one action, for ALARM and OK, is the notifier (cdk/notifier.ts adds it): it pages with the evidence.
      this.composites.set(spec.id, composite);
    }
  }
}
