/**
 * The environment variables the Lambda handlers read, named once: the handlers read them and
 * the CDK stack sets them. It imports nothing, so the stack can take the names without
 * loading a handler.
 */
export const HANDLER_ENV = {
  /**
   * The artifacts bucket: the journey's failure artifacts go there, every probe function writes
   * its group's latest results there (`latest/<environment>/<group>.json`), the notifier reads
   * both. Without it, artifacts stay in /tmp and no latest results are kept.
   */
  artifactsBucket: 'FLP_ARTIFACTS_BUCKET',
  /**
   * The notifier and the journey function: on-call's SNS topic ARN. Every other topic of the
   * deployment is the same ARN with the owner's topic name (lib/core/resource-names.ts
   * `topicName`) in place of on-call's, so the environment need not carry every ARN; and the
   * notifier can page on-call with the raw alarm even when its config does not load.
   */
  onCallTopicArn: 'FLP_ON_CALL_TOPIC_ARN',
  /** The notifier only: the deployed CloudWatch dashboard, linked from every page. */
  dashboardName: 'FLP_DASHBOARD_NAME',
  /** Secrets Manager secret with journey credentials; read once per container when set. */
  journeySecretArn: 'FLP_JOURNEY_SECRET_ARN',
  /** Set by Lambda. */
  region: 'AWS_REGION',
  /** Set by Lambda: the function's code directory (/var/task), where the stack ships the config ({@link SHIPPED_CONFIG_FILE}) and the CA beside the bundle. A relative `target.caFile` is read from there. Default: the working directory. */
  taskRoot: 'LAMBDA_TASK_ROOT',
  /** `debug | info | warn | error`: the monitor's own diagnostics (result lines are always logged). Default `warn`. */
  logLevel: 'FLP_LOG_LEVEL',
  /** Only for local tests: loopback endpoints instead of AWS. */
  cloudWatchEndpoint: 'FLP_CLOUDWATCH_ENDPOINT',
  s3Endpoint: 'FLP_S3_ENDPOINT',
  secretsEndpoint: 'FLP_SECRETS_ENDPOINT',
  snsEndpoint: 'FLP_SNS_ENDPOINT',
} as const;

/**
 * The validated config, as JSON, beside each function's bundle (in `LAMBDA_TASK_ROOT`): a file
 * rather than an environment variable, since Lambda allows 4 KB of environment in all and a
 * config with eight vendors and four sync sources is about 3 KB by itself.
 */
export const SHIPPED_CONFIG_FILE = 'flp-config.json';
