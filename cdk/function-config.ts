/**
 * What a probe function is given besides its code: the config shipped beside the bundle (without
 * what only the synthesizing machine needs), the private CA when there is one, an environment
 * within Lambda's 4 KB, and never a launch key in the template.
 */
import { readFileSync } from 'node:fs';
import { Annotations, Stack, Tokenization } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DEFAULT_SELECTORS, type Config } from '../lib/core/config.ts';
import { certificatesInPem } from '../lib/core/pem.ts';

/**
 * Refuses an LPS profile whose shared HMAC key would be written into the CloudFormation template
 * and the functions' environment: in a deployment a signed profile's key comes from Secrets
 * Manager (`keySecretName`, or `lpsKeys.<system>` in the journey secret), read at cold start.
 * A sandbox config (its targets unreachable from AWS anyway, its keys the sandbox's own) is let
 * through with a warning.
 */
export function checkLaunchKeys(config: Config): void {
  if (config.sandbox) return;
  const problems = config.lps.profiles.flatMap((p, i) => (p.key ? [`lps.profiles[${i}] (${p.system}).key`] : []));
  if (problems.length)
    throw new Error(
      `${problems.join(', ')} would be written into the CloudFormation template and the functions' environment; ` +
        'put the vendor\'s key in Secrets Manager and name it with keySecretName, or as lpsKeys.<system> in the journey secret (aws.journeySecretName): read at run time, never in the template',
    );
}

/** The CloudFormation logical id of a bucket (cdk-nag names its findings by it). */
export function bucketLogicalId(bucket: s3.IBucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}

/** Lambda's limit for all environment variables of a function together (keys and values). */
const LAMBDA_ENV_LIMIT_BYTES = 4096;

/**
 * The name of `target.caFile`'s copy beside each function's bundle (in /var/task). The file's
 * content would not fit Lambda's 4 KB of environment as soon as it is a CA bundle, so it ships
 * in the code asset, and the shipped config names it relative to the code directory.
 */
export const SHIPPED_CA_FILE = 'flp-ca.pem';

/**
 * The config the functions get beside their bundle (`flp-config.json`): the validated config without what only makes
 * sense on the machine that synthesized it (the file's path, the local store and artifacts
 * directories, the sandbox). A shipped CA is named by its place in the bundle
 * (`SHIPPED_CA_FILE`); one not shipped is left out. The handler validates the config again,
 * puts its paths under /tmp and reads the CA from its code directory.
 */
export function lambdaConfig(config: Config, options: { caShipped?: boolean } = {}): Record<string, unknown> {
  const { file: _file, store: _store, artifacts: _artifacts, sandbox: _sandbox, ...rest } = config;
  const { caFile: _caFile, ...target } = rest.target;
  // Only the selectors a deployment overrides: the rest parse back to their defaults.
  const selectors = Object.fromEntries(Object.entries(rest.journey.selectors).filter(([k, v]) => DEFAULT_SELECTORS[k as keyof typeof DEFAULT_SELECTORS] !== v));
  return { ...rest, target: options.caShipped ? { ...target, caFile: SHIPPED_CA_FILE } : target, journey: { ...rest.journey, selectors } };
}

/**
 * Whether `target.caFile` is shipped with the functions. It is read now: a file that cannot be
 * read or holds no certificate stops the synth, since functions without it would report every
 * host of that CA as a TLS failure. Only a sandbox config may lack it (the sandbox writes its
 * CA when it first starts): that is a warning, and the functions get no CA.
 */
export function shipsCa(scope: Construct, config: Config): boolean {
  const file = config.target.caFile;
  if (!file) return false;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    if (config.sandbox) {
      Annotations.of(scope).addWarningV2(
        'flp:caFileMissing',
        `target.caFile (${file}): ${why}; the sandbox writes its CA when it first starts. The functions get no CA, so hosts signed by it fail their TLS checks.`,
      );
      return false;
    }
    throw new Error(`target.caFile: cannot read ${file} (${why}); the functions need it to trust the private CA`, { cause: err });
  }
  certificatesInPem(text, `target.caFile (${file})`);
  return true;
}

/** CloudWatch Logs retention: the smallest allowed value that keeps logs as long as the artifacts. */
export function logRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? logs.RetentionDays.INFINITE) as logs.RetentionDays;
}

/** The most a token in the environment renders to: an ARN (a topic's name alone may be 256 characters). */
const TOKEN_MAX_BYTES = 320;

/**
 * Refuses an environment Lambda would refuse (4 KB of keys and values), counting each token
 * (the bucket's name, a topic's or secret's ARN, rendered only at deploy time) at its longest.
 * The config ships beside the bundle, so an environment is a few hundred bytes; this keeps it so.
 */
export function checkEnvironmentSize(group: string, environment: Record<string, string>): void {
  const size = Object.entries(environment).reduce((n, [k, v]) => {
    const tokens = Tokenization.reverseString(v).tokens.length;
    // What is not a token is the literal text around them.
    const literal = v.replace(/\$\{Token\[[^\]]*\]\}/g, '');
    return n + Buffer.byteLength(k) + Buffer.byteLength(literal) + tokens * TOKEN_MAX_BYTES;
  }, 0);
  if (size > LAMBDA_ENV_LIMIT_BYTES)
    throw new Error(
      `the ${group} function's environment would be ${size} bytes, more than Lambda's ${LAMBDA_ENV_LIMIT_BYTES}: ${Object.keys(environment).join(', ')}`,
    );
}
