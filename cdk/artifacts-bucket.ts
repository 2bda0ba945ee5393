/**
 * Where failed journeys leave their evidence (screenshot, Playwright trace), every probe
 * function its group's latest results for the notifier (`latest/<environment>/<group>.json`),
 * and the operators the deployment's run-time maintenance windows
 * (`state/<environment>/windows.json`): an S3 bucket that is encrypted, private, TLS-only and
 * empties itself of evidence after `aws.artifactsRetentionDays` (the latest results, overwritten
 * every run, after a few days). The state under `state/` never expires: a window planned for next
 * month must still be there next month. Its server access logs go to a second bucket, so who read
 * the evidence is on record.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LATEST_PREFIX } from '../lib/core/latest-results.ts';

/** How long the access logs of the artifacts bucket are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 365;
/** Latest results are overwritten every run; one left behind (a group switched off, an environment gone) goes after this many days. */
export const LATEST_RETENTION_DAYS = 3;

export interface ArtifactsBucketProps {
  /** Days an artifact is kept (config `aws.artifactsRetentionDays`). */
  retentionDays: number;
  /** The environment: its artifacts are under `<environment>/`, the only prefix they expire in besides the latest results'. */
  environment: string;
}

export class ArtifactsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Evidence outlives the stack; the lifecycle rules empty the buckets in time.
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies s3.BucketProps;

    // cdk-nag S1 counts a bucket that receives access logs as logged: its own access is not logged again.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      // Not versioned: every run writes new keys (<environment>/<time>-journey/...), the probes may
      // only put, and the lifecycle below must really delete evidence when its time is up.
      versioned: false,
      lifecycleRules: [
        // By prefix, not the whole bucket: state/<environment>/ (the maintenance windows) must never expire.
        { id: 'expire-artifacts', prefix: `${props.environment}/`, expiration: Duration.days(props.retentionDays) },
        { id: 'expire-latest-results', prefix: LATEST_PREFIX, expiration: Duration.days(Math.min(LATEST_RETENTION_DAYS, props.retentionDays)) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
