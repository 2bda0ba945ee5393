/**
 * The environment variables the Lambda handlers read, named once: the handlers read them and
 * the CDK stack sets them. It imports nothing, so the stack can take the names without
 * loading a handler.
 */
export const HANDLER_ENV = {
  /** The validated config as JSON. Required. */
  config: 'FLP_CONFIG',
  /**
   * The artifacts bucket: the journey's failure artifacts go there, every probe function writes
   * its group's latest results there (`latest/<environment>/<group>.json`), the notifier reads
   * both. Without it, artifacts stay in /tmp and no latest results are kept.
   */
  artifactsBucket: 'FLP_ARTIFACTS_BUCKET',
  /** The notifier and the journey function: JSON `{ "<owner>": "<topic ARN>", …, "on-call": "<topic ARN>" }`, the topics a page (or a release verdict) is published to. */
  topicArns: 'FLP_TOPIC_ARNS',
  /** The notifier only: the deployed CloudWatch dashboard, linked from every page. */
  dashboardName: 'FLP_DASHBOARD_NAME',
  /** Secrets Manager secret with journey credentials; read once per container when set. */
  journeySecretArn: 'FLP_JOURNEY_SECRET_ARN',
  /** Set by Lambda. */
  region: 'AWS_REGION',
  /** Set by Lambda: the function's code directory (/var/task). A relative `target.caFile` is read from there: the stack ships the CA beside the bundle. Default: the working directory. */
  taskRoot: 'LAMBDA_TASK_ROOT',
  /** `debug | info | warn | error`: the monitor's own diagnostics (result lines are always logged). Default `warn`. */
  logLevel: 'FLP_LOG_LEVEL',
  /** Only for local tests: loopback endpoints instead of AWS. */
  cloudWatchEndpoint: 'FLP_CLOUDWATCH_ENDPOINT',
  s3Endpoint: 'FLP_S3_ENDPOINT',
  secretsEndpoint: 'FLP_SECRETS_ENDPOINT',
  snsEndpoint: 'FLP_SNS_ENDPOINT',
} as const;
