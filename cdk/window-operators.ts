/**
 * The customer-managed IAM policy `flp-<environment>-window-operators`: what a person (or a
 * release pipeline) needs to run `flp-monitor window … --source aws`, and nothing more:
 * s3:GetObject and s3:PutObject on the one state object `state/<environment>/windows.json` of
 * the artifacts bucket. The operators attach it to their own role; the stack outputs its ARN
 * (`WindowOperatorsPolicyArn`). No KMS grant: the bucket is encrypted with S3-managed keys
 * (SSE-S3), which need none. No s3:ListBucket: a window list that was never written reads as
 * S3's 403, which the CLI takes as "no windows yet".
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { windowsKey } from '../lib/core/windows.ts';

export interface WindowOperatorsProps {
  environment: string;
  artifactsBucket: s3.IBucket;
}

/** IAM names: letters, digits and `+=,.@_-`, at most 128. */
export function windowOperatorsPolicyName(environment: string): string {
  return `flp-${environment}-window-operators`.replace(/[^A-Za-z0-9+=,.@_-]/g, '-').slice(0, 128);
}

export class WindowOperators extends Construct {
  readonly policy: iam.ManagedPolicy;
  /** The state object's key in the artifacts bucket. */
  readonly key: string;

  constructor(scope: Construct, id: string, props: WindowOperatorsProps) {
    super(scope, id);
    this.key = windowsKey(props.environment);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: windowOperatorsPolicyName(props.environment),
      description: `flp-monitor (${props.environment}): add, end and remove run-time maintenance windows (flp-monitor window … --source aws)`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadAndWriteMaintenanceWindows',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.artifactsBucket.arnForObjects(this.key)],
        }),
      ],
    });
  }
}
