/**
 * One SNS topic per owner organisation (PLSP, KiAP, the monitor's owner: whoever `owners` in the
 * config names) and one for on-call, so each organisation subscribes to its own causes only.
 * The notifier (cdk/notifier.ts) publishes the pages; CloudWatch publishes the alarms on the
 * notifier itself to on-call's. Encrypted with one customer-managed key that CloudWatch may use
 * (an AWS-managed SNS key cannot be opened to CloudWatch alarms), TLS-only, publishable by this
 * account's `flp-<environment>-*` alarms.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ON_CALL, ownerSlug, topicName } from '../lib/core/resource-names.ts';
import { alarmNamePrefix } from '../lib/core/contract.ts';

export { ON_CALL, ownerSlug } from '../lib/core/resource-names.ts';

export interface OwnerTopicsProps {
  environment: string;
  /** The organisations to page, as the config's `owners` names them (duplicates allowed). */
  owners: readonly string[];
}

export class OwnerTopics extends Construct {
  /** Owner name → topic. */
  readonly byOwner = new Map<string, sns.Topic>();
  readonly onCall: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: OwnerTopicsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmArns = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${alarmNamePrefix(props.environment)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': alarmArns },
    };

    this.key = new kms.Key(this, 'Key', {
      description: `flp-monitor alarm topics (${props.environment})`,
      enableKeyRotation: true,
    });
    // CloudWatch encrypts the messages it publishes to the topics.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );

    const topic = (idPart: string, who: string, display: string): sns.Topic => {
      const t = new sns.Topic(this, idPart, {
        topicName: topicName(props.environment, who),
        displayName: display.slice(0, 100),
        masterKey: this.key,
        enforceSSL: true,
      });
      t.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [t.topicArn],
          conditions: fromOurAlarms,
        }),
      );
      return t;
    };

    const seen = new Map<string, string>();
    for (const owner of new Set(props.owners)) {
      const slug = ownerSlug(owner).toLowerCase();
      if (slug === ON_CALL) throw new Error(`owners: "${owner}" is the name of the on-call topic; name the organisation otherwise`);
      const clash = seen.get(slug);
      if (clash !== undefined) throw new Error(`owners: "${owner}" and "${clash}" would share the SNS topic "${slug}"; name them apart`);
      seen.set(slug, owner);
      this.byOwner.set(owner, topic(`Owner-${ownerSlug(owner)}`, owner, `FLP alarms for ${owner} (${props.environment})`));
    }
    this.onCall = topic('OnCall', ON_CALL, `FLP alarms for on-call (${props.environment})`);
  }

  /** The topic of `owner`. */
  of(owner: string): sns.Topic {
    const t = this.byOwner.get(owner);
    if (!t) throw new Error(`no topic for owner "${owner}"`);
    return t;
  }
}
