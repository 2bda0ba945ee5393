/**
 * Grants a function's role exactly the AWS calls its code declares (lib/runtime/function-calls.ts,
 * from the declarations beside each adapter): one statement per action and condition, on the
 * resources the calls name, rendered here as the stack's ARNs. Nothing is granted that no call
 * needs (the log group's own grant and the VPC role aside), and a grant whose resource holds a
 * wildcard is acknowledged to cdk-nag with the calls' own reasons.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { AwsCall, AwsResource } from '../lib/core/aws-calls.ts';
import { ON_CALL } from '../lib/core/resource-names.ts';

/** What the calls' resources are in this stack. */
export interface GrantTargets {
  bucket: s3.IBucket;
  /** The bucket's CloudFormation logical id, as cdk-nag names it in a finding (`<Id.Arn>`). */
  bucketLogicalId: string;
  topics: { byOwner: ReadonlyMap<string, { topicArn: string }>; onCall: { topicArn: string }; key: { keyArn: string } };
}

interface Rendered {
  /** The ARN (a token where the resource is the stack's). */
  arn: string;
  /** How cdk-nag writes the resource in an IAM5 finding, when it holds a wildcard. */
  nagId?: string;
  condition?: Record<string, Record<string, string>>;
}

function render(scope: Stack, r: AwsResource, t: GrantTargets): Rendered {
  switch (r.type) {
    case 'bucket-object':
      return { arn: t.bucket.arnForObjects(r.key), ...(r.key.includes('*') ? { nagId: `<${t.bucketLogicalId}.Arn>/${r.key}` } : {}) };
    case 'metrics':
      // CloudWatch has no resource-level permissions for metrics; the namespace condition confines a put.
      return { arn: '*', nagId: '*', ...(r.namespace ? { condition: { StringEquals: { 'cloudwatch:namespace': r.namespace } } } : {}) };
    case 'topic': {
      const topic = r.owner === ON_CALL ? t.topics.onCall : t.topics.byOwner.get(r.owner);
      if (!topic) throw new Error(`a declared call publishes to ${r.owner}'s topic, which the stack does not have`);
      return { arn: topic.topicArn };
    }
    case 'topic-key':
      return { arn: t.topics.key.keyArn };
    case 'secret':
      // A secret's ARN ends in `-` and six random characters.
      return { arn: scope.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${r.name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) };
  }
}

const sidOf = (actions: readonly string[]) =>
  actions
    .map((a) => a.replace(/(^|[:_-])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, ''))
    .join('')
    .slice(0, 100);

/**
 * Adds to `role` one statement per action and condition for `calls`, statements with the same
 * resources and condition merged, and acknowledges each wildcard resource to cdk-nag.
 */
export function grantCalls(role: iam.Role, calls: readonly AwsCall[], targets: GrantTargets): void {
  const stack = Stack.of(role);
  const byAction = new Map<string, { actions: string[]; arns: string[]; condition?: Rendered['condition']; resourceKeys: string[] }>();
  const reasons = new Map<string, string[]>();
  for (const call of calls) {
    const r = render(stack, call.resource, targets);
    const group = `${call.action} ${JSON.stringify(r.condition ?? null)}`;
    const entry = byAction.get(group) ?? { actions: [call.action], arns: [], ...(r.condition ? { condition: r.condition } : {}), resourceKeys: [] };
    const resourceKey = JSON.stringify(stack.resolve(r.arn));
    if (!entry.resourceKeys.includes(resourceKey)) {
      entry.resourceKeys.push(resourceKey);
      entry.arns.push(r.arn);
    }
    byAction.set(group, entry);
    if (r.nagId) reasons.set(r.nagId, [...(reasons.get(r.nagId) ?? []), `${call.action}: ${call.why}`]);
  }
  // One statement for the actions that share their resources and condition (kms:GenerateDataKey and kms:Decrypt on the key).
  const merged = new Map<string, { actions: string[]; arns: string[]; condition?: Rendered['condition'] }>();
  for (const e of byAction.values()) {
    const key = `${e.resourceKeys.join(',')} ${JSON.stringify(e.condition ?? null)}`;
    const m = merged.get(key);
    if (m) m.actions.push(...e.actions);
    else merged.set(key, { actions: [...e.actions], arns: e.arns, ...(e.condition ? { condition: e.condition } : {}) });
  }
  const sids = new Set<string>();
  for (const m of merged.values()) {
    let sid = sidOf(m.actions);
    for (let i = 2; sids.has(sid); i++) sid = `${sidOf(m.actions)}${i}`;
    sids.add(sid);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions: m.actions, resources: m.arns, ...(m.condition ? { conditions: m.condition } : {}) }));
  }
  for (const [nagId, why] of reasons) {
    const text = [...new Set(why)].join('; ');
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagId}]`,
      reason:
        nagId === '*'
          ? `CloudWatch supports no resource-level permissions for metrics, so the Resource must be "*" (a put is confined by the cloudwatch:namespace condition). The calls: ${text}.`.slice(0, 1000)
          : `Object names under this prefix are known only at run time; the grant is these actions on that prefix of the artifacts bucket only. The calls: ${text}.`.slice(0, 1000),
    });
  }
}
