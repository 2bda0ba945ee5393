/**
 * The notifier in AWS: the function that pages people (lib/runtime/notifier-handler.ts, its own
 * small arm64 bundle without Playwright), the alarm and OK action of every paging composite
 * alarm, and what keeps a page from getting lost on the way: Lambda retries a failed run, and
 * what still fails lands in an encrypted, TLS-only dead-letter queue. Two alarms watch the notifier itself — any error of the function,
 * any message in the queue — and page on-call's topic straight from CloudWatch, since the
 * notifier is what would otherwise page.
 *
 * The function may do exactly what a page needs: read the latest results and the artifacts it
 * links (`latest/<env>/*`, `<env>/*`: s3:GetObject, which pre-signed links also use), publish to
 * the owners' and on-call's topics (and use their key), read each channel's secret (its ARN,
 * never its value, is all the template holds), and put NotificationFailed into the namespace.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import path from 'node:path';
import type { AlarmPolicy } from '../lib/alarms/policy.ts';
import { channelNames, type Config } from '../lib/core/config.ts';
import { NOTIFIER_MEMORY_MB } from '../lib/reports/cost/model.ts';
import { HANDLER_ENV as ENV, SHIPPED_CONFIG_FILE } from '../lib/runtime/handler-env.ts';
import { shipText } from './shipped-files.ts';
import { grantCalls } from './grants.ts';
import { functionCalls } from '../lib/runtime/function-calls.ts';
import type { PolicyAlarms } from './alarms.ts';
import { ESM_BUNDLING, PROBE_RUNTIME, PROJECT_ROOT } from './bundling.ts';
import { bucketLogicalId, checkEnvironmentSize, lambdaConfig, logRetention } from './function-config.ts';
import { resourceName } from '../lib/core/resource-names.ts';
import { alarmNamePrefix } from '../lib/core/contract.ts';
import type { OwnerTopics } from './topics.ts';

/** The notifier's module and export. */
export const NOTIFIER_ENTRY = path.join(PROJECT_ROOT, 'lib', 'runtime', 'notifier-handler.ts');
export const NOTIFIER_HANDLER = 'notifierHandler';
/** Reading three small documents, signing links, two publishes and the channels, with the fallback's 5 s reserve: well within this. */
export const NOTIFIER_TIMEOUT_SECONDS = 60;
/** Lambda's retries of a run that failed (the raw alarm already went out; a retry may still get the full page through). */
export const FUNCTION_RETRY_ATTEMPTS = 2;
/** An alarm event older than this is dead-lettered rather than paged late. */
export const MAX_EVENT_AGE = Duration.hours(2);
/** How long an undelivered alarm event waits in the dead-letter queue for someone to look. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

export interface NotifierProps {
  config: Config;
  policy: AlarmPolicy;
  /** The paging composites whose state changes the notifier pages on. */
  alarms: PolicyAlarms;
  topics: OwnerTopics;
  artifactsBucket: s3.IBucket;
  /** The deployed dashboard, linked from every page. */
  dashboardName: string;
}

/**
 * Refuses a channel whose secret would be written into the template: in a deployment a
 * PagerDuty routing key and a Slack, Teams or webhook URL come from Secrets Manager
 * (`secretName`). PagerDuty's `url`, the Events API endpoint, is no secret.
 */
export function checkChannelSecrets(config: Config): void {
  const names = channelNames(config.notify.channels);
  const problems = config.notify.channels.flatMap((c, i) => {
    const at = `notify.channels[${i}] (${names[i]})`;
    const out: string[] = [];
    if (c.routingKey) out.push(`${at}.routingKey`);
    if (c.url && c.type !== 'pagerduty') out.push(`${at}.url`);
    return out;
  });
  if (problems.length)
    throw new Error(
      `${problems.join(', ')} would be written into the CloudFormation template and the functions' environment; ` +
        'put the value in Secrets Manager and name it with secretName (read at run time, never in the template)',
    );
}

