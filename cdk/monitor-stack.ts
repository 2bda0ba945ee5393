/**
 * The monitor in AWS: artifacts bucket, probe functions on their schedules, the alarm policy
 * with its composites, a topic per owner, the dashboard, and the notifier that pages the owners
 * and on-call when a composite changes state, all from one validated config.
 */
import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { requiredSecrets } from '../lib/runtime/function-calls.ts';
import { Construct } from 'constructs';
import { alarmPolicy, type AlarmPolicy } from '../lib/alarms/policy.ts';
import { allOwners, type Config } from '../lib/core/config.ts';
import { PolicyAlarms } from './alarms.ts';
import { ArtifactsBucket } from './artifacts-bucket.ts';
import { dashboardName, MonitorDashboard } from './dashboard.ts';
import { Notifier } from './notifier.ts';
import { ProbeFunctions } from './probe-functions.ts';
import { addJourneyRecheck } from './journey-recheck.ts';
import { ON_CALL, OwnerTopics, ownerSlug } from './topics.ts';
import { WindowOperators } from './window-operators.ts';
import { STATE_PREFIX } from '../lib/core/windows.ts';

/** CloudWatch standard-resolution alarms take periods in whole minutes. */
export const MIN_ALARM_PERIOD_SECONDS = 60;

export interface MonitorStackProps extends StackProps {
  config: Config;
}

/** The stack's name for an environment: one stack per environment can share an account. */
export function stackName(environment: string): string {
  return `FlpMonitor-${environment.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

export class MonitorStack extends Stack {
  readonly config: Config;
  readonly policy: AlarmPolicy;
  readonly artifacts: ArtifactsBucket;
  readonly probes: ProbeFunctions;
  readonly topics: OwnerTopics;
  readonly alarms: PolicyAlarms;
  readonly dashboard: MonitorDashboard;
  readonly notifier: Notifier;
  readonly windowOperators: WindowOperators;

  constructor(scope: Construct, id: string, props: MonitorStackProps) {
    super(scope, id, { description: `flp-monitor: synthetic monitoring of FLP (${props.config.environment})`, ...props });
    const { config } = props;
    this.config = config;
    // Its S3 prefix would be the latest results' (latest/<environment>/…, expired after days).
    if (config.environment === 'latest') throw new Error('environment: "latest" names the S3 prefix of the latest results; name the environment otherwise');
    // Its artifacts would be state/…, the prefix of the maintenance windows, which never expires.
    if (`${config.environment}/` === STATE_PREFIX) throw new Error('environment: "state" names the S3 prefix of the deployment\'s state (maintenance windows); name the environment otherwise');
    this.policy = alarmPolicy(config, { minPeriodSeconds: MIN_ALARM_PERIOD_SECONDS });

    this.artifacts = new ArtifactsBucket(this, 'Artifacts', { retentionDays: config.aws.artifactsRetentionDays, environment: config.environment });
    // Every owner a page can be for: the classes' owners and each LPS vendor (an lps page is its vendor's).
    this.topics = new OwnerTopics(this, 'Topics', { environment: config.environment, owners: allOwners(config) });
    // The journey function tells KiAP and a release window's owner the verdict of a release it verified.
    this.probes = new ProbeFunctions(this, 'Probes', { config, namespace: this.policy.namespace, artifactsBucket: this.artifacts.bucket, topics: this.topics });
    addJourneyRecheck(this.probes, config, this.probes);
    this.alarms = new PolicyAlarms(this, 'Alarms', { config, policy: this.policy, artifactsBucketName: this.artifacts.bucket.bucketName });
    this.dashboard = new MonitorDashboard(this, 'Dashboard', { config, policy: this.policy, alarms: this.alarms });
    this.notifier = new Notifier(this, 'Notifier', {
      config,
      policy: this.policy,
      alarms: this.alarms,
      topics: this.topics,
      artifactsBucket: this.artifacts.bucket,
      dashboardName: dashboardName(config.environment),
    });

    // What must exist before the deploy: the stack names these secrets and never creates them (docs/deploy.md, "Secrets").
    const secrets = requiredSecrets(config);
    if (secrets.length)
      Annotations.of(this).addInfo(
        `Create these Secrets Manager secrets in the stack's account and region before \`cdk deploy\` (docs/deploy.md, "Secrets"):\n` +
          secrets.map((x) => `  - ${x.name}: ${x.holds}; read by ${x.readBy.join(', ')}`).join('\n'),
      );

    this.windowOperators = new WindowOperators(this, 'WindowOperators', { environment: config.environment, artifactsBucket: this.artifacts.bucket });

    new CfnOutput(this, 'ArtifactsBucketName', { value: this.artifacts.bucket.bucketName, description: 'Failure artifacts (screenshots, traces) under <environment>/<time>-journey/' });
    for (const [owner, topic] of this.topics.byOwner) {
      new CfnOutput(this, `TopicArn${pascalCase(ownerSlug(owner))}`, { value: topic.topicArn, description: `SNS topic paging ${owner} for its own failure classes` });
    }
    new CfnOutput(this, 'TopicArnOnCall', { value: this.topics.onCall.topicArn, description: `SNS topic of ${ON_CALL}: every unsuppressed page` });
    for (const [group, logGroup] of Object.entries(this.probes.logGroups)) {
      new CfnOutput(this, `LogGroup${pascalCase(group)}`, { value: logGroup.logGroupName, description: `Log group of the ${group} function (one JSON line per probe result)` });
    }
    new CfnOutput(this, 'NotifierFunctionName', { value: this.notifier.function.functionName, description: 'The notifier: pages the owners and on-call when a paging alarm changes state (its log says what was paged, to whom)' });
    new CfnOutput(this, 'NotifierDeadLetterQueueUrl', { value: this.notifier.deadLetters.queueUrl, description: 'Alarm state changes the notifier could not page (a message here pages on-call)' });
    new CfnOutput(this, 'WindowOperatorsPolicyArn', {
      value: this.windowOperators.policy.managedPolicyArn,
      description: `Attach to the role of whoever runs "flp-monitor window … --source aws": read and write ${this.windowOperators.key} in the artifacts bucket, nothing else`,
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'CloudWatch dashboard' });
  }
}

function pascalCase(s: string): string {
  return s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}