export class Notifier extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly deadLetters: sqs.Queue;
  /** The config the notifier finds beside its bundle (`flp-config.json`), as shipped. */
  readonly shippedConfig: string;
  /** Errors of the notifier function (≥ 1 in a minute): pages on-call directly. */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Alarm events in the dead-letter queue (≥ 1): pages on-call directly. */
  readonly deadLettersAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const { config, policy, topics, artifactsBucket } = props;
    const env = config.environment;
    checkChannelSecrets(config);
    const composites = [...props.alarms.composites.values()];
    if (!composites.length) throw new Error('alarm policy: no composite alarms, so the notifier would page on nothing');

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      queueName: resourceName(env, 'notifier-dead-letters').slice(0, 80),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logRetention(config.aws.artifactsRetentionDays),
      // What was paged, when and to whom: kept like the probes' logs.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const namespace = policy.namespace;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `flp-monitor notifier (${env}): read the latest results and artifacts, publish pages to the owners' and on-call's topics, read the channels' secrets, publish NotificationFailed to ${namespace}`,
    });
    this.logGroup.grantWrite(role);

    // Exactly what the notifier's handler sends (lib/runtime/function-calls.ts).
    grantCalls(role, functionCalls(config, 'notifier'), { bucket: artifactsBucket, bucketLogicalId: bucketLogicalId(artifactsBucket), topics });

    this.shippedConfig = JSON.stringify(lambdaConfig(config));
    const shipConfig = shipText(this, SHIPPED_CONFIG_FILE, this.shippedConfig);
    const environment: Record<string, string> = {
      [ENV.artifactsBucket]: artifactsBucket.bucketName,
      // Every owner's topic follows from on-call's (lib/runtime/topic-arns.ts).
      [ENV.onCallTopicArn]: topics.onCall.topicArn,
      [ENV.dashboardName]: props.dashboardName,
      NODE_OPTIONS: '--enable-source-maps',
    };
    checkEnvironmentSize('notifier', environment);

    this.function = new NodejsFunction(this, 'Function', {
      functionName: resourceName(env, 'notifier'),
      description: `flp-monitor: pages the owner and on-call when a paging alarm of ${env} changes state, with the cause and its evidence`,
      entry: NOTIFIER_ENTRY,
      handler: NOTIFIER_HANDLER,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: PROBE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: NOTIFIER_MEMORY_MB,
      timeout: Duration.seconds(NOTIFIER_TIMEOUT_SECONDS),
      role,
      logGroup: this.logGroup,
      environment,
      // Outside any VPC: it talks to AWS APIs and to the channels on the internet, never to FLP.
      retryAttempts: FUNCTION_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetters,
      bundling: {
        ...ESM_BUNDLING,
        commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir: string, outputDir: string) => [shipConfig(outputDir)] },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `Pinned to ${PROBE_RUNTIME.name} like the probe functions: one runtime for every function of the stack, moved together with the Chromium layer.`,
    });

    // The notifier is each paging composite's alarm and OK action: CloudWatch invokes it exactly
    // when it runs the composite's actions, so its suppressor (maintenance, a root cause holding
    // its symptoms back, the wait and extension periods) has been applied by CloudWatch itself.
    // The invocation is asynchronous: Lambda retries a failed run, then dead-letters the event.
    const invoke = new actions.LambdaAction(this.function, { useUniquePermissionId: true });
    for (const composite of composites) {
      composite.addAlarmAction(invoke);
      composite.addOkAction(invoke);
    }

    const page = new actions.SnsAction(topics.onCall);
    const owner = config.owners.monitor;
    this.errorsAlarm = new cloudwatch.Alarm(this, 'Errors', {
      alarmName: `${alarmNamePrefix(env)}notifier-errors`,
      alarmDescription:
        `The notifier failed: a page may have gone out only as the raw alarm, or not at all. Class: monitor. Owner: ${owner}. Severity: page. ` +
        `Pages on-call directly, not through the notifier. Check first: the notifier's log (${resourceName(env, 'notifier')}): "monitor failure" and "raw alarm" lines name what failed; then the composite alarms' state in the console.`,
      metric: this.function.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm = new cloudwatch.Alarm(this, 'DeadLetterMessages', {
      alarmName: `${alarmNamePrefix(env)}notifier-dead-letters`,
      alarmDescription:
        `An alarm state change was not paged in full: the notifier failed on it ${FUNCTION_RETRY_ATTEMPTS + 1} times, or it waited longer than ${MAX_EVENT_AGE.toHours()} h to run (at most the raw alarm went out). Class: monitor. Owner: ${owner}. Severity: page. ` +
        `Pages on-call directly. Check first: the message in ${resourceName(env, 'notifier-dead-letters')} (it is the alarm event) and the composite alarm it names.`,
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const a of [this.errorsAlarm, this.deadLettersAlarm]) {
      a.addAlarmAction(page);
      a.addOkAction(page);
    }
  }
}
